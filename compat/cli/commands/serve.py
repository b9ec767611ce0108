"""``smddp-compat serve``: the HTTP API and web page (FastAPI on uvicorn).

fastapi and uvicorn are imported here, inside the command, so that every
other command stays fast; they come with ``pip install 'smddp-compat[serve]'``.
"""

from __future__ import annotations

import errno
import os
from collections.abc import Callable
from typing import Any, TypeVar

import click

from compat.cli.options import matrix_option
from compat.errors import UsageError
from compat.service.settings import Limits

F = TypeVar("F", bound=Callable[..., Any])


def _require_server_packages(command: str = "serve") -> None:
    try:
        import fastapi  # noqa: F401
        import uvicorn  # noqa: F401
    except ImportError as exc:
        raise UsageError(
            f"{command} needs the 'serve' extra ({exc.name} is not installed)",
            hint="install it with: pip install 'smddp-compat[serve]'",
        ) from None


def _http_protocol(choice: str) -> type:
    """The guarded protocol class for ``--http``: both enforce every limit of ``serve``.

    ``auto`` is httptools (the faster parser) where it is installed, else h11.
    """
    if choice in ("auto", "httptools"):
        try:
            from compat.service.guard_httptools import GuardedHttpToolsProtocol
        except ImportError:
            if choice == "httptools":
                raise UsageError(
                    "--http httptools: httptools is not installed",
                    hint="install it with: pip install 'smddp-compat[serve]', or pass --http h11",
                ) from None
        else:
            return GuardedHttpToolsProtocol
    from compat.service.guard import GuardedH11Protocol

    return GuardedH11Protocol


def _check_origin(origin: str | None) -> str | None:
    if origin is None:
        return None
    from urllib.parse import urlsplit

    parts = urlsplit(origin)
    if origin != "*" and (
        parts.scheme not in ("http", "https") or not parts.netloc or parts.path not in ("", "/")
    ):
        raise UsageError(
            f"--cors-origin {origin!r} is not an origin",
            hint="pass scheme://host[:port], such as https://dashboard.example.com",
        )
    return origin.rstrip("/")


def _check_address(host: str, port: int) -> None:
    """Refuse, before uvicorn starts, an address this machine cannot listen on.

    uvicorn would log "[Errno 98] error while attempting to bind" among its
    start-up lines and exit 3 (which means "not found" here): a usage error
    that names the address says what to change.
    """
    import socket

    where = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    try:
        family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
    except (socket.gaierror, UnicodeError) as exc:
        raise UsageError(
            f"cannot listen on {where}: the host name does not resolve ({exc.args[-1]})",
            hint="pass --host with an address of this machine, such as 127.0.0.1 or 0.0.0.0",
        ) from None
    try:
        with socket.socket(family, kind, proto) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind(address)
    except OSError as exc:
        reason = (exc.strerror or str(exc)).lower()
        if exc.errno == errno.EADDRINUSE:
            hint = "another process listens there: stop it, or pass another --port"
        elif exc.errno == errno.EADDRNOTAVAIL:
            hint = "pass --host with an address of this machine, such as 127.0.0.1 or 0.0.0.0"
        elif exc.errno == errno.EACCES:
            hint = "ports below 1024 need privileges: pass --port 8080 or another above 1023"
        else:
            hint = "pass another --host or --port"
        raise UsageError(f"cannot listen on {where}: {reason}", hint=hint) from None


#: ``serve``'s bounds: (flag, type, help); each default is the Limits field of the same name.
LIMIT_OPTIONS: tuple[tuple[str, click.ParamType[Any], str], ...] = (
    (
        "--limit-concurrency",
        click.IntRange(1, 1_000_000),
        "Connections and requests at once per worker; above it, 503.",
    ),
    (
        "--timeout-keep-alive",
        click.IntRange(1, 3600),
        "Seconds an idle kept-alive connection stays open.",
    ),
    (
        "--max-header-bytes",
        click.IntRange(1024, 1024 * 1024),
        "Largest request line and headers; above it, 431 and close.",
    ),
    (
        "--max-headers",
        click.IntRange(8, 10_000),
        "Most header fields per request; above it, 431 and close.",
    ),
    (
        "--header-timeout",
        click.FloatRange(0.1, 3600),
        "Seconds for a request's line and headers to arrive; after it, 408 and close.",
    ),
    (
        "--body-timeout",
        click.FloatRange(0.1, 3600),
        "Seconds for a request's body to arrive after its headers; after it, 408 and close.",
    ),
)


