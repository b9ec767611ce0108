"""``byoc``: a Dockerfile fragment for a custom training container with smddp.

Two bases, as AWS documents them: extend the Deep Learning Container itself
(``dlc``, which already carries smddp), or start from NVIDIA's public CUDA
image and install the smddp wheel (``cuda``; AWS's "bring your own container"
page). Either way the fragment names its sources in comments. TensorFlow has
no wheel that AWS documents, so there is no recipe for it: that is an error
that points to the DLC.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from compat.errors import NoImageError, NoWheelError, UsageError
from compat.recipes.requirements import extra_requirements
from compat.results import SourceRef

if TYPE_CHECKING:
    from compat.matrix import Matrix
    from compat.results import Resolution

BASES = ("dlc", "cuda")

#: AWS, "Create your own Docker container with the SageMaker distributed data
#: parallel library": the nvidia/cuda cuDNN devel base, the environment
#: settings and ``SMDATAPARALLEL_PT=1 pip install`` of the wheel.
BYOC_PAGE = SourceRef(
    "AWS-BYOC",
    "Amazon SageMaker Developer Guide: Create your own Docker container with the SageMaker "
    "distributed data parallel library",
    "https://docs.aws.amazon.com/sagemaker/latest/dg/data-parallel-bring-your-own-container.html",
)
#: AWS, "Use the SageMaker generic estimator to extend pre-built DLC
#: containers": FROM the DLC, SAGEMAKER_SUBMIT_DIRECTORY and SAGEMAKER_PROGRAM.
EXTEND_PAGE = SourceRef(
    "AWS-EXTEND",
    "Amazon SageMaker Developer Guide: Use the SageMaker generic estimator to extend "
    "pre-built DLC containers",
    "https://docs.aws.amazon.com/sagemaker/latest/dg/data-parallel-use-python-skd-api.html",
)

#: NVIDIA's last patch release of each CUDA minor version, for the
#: nvidia/cuda tags. Inferred (NVIDIA's release history), not from an AWS page.
CUDA_PATCH: dict[str, str] = {
    "11.0": "11.0.3",
    "11.1": "11.1.1",
    "11.2": "11.2.2",
    "11.3": "11.3.1",
    "11.7": "11.7.1",
    "11.8": "11.8.0",
    "12.1": "12.1.1",
    "12.4": "12.4.1",
}
#: When the matrix gives no OS: the newer one, whose glibc runs wheels built on either.
_DEFAULT_OS = "ubuntu22.04"
_SAFE_PATH_RE = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_./-]{0,199}$")

#: Environment settings from BYOC_PAGE, in its order (the LD_LIBRARY_PATH
#: entries are joined into one setting).
_CUDA_BASE_ENV = (
    ("PATH", "/opt/amazon/openmpi/bin:/opt/conda/bin:$PATH"),
    ("SAGEMAKER_TRAINING_MODULE", "sagemaker_pytorch_container.training:main"),
    ("RDMAV_FORK_SAFE", "1"),
    ("DLC_CONTAINER_TYPE", "training"),
)


@dataclass(frozen=True, slots=True)
class ByocRecipe:
    """Everything a custom container needs for one release, and the Dockerfile fragment."""

    framework: str
    framework_version: str
    pytorch_version: str  # the torch release the wheel is built for
    smddp_version: str
    region: str | None
    base: str  # dlc | cuda
    base_image: str
    python_version: str | None
    cuda_version: str | None
    os: str | None
    wheel_url: str
    pip_install: str
    env: tuple[tuple[str, str], ...]
    requirements: tuple[str, ...]
    entry_point: str
    notes: tuple[str, ...]
    sources: tuple[SourceRef, ...]
    confidence: str
    #: The framework as people write it, from the matrix (``PyTorch``), for the
    #: Dockerfile's heading; the JSON form names the framework by its id.
    display_name: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "framework": self.framework,
            "framework_version": self.framework_version,
            "pytorch_version": self.pytorch_version,
            "smddp_version": self.smddp_version,
            "region": self.region,
            "base": self.base,
            "base_image": self.base_image,
            "python_version": self.python_version,
            "cuda_version": self.cuda_version,
            "os": self.os,
            "wheel_url": self.wheel_url,
            "pip_install": self.pip_install,
            "env": dict(self.env),
            "requirements": list(self.requirements),
            "entry_point": self.entry_point,
            "notes": list(self.notes),
            "sources": [s.to_dict() for s in self.sources],
            "confidence": self.confidence,
            "dockerfile": self.dockerfile(),
        }

    def to_text(self) -> str:
        return self.dockerfile()

    def dockerfile(self) -> str:
        """The Dockerfile fragment, with its sources in comments."""
        return render_dockerfile(self)


def byoc(
    framework: str,
    version: str = "latest",
    region: str | None = None,
    *,
    base: str = "dlc",
    entry_point: str = "train.py",
    matrix: Matrix | None = None,
) -> ByocRecipe:
    """The custom-container recipe for ``framework`` at ``version``.

    ``base`` is ``dlc`` (extend the DLC; needs ``region``, whose registry
    account it names) or ``cuda`` (NVIDIA's CUDA image plus the smddp wheel).
    Raises :class:`NoWheelError` where AWS documents no wheel (TensorFlow),
    :class:`NoImageError` for ``dlc`` where no DLC carries the release, and
    :class:`UsageError` for a bad ``base``, a missing region or entry point.
    """
    from compat.arguments import require_text
    from compat.matrix import matrix_or_default
    from compat.resolver import resolve

    require_text("base", base, "dlc")
    require_text("entry_point", entry_point, "train.py")
    if base not in BASES:
        raise UsageError(f"unknown base {base!r}", hint=f"use one of: {', '.join(BASES)}")
    if not _SAFE_PATH_RE.match(entry_point) or ".." in entry_point.split("/"):
        raise UsageError(
            f"entry point {entry_point!r} is not a relative path of letters, digits, '._-/'",
            hint="for example train.py or src/train.py",
        )
    if base == "dlc" and region is None:
        raise UsageError(
            "byoc --base dlc needs --region: the DLC registry account differs per region",
            hint="pass --region (or set AWS_REGION), or use --base cuda",
        )
    m = matrix_or_default(matrix)
    res = resolve(framework, version, region, matrix=m)
    name = m.display_name(res.framework)
    if res.binary_url is None or res.framework == "tensorflow":
        # A TensorFlow wheel seen in a DLC Dockerfile is not one AWS documents for
        # custom containers, and the recipes here are PyTorch containers.
        raise NoWheelError(
            f"AWS documents no smddp wheel for {name} "
            f"{res.framework_version}, so byoc has no custom-container recipe for it",
            hint=_carried_by(res),
        )
    if base == "dlc":
        return _dlc_recipe(res, name, entry_point)
    return _cuda_recipe(res, name, entry_point)


def _image(res: Resolution) -> str:
    return res.image_ref or "(none published)"


def _carried_by(res: Resolution) -> str:
    """What to use where byoc has no recipe: the DLC image, else the SMP image."""
    if res.image_ref is not None:
        return f"use the DLC image {res.image_ref}, which carries smddp {res.smddp_version}"
    if res.smp_image_uri is not None:
        return f"use the SMP image {res.smp_image_uri}, which carries smddp {res.smddp_version}"
    return "see the release's notes: smddp-compat resolve --format text"


def _pip_install(res: Resolution, extra: str = "") -> str:
    return f"SMDATAPARALLEL_PT=1 pip install --no-cache-dir {extra}{res.binary_url}"


def _dlc_recipe(res: Resolution, name: str, entry_point: str) -> ByocRecipe:
    if res.image_uri is None:
        instead = [
            "--base cuda (the smddp wheel is published)",
            f"the SMP image {res.smp_image_uri}" if res.smp_image_uri else None,
            *(
                f"--version {a.version} (smddp {a.smddp_version}), the nearest release with a "
                "DLC image"
                for a in res.alternatives
                if a.image_uri is not None
            ),
        ]
        raise NoImageError(
            f"no DLC image carries {name} {res.framework_version} with smddp {res.smddp_version}",
            hint="use " + " or ".join(i for i in instead if i),
            alternatives=res.alternatives,
        )
    notes = [
        f"The DLC already carries smddp {res.smddp_version}; the pip line is commented out "
        "and pins the documented wheel only if you enable it.",
        f"Pull access: aws ecr get-login-password --region {res.region} | docker login "
        f"--username AWS --password-stdin {res.image_uri.split('/', 1)[0]}",
    ]
    return _recipe(
        res,
        name,
        entry_point,
        base="dlc",
        base_image=res.image_uri,
        python_version=res.python_version,
        cuda_version=res.cuda_version,
        os=res.os,
        pip_install=_pip_install(res, "--force-reinstall --no-deps "),
        env=(
            ("PATH", "/opt/ml/code:${PATH}"),
            ("SAGEMAKER_SUBMIT_DIRECTORY", "/opt/ml/code"),
            ("SAGEMAKER_PROGRAM", entry_point),
        ),
        notes=notes,
        sources=(EXTEND_PAGE, BYOC_PAGE, *res.sources),
        confidence=res.confidence,
    )


def _cuda_recipe(res: Resolution, name: str, entry_point: str) -> ByocRecipe:
    cuda = res.cuda_version
    if cuda is None or cuda not in CUDA_PATCH or res.python_version is None:
        raise NoImageError(
            f"no nvidia/cuda base is known for {name} "
            f"{res.framework_version} (CUDA {cuda or 'unknown'})",
            hint=f"use --base dlc with the DLC image {_image(res)}",
        )
    notes = [
        f"nvidia/cuda tag: CUDA {CUDA_PATCH[cuda]} is inferred as NVIDIA's last {cuda} "
        "release; NVIDIA removes end-of-life tags from Docker Hub, so check that the tag "
        "exists (docker manifest inspect).",
        "A fragment: the AWS page also installs EFA, PyTorch built from source against a "
        "chosen NCCL, aws-ofi-nccl, OpenSSH, libboost and sagemaker-pytorch-training; "
        "see the comments where they go.",
    ]
    os_name = res.os
    if os_name is None:
        os_name = _DEFAULT_OS
        notes.append(
            f"The matrix gives no OS for this release; {_DEFAULT_OS} is assumed (its glibc "
            "runs wheels built on ubuntu20.04 too)."
        )
    cudnn = "cudnn" if _at_least(cuda, "12.4") else "cudnn8"
    python = res.python_version
    env = (
        *_CUDA_BASE_ENV,
        (
            "LD_LIBRARY_PATH",
            f"/opt/conda/lib/python{python}/site-packages/smdistributed/dataparallel/lib:"
            "/opt/amazon/efa/lib:$LD_LIBRARY_PATH",
        ),
        ("SAGEMAKER_SUBMIT_DIRECTORY", "/opt/ml/code"),
        ("SAGEMAKER_PROGRAM", entry_point),
    )
    return _recipe(
        res,
        name,
        entry_point,
        base="cuda",
        base_image=f"nvidia/cuda:{CUDA_PATCH[cuda]}-{cudnn}-devel-{os_name}",
        python_version=python,
        cuda_version=cuda,
        os=os_name,
        pip_install=_pip_install(res),
        env=env,
        notes=notes,
        sources=(BYOC_PAGE, *res.sources),
        confidence="inferred" if res.os is None else res.confidence,
    )


def _recipe(
    res: Resolution,
    name: str,
    entry_point: str,
    *,
    base: str,
    base_image: str,
    python_version: str | None,
    cuda_version: str | None,
    os: str | None,
    pip_install: str,
    env: tuple[tuple[str, str], ...],
    notes: list[str],
    sources: tuple[SourceRef, ...],
    confidence: str,
) -> ByocRecipe:
    """A recipe for ``res``: what the release fixes, plus what the base decides."""
    return ByocRecipe(
        framework=res.framework,
        framework_version=res.framework_version,
        pytorch_version=res.base_framework_version or res.framework_version,
        smddp_version=res.smddp_version,
        region=res.region,
        base=base,
        base_image=base_image,
        python_version=python_version,
        cuda_version=cuda_version,
        os=os,
        wheel_url=str(res.binary_url),
        pip_install=pip_install,
        env=env,
        requirements=extra_requirements(res),
        entry_point=entry_point,
        notes=tuple(notes),
        sources=sources,
        confidence=confidence,
        display_name=name,
    )


def _at_least(version: str, floor: str) -> bool:
    from packaging.version import Version

    return Version(version) >= Version(floor)


def render_dockerfile(recipe: ByocRecipe) -> str:
    """The fragment itself: comments citing the sources, then the instructions."""
    r = recipe
    what = f"{r.display_name} {r.framework_version} with smddp {r.smddp_version}"
    where = f" in {r.region}" if r.region else ""
    facts = ", ".join(
        x
        for x in (
            f"Python {r.python_version}" if r.python_version else None,
            f"CUDA {r.cuda_version}" if r.cuda_version else None,
            r.os,
        )
        if x
    )
    lines = [
        f"# smddp-compat byoc --base {r.base}: {what}{where} ({facts})",
        "# A Dockerfile fragment; check it against its sources:",
    ]
    for source in r.sources:
        lines.append(
            f"#   {source.id}: {source.title}" + (f" <{source.url}>" if source.url else "")
        )
    lines.append(f"# Matrix confidence for this release: {r.confidence}.")
    for note in r.notes:
        lines.append(f"# Note: {note}")
    lines += ["", f"FROM {r.base_image}", ""]
    lines.append(f"ARG SMDATAPARALLEL_BINARY={r.wheel_url}")
    if r.base == "cuda":
        lines += _cuda_body(r)
    else:
        lines += _dlc_body(r)
    return "\n".join(lines)


def _env_lines(env: tuple[tuple[str, str], ...]) -> list[str]:
    return [f'ENV {name}="{value}"' for name, value in env]


def _code_lines(r: ByocRecipe) -> list[str]:
    return [f"COPY {r.entry_point} /opt/ml/code/{r.entry_point}"]


def _requirements_lines(r: ByocRecipe) -> list[str]:
    if not r.requirements:
        return []
    return [
        "",
        "# Not in the image: install after smddp.",
        "RUN pip install --no-cache-dir " + " ".join(f"'{p}'" for p in r.requirements),
    ]


def _dlc_body(r: ByocRecipe) -> list[str]:
    return [
        "",
        f"# {EXTEND_PAGE.id}: the user code directory and entry script of the SageMaker "
        "training toolkit.",
        *_env_lines(r.env),
        *_code_lines(r),
        "",
        f"# The image already carries smddp {r.smddp_version}. To pin exactly this documented "
        "wheel (DLC rebuilds can ship another build), uncomment:",
        f"# RUN {r.pip_install.replace(r.wheel_url, '${SMDATAPARALLEL_BINARY}')}",
        *_requirements_lines(r),
    ]


def _cuda_body(r: ByocRecipe) -> list[str]:
    pip = r.pip_install.replace(r.wheel_url, "${SMDATAPARALLEL_BINARY}")
    cu = (r.cuda_version or "").replace(".", "")
    return [
        f"ARG PYTHON_SHORT_VERSION={r.python_version}",
        'ARG CONDA_PREFIX="/opt/conda"',
        "",
        f"# {BYOC_PAGE.id}: environment settings to build and run the data parallel library.",
        *_env_lines(r.env),
        "",
        f"# {BYOC_PAGE.id}: Python {r.python_version} with conda.",
        "RUN apt-get update && apt-get install -y --no-install-recommends curl ca-certificates \\",
        " && rm -rf /var/lib/apt/lists/* \\",
        " && curl -fsSL -o /tmp/miniconda.sh "
        "https://repo.anaconda.com/miniconda/Miniconda3-latest-Linux-x86_64.sh \\",
        " && bash /tmp/miniconda.sh -b -p ${CONDA_PREFIX} && rm /tmp/miniconda.sh \\",
        " && ${CONDA_PREFIX}/bin/conda install -y python=${PYTHON_SHORT_VERSION} \\",
        " && ${CONDA_PREFIX}/bin/conda clean -ya",
        "",
        f"# {BYOC_PAGE.id} steps to add here, in this order: the EFA installer; PyTorch for "
        f"CUDA {r.cuda_version} (AWS builds it from source to control the NCCL version);",
        "# aws-ofi-nccl; OpenSSH; libboost; pip install sagemaker-pytorch-training; apt "
        "packages jq libhwloc-dev libnuma1 libnuma-dev libtool hwloc.",
        f"# A prebuilt PyTorch instead (not what AWS tests): pip install --no-cache-dir "
        f"torch=={r.pytorch_version} --index-url https://download.pytorch.org/whl/cu{cu}",
        "",
        f"# {BYOC_PAGE.id}: smddp {r.smddp_version}, after PyTorch.",
        f"RUN {pip}",
        *_requirements_lines(r),
        "",
        *_code_lines(r),
    ]
