# smddp-compat serve: the HTTP API and web page, as a non-root container.
# Build:  docker build -t smddp-compat .
# Run:    docker run -p 8080:8080 -e SMDDP_COMPAT_TOKEN=... smddp-compat
# Mount another matrix with -v ./matrix.yaml:/matrix/matrix.yaml -e SMDDP_COMPAT_MATRIX=/matrix/matrix.yaml

FROM python:3.12-slim AS build
WORKDIR /src
COPY pyproject.toml README.md hatch_build.py ./
COPY compat ./compat
COPY data ./data
RUN python -m pip install --no-cache-dir --upgrade pip build \
 && python -m build --wheel --outdir /dist

FROM python:3.12-slim AS runtime
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_DISABLE_PIP_VERSION_CHECK=1 \
    SMDDP_COMPAT_CACHE_DIR=/tmp/smddp-compat-cache
COPY --from=build /dist /dist
RUN python -m pip install --no-cache-dir "$(ls /dist/*.whl)[serve]" \
 && rm -rf /dist \
 && useradd --system --uid 10001 --no-create-home --shell /usr/sbin/nologin smddp
USER 10001
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=3s CMD ["python", "-c", "import urllib.request,sys; sys.exit(urllib.request.urlopen('http://127.0.0.1:8080/readyz').status != 200)"]
ENTRYPOINT ["smddp-compat", "serve", "--host", "0.0.0.0", "--port", "8080"]