def _limit_options(command: F) -> F:
    """The options of :data:`LIMIT_OPTIONS`, in that order in ``--help``."""
    for flag, kind, text in reversed(LIMIT_OPTIONS):
        default = getattr(Limits, flag.removeprefix("--").replace("-", "_"))
        command = click.option(flag, default=default, show_default=True, type=kind, help=text)(
            command
        )
    return command


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to bind.")
@click.option(
    "--port", default=8080, show_default=True, type=click.IntRange(0, 65535), help="TCP port."
)
@click.option(
    "--workers",
    default=1,
    show_default=True,
    type=click.IntRange(1, 64),
    help="Worker processes (SIGHUP to the parent then restarts them one by one).",
)
@matrix_option
@click.option(
    "--enable-aws",
    is_flag=True,
    help="Let preflight run the quota and usage checks for requests that carry the token "
    "(SMDDP_COMPAT_TOKEN) with the server's own AWS credentials.",
)
@click.option(
    "--cors-origin",
    default=None,
    help="Allow this browser origin to call the API (CORS is off without it).",
)
@click.option(
    "--log-level",
    type=click.Choice(["critical", "error", "warning", "info", "debug"]),
    default="info",
    show_default=True,
    help="Log level (above info, no access lines are written).",
)
@click.option(
    "--log-format",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="json: one object per line (time, level, request_id, route, status, duration_ms).",
)
@_limit_options
@click.option(
    "--http",
    "http_impl",
    type=click.Choice(["auto", "httptools", "h11"]),
    default="auto",
    show_default=True,
    help="HTTP parser: httptools (fast, C) or h11 (pure Python); auto takes httptools when "
    "installed. Both enforce the limits above.",
)
@click.pass_context
def serve_cmd(
    ctx: click.Context,
    host: str,
    port: int,
    workers: int,
    matrix_path: str | None,
    enable_aws: bool,
    cors_origin: str | None,
    log_level: str,
    log_format: str,
    limit_concurrency: int,
    timeout_keep_alive: int,
    max_header_bytes: int,
    max_headers: int,
    header_timeout: float,
    body_timeout: float,
    http_impl: str,
) -> None:
    """Serve the HTTP API (/v1/...) and the web page (/).

    \b
    The matrix is validated before the server starts (exit 7 when invalid).
    SIGHUP or POST /v1/admin/reload (with the token) loads it again; a bad
    file leaves the old one serving. SMDDP_COMPAT_TOKEN guards the admin
    path and the AWS checks.

    \b
    Examples:
      smddp-compat serve
      smddp-compat serve --host 0.0.0.0 --port 8080 --workers 4
      SMDDP_COMPAT_TOKEN=... smddp-compat serve --enable-aws
    """
    _require_server_packages()
    import uvicorn

    from compat.service.app import (
        CORS_ENV,
        ENABLE_AWS_ENV,
        MATRIX_ENV,
        METRICS_TOKEN_ENV,
        TOKEN_ENV,
        create_app,
    )
    from compat.service.logs import log_config
    from compat.service.settings import LIMITS_ENV

    limits = Limits(
        limit_concurrency=limit_concurrency,
        timeout_keep_alive=timeout_keep_alive,
        max_header_bytes=max_header_bytes,
        max_headers=max_headers,
        header_timeout=header_timeout,
        body_timeout=body_timeout,
    )
    # The guarded protocol (and worker processes) read the limits from the environment.
    os.environ[LIMITS_ENV] = limits.to_env()

    protocol = _http_protocol(http_impl)
    origin = _check_origin(cors_origin)
    _check_address(host, port)
    path = matrix_path or ctx.find_root().params.get("matrix_path")
    token = os.environ.get(TOKEN_ENV) or None
    if enable_aws and token is None:
        click.echo(
            f"warning: --enable-aws without {TOKEN_ENV}: the AWS checks stay off "
            "until the server is started with a token",
            err=True,
        )
    # Validates the matrix now, so that a bad file stops here with exit 7.
    app = create_app(
        path,
        enable_aws=enable_aws,
        token=token,
        cors_origin=origin,
        metrics_token=os.environ.get(METRICS_TOKEN_ENV) or None,
        # With workers, this app only validates the matrix: its metrics would be nobody's.
        metrics=workers == 1,
    )
    common: dict[str, object] = {
        "host": host,
        "port": port,
        "log_level": log_level,
        "log_config": log_config(log_level, log_format),
        # The access line is ours (compat.service.observe: request id, route, duration);
        # it is written at info and costs nothing above it.
        "access_log": False,
        "proxy_headers": False,
        "server_header": False,
        "limit_concurrency": limits.limit_concurrency,
        "timeout_keep_alive": limits.timeout_keep_alive,
        "http": protocol,
        # No route is a WebSocket: an upgrade request is answered by the app as plain HTTP
        # (logged, counted, with its request id), not refused by uvicorn outside the app.
        "ws": "none",
        # The guarded h11 protocol answers 431 above max_header_bytes itself (h11's own
        # limit would answer 400), checking after each read: h11 may hold one read more.
        "h11_max_incomplete_event_size": limits.max_header_bytes + 256 * 1024,
    }
    if workers == 1:
        uvicorn.run(app, **common)  # type: ignore[arg-type]
        return
    # Worker processes build their own app from the environment.
    os.environ.update(
        {
            MATRIX_ENV: path or "",
            ENABLE_AWS_ENV: "1" if enable_aws else "",
            CORS_ENV: origin or "",
        }
    )
    metrics_dir = None
    if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        # Before any worker imports prometheus-client: a scrape then adds up every worker.
        import tempfile

        metrics_dir = tempfile.mkdtemp(prefix="smddp-compat-metrics-")
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = metrics_dir
    try:
        uvicorn.run(
            "compat.service.app:app_from_env",
            factory=True,
            workers=workers,
            **common,  # type: ignore[arg-type]
        )
    finally:
        if metrics_dir is not None:
            import shutil

            shutil.rmtree(metrics_dir, ignore_errors=True)
