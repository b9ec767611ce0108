"""The SageMaker Python SDK arguments for a resolved release (``--format sagemaker``).

For SDK v2: the estimator class and its keyword arguments, with
``distribution={"smdistributed": {"dataparallel": {"enabled": True}}}``. For
SDK v3: what a ``ModelTrainer`` needs. Also the lines the training script
needs to select smddp, and the ``requirements.txt`` lines the container lacks.
Each v3 statement says whether the SDK's source states it (documented) or it
follows from it (inferred).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from compat.recipes.requirements import extra_requirements
from compat.results import Alternative, Resolution

if TYPE_CHECKING:
    from packaging.version import Version

    from compat.errors import NoImageError
    from compat.matrix import Matrix
    from compat.recipes.sdk_accepts import SdkVerdict

#: The v2 ``distribution`` argument that turns smddp on.
DISTRIBUTION: dict[str, Any] = {"smdistributed": {"dataparallel": {"enabled": True}}}

_ESTIMATORS: dict[str, tuple[str, str]] = {
    "pytorch": ("sagemaker.pytorch.PyTorch", "from sagemaker.pytorch import PyTorch"),
    "pytorch-lightning": ("sagemaker.pytorch.PyTorch", "from sagemaker.pytorch import PyTorch"),
    "tensorflow": (
        "sagemaker.tensorflow.TensorFlow",
        "from sagemaker.tensorflow import TensorFlow",
    ),
    "huggingface": (
        "sagemaker.huggingface.HuggingFace",
        "from sagemaker.huggingface import HuggingFace",
    ),
}
_SMDDP_BACKEND = "1.4.0"  # smddp is a torch.distributed backend from this version (AWSSUP)
_ALLGATHER = "2.0.1"  # AllGather, FSDP and DeepSpeed from this version (AWSRN)

#: Where the v3 statements come from.
SDK_V3_SOURCE = (
    "sagemaker-python-sdk v3: sagemaker.train.ModelTrainer (training_image, compute, "
    "source_code, distributed), sagemaker.train.configs.Compute and SourceCode, "
    "sagemaker.train.distributed.Torchrun and MPI"
)
PYTORCH_SCRIPT_SOURCE = (
    "https://docs.aws.amazon.com/sagemaker/latest/dg/data-parallel-modify-sdp-pt.html"
)


@dataclass(frozen=True, slots=True)
class Statement:
    """A line of guidance with how sure it is: documented or inferred."""

    text: str
    confidence: str  # documented | inferred

    def to_dict(self) -> dict[str, str]:
        return {"text": self.text, "confidence": self.confidence}


@dataclass(frozen=True, slots=True)
class SageMakerArgs:
    """SDK v2 estimator kwargs, SDK v3 ModelTrainer settings and script notes for a release."""

    framework: str
    framework_version: str
    smddp_version: str
    region: str | None
    estimator: str
    estimator_import: str
    estimator_kwargs: dict[str, Any]
    model_trainer: dict[str, Any]
    model_trainer_imports: tuple[str, ...]
    model_trainer_notes: tuple[Statement, ...]
    requirements_txt: tuple[str, ...]
    training_script: tuple[Statement, ...]
    notes: tuple[str, ...] = field(default=())

    def to_dict(self) -> dict[str, Any]:
        return {
            "framework": self.framework,
            "framework_version": self.framework_version,
            "smddp_version": self.smddp_version,
            "region": self.region,
            "sdk_v2": {
                "estimator": self.estimator,
                "import": self.estimator_import,
                "kwargs": self.estimator_kwargs,
            },
            "sdk_v3": {
                "class": "sagemaker.train.ModelTrainer",
                "imports": list(self.model_trainer_imports),
                "kwargs": self.model_trainer,
                "notes": [s.to_dict() for s in self.model_trainer_notes],
                "source": SDK_V3_SOURCE,
            },
            "requirements_txt": list(self.requirements_txt),
            "training_script": [s.to_dict() for s in self.training_script],
            "training_script_source": None
            if self.framework == "tensorflow"
            else PYTORCH_SCRIPT_SOURCE,
            "notes": list(self.notes),
        }


def sagemaker_args(
    res: Resolution,
    *,
    instance_type: str | None = None,
    matrix: Matrix | None = None,
) -> SageMakerArgs:
    """The SDK arguments for ``res`` on ``instance_type``.

    An instance type that smddp does not run on for the release's smddp version
    (ml.p5*, a deprecated or unknown type) raises
    :class:`~compat.errors.NotEligibleError` with the alternative: arguments that
    enable smdistributed there would only fail when the job is submitted.
    """
    from compat.arguments import require_type

    require_type(
        "res",
        res,
        Resolution,
        "a compat.Resolution",
        "pass the result of compat.resolve(...), such as "
        "compat.sagemaker_args(compat.resolve('pytorch', '1.13.1', 'us-west-2'))",
    )
    if instance_type is not None:
        _require_eligible(res, instance_type, matrix)
    from compat.matrix import matrix_or_default
    from compat.recipes.sdk_accepts import sdk_verdict

    m = matrix_or_default(matrix)
    verdict = sdk_verdict(res, m)
    notes: list[str] = []
    image = res.image_uri
    if image is None and res.smp_image_uri is not None:
        image = res.smp_image_uri
        notes.append(
            "No framework DLC carries this release; image_uri is the SMP image, which "
            "carries the same smddp."
        )
    if image is None and (verdict.accepted is False or res.region is not None):
        # Without image_uri the SDK would refuse the version or find no image here.
        raise _refusal(res, m, verdict)
    if image is None:
        notes.append(
            "Pass --region to fill in image_uri and training_image (without it the SDK "
            "builds the short-tag image URI of the session's region)."
        )
    elif verdict.accepted is False:
        notes.append(
            f"image_uri is required here: {verdict.reason} ({verdict.read}), so without "
            "image_uri the estimator raises ValueError; with it the SDK skips that check."
        )
    kwargs = _estimator_kwargs(res, image, instance_type)
    if res.py_version is None:
        notes.append("The matrix gives no Python version for this release; py_version is left out.")
    if instance_type is not None:
        notes += _instance_notes(res, instance_type, matrix)
    estimator, estimator_import = _ESTIMATORS[res.framework]
    trainer, imports, trainer_notes = _model_trainer(res, image, instance_type)
    return SageMakerArgs(
        framework=res.framework,
        framework_version=res.framework_version,
        smddp_version=res.smddp_version,
        region=res.region,
        estimator=estimator,
        estimator_import=estimator_import,
        estimator_kwargs=kwargs,
        model_trainer=trainer,
        model_trainer_imports=imports,
        model_trainer_notes=trainer_notes,
        requirements_txt=extra_requirements(res) if res.framework == "pytorch-lightning" else (),
        training_script=_script_statements(res),
        notes=tuple(notes),
    )


def _refusal(res: Resolution, m: Matrix, verdict: SdkVerdict) -> NoImageError:
    """The error for a release the SDK cannot run with smdistributed from these arguments,
    with the releases it can run and a byoc command only where that command succeeds."""
    from compat.errors import NoImageError

    name = m.display_name(res.framework)
    what = f"{name} {res.framework_version} (smddp {res.smddp_version})"
    if res.region is not None:
        message = (
            f"no image carries {what} in {res.region}, so --format sagemaker has no image_uri "
            "to pass, and without it the SageMaker SDK cannot run this release there"
        )
        if verdict.accepted is False:
            message += f" ({verdict.reason})"
    else:
        message = (
            f"the SageMaker SDK rejects {what} with smdistributed unless image_uri is given: "
            f"{verdict.reason} ({verdict.read})"
        )
    alternatives = _sdk_alternatives(res, m)
    hints: list[str] = []
    if res.region is None and _has_images(res, m):
        hints.append("add --region REGION: image_uri is then passed and the SDK skips its check")
    for alt in alternatives[:1]:
        region = f" --region {res.region}" if res.region else ""
        hints.append(
            f"smddp-compat resolve --framework {res.framework} --version {alt.version}{region} "
            "--format sagemaker"
        )
    byoc = _byoc_command(res, m)
    if byoc is not None:
        hints.append(f"build an image ({byoc}) and pass its URI as image_uri")
    return NoImageError(
        message,
        hint="; or ".join(hints) if hints else None,
        alternatives=alternatives,
    )


def _has_images(res: Resolution, m: Matrix) -> bool:
    release = m.release_for(res.framework, res.framework_version)
    return release["tag"] is not None or release["smp_tag"] is not None


def _sdk_alternatives(res: Resolution, m: Matrix) -> tuple[Alternative, ...]:
    """Up to two releases of the same framework that --format sagemaker can answer for the
    same region: the same smddp first, then the nearest versions."""
    from packaging.version import Version

    from compat.errors import CompatError
    from compat.recipes.sdk_accepts import sdk_verdict
    from compat.resolver import resolve

    wanted = Version(res.framework_version)
    rows = m.compiled["releases"].get(res.framework, [])
    candidates = sorted(
        {r["version"]: r["smddp"] for r in rows if r["version"] != res.framework_version}.items(),
        key=lambda vs: (vs[1] != res.smddp_version, abs(_distance(Version(vs[0]), wanted))),
    )
    name = m.display_name(res.framework)
    out: list[Alternative] = []
    for version, smddp in candidates:
        try:
            other = resolve(res.framework, version, res.region, matrix=m)
        except CompatError:
            continue
        image = other.image_uri or other.smp_image_uri
        if res.region is not None and image is None:
            continue
        if res.region is None and sdk_verdict(other, m).accepted is False:
            continue
        where = f" in {res.region}: image_uri {image}" if image else ", which the SDK accepts"
        out.append(
            Alternative(
                "release",
                f"{name} {version} (smddp {smddp}){where}",
                framework=res.framework,
                version=version,
                smddp_version=smddp,
                image_uri=image,
            )
        )
        if len(out) == 2:
            break
    return tuple(out)


def _distance(a: Version, b: Version) -> float:
    """A rough distance between two versions (major, minor, micro), for ordering."""
    ra, rb = [*a.release, 0, 0, 0][:3], [*b.release, 0, 0, 0][:3]
    return (ra[0] - rb[0]) * 10000.0 + (ra[1] - rb[1]) * 100.0 + (ra[2] - rb[2])


def _byoc_command(res: Resolution, m: Matrix) -> str | None:
    """A byoc command for this release, only where byoc answers it (it is tried)."""
    from compat.errors import CompatError
    from compat.recipes.byoc import byoc

    try:
        byoc(res.framework, res.framework_version, res.region, base="cuda", matrix=m)
    except CompatError:
        return None
    region = f" --region {res.region}" if res.region else ""
    return (
        f"smddp-compat byoc --framework {res.framework} --version {res.framework_version} "
        f"--base cuda{region}"
    )


def as_sagemaker_args(value: Any) -> Any:
    """``--format sagemaker`` of any resolve result: one or a list of SageMakerArgs."""
    if isinstance(value, Resolution):
        return sagemaker_args(value)
    if isinstance(value, list):
        return [as_sagemaker_args(v) for v in value]
    if isinstance(value, SageMakerArgs):
        return value
    from compat.errors import UsageError

    raise UsageError("--format sagemaker applies to resolve results only")


def _estimator_kwargs(
    res: Resolution, image: str | None, instance_type: str | None
) -> dict[str, Any]:
    kwargs: dict[str, Any] = {}
    if res.framework == "huggingface":
        kwargs["transformers_version"] = res.framework_version
        kwargs["pytorch_version"] = res.base_framework_version
    else:
        kwargs["framework_version"] = res.base_framework_version or res.framework_version
    if res.py_version is not None:
        kwargs["py_version"] = res.py_version
    if image is not None:
        kwargs["image_uri"] = image
    if instance_type is not None:
        kwargs["instance_type"] = instance_type
    kwargs["distribution"] = {"smdistributed": {"dataparallel": {"enabled": True}}}
    return kwargs


def _require_eligible(res: Resolution, instance_type: object, matrix: Matrix | None) -> None:
    """Raise NotEligibleError when smddp does not run on ``instance_type`` for ``res``."""
    from compat.aws.eligibility import check_eligibility
    from compat.aws.report import CheckStatus
    from compat.errors import NotEligibleError, UsageError
    from compat.matrix import matrix_or_default

    if not isinstance(instance_type, str) or not instance_type.strip():
        raise UsageError(
            f"instance type must be a name such as ml.p4d.24xlarge, not {instance_type!r}",
            hint="pass --instance-type ml.p4d.24xlarge",
        )
    m = matrix_or_default(matrix)
    check = check_eligibility(
        m.release_for(res.framework, res.framework_version),
        instance_type,
        2,
        distribution=m.compiled["frameworks"][res.framework]["alternative_distribution"],
    )
    if check.status is CheckStatus.PASS:
        return
    # The same structured alternatives as preflight's refusal: the instance types smddp
    # supports, and (PyTorch, Lightning) the torch_distributed distribution.
    alternatives = list(check.alternatives)
    sdk = m.compiled.get("sdk")
    version = res.base_framework_version or res.framework_version
    if sdk is not None and version not in sdk["torch_distributed"]:
        for i, alt in enumerate(alternatives):
            if alt.kind == "distribution" and "torch_distributed" in alt.text:
                alternatives[i] = Alternative(
                    alt.kind,
                    f"{alt.text}; the SDK's torch_distributed check (fw_utils.py) does not "
                    f"list framework_version {version}, so pass image_uri with it",
                    alt.framework,
                    alt.version,
                    alt.smddp_version,
                    alt.image_uri,
                    alt.distribution,
                    alt.instance_types,
                )
    hint = check.remedy
    if hint and not hint.lower().startswith(("use ", "sagemaker names")):
        hint = f"use {hint} instead of smdistributed"
    raise NotEligibleError(
        check.message + " (no smdistributed arguments for it)",
        hint=hint,
        alternatives=alternatives,
    )


def _instance_notes(res: Resolution, instance_type: str, matrix: Matrix | None) -> list[str]:
    from compat.matrix import matrix_or_default
    from compat.matrix.layout import runnable_instance_types

    m = matrix_or_default(matrix)
    release = m.release_for(res.framework, res.framework_version)
    support = release["instance_support"]
    entry = support.get(instance_type)
    runs = ", ".join(runnable_instance_types(release))
    if entry is None:
        return [f"smddp does not support {instance_type}; use one of {runs}."]
    status, note, alternative = entry
    if status == "supported":
        return []
    text = f"{instance_type} is {status} for smddp {res.smddp_version}"
    text += f": {note}" if note else "."
    if alternative:
        text += f" Instead: {alternative}"
    return [text]


def _model_trainer(
    res: Resolution, image: str | None, instance_type: str | None
) -> tuple[dict[str, Any], tuple[str, ...], tuple[Statement, ...]]:
    torch = res.framework != "tensorflow"
    runner = "Torchrun" if torch else "MPI"
    imports = (
        "from sagemaker.train import ModelTrainer",
        "from sagemaker.train.configs import Compute, SourceCode",
        f"from sagemaker.train.distributed import {runner}",
    )
    source_code: dict[str, Any] = {"source_dir": ".", "entry_script": "train.py"}
    if res.framework == "pytorch-lightning":
        source_code["requirements"] = "requirements.txt"
    kwargs: dict[str, Any] = {
        "training_image": image,
        "compute": {"instance_type": instance_type, "instance_count": None},
        "source_code": source_code,
        "distributed": f"{runner}()",
    }
    statements = [
        Statement(
            "ModelTrainer has no framework_version or py_version: training_image must name "
            "the image, and compute=Compute(instance_type=..., instance_count=...) the "
            "instances.",
            "documented",
        ),
        Statement(
            "ModelTrainer's distributed accepts Torchrun or MPI only; it has no smdistributed "
            "switch like the v2 distribution argument.",
            "documented",
        ),
        Statement(
            f"So smddp is selected by the training script alone, launched with {runner}() in "
            "an image that carries smddp (the one above).",
            "inferred",
        ),
    ]
    if res.framework == "tensorflow":
        statements.append(
            Statement(
                "smddp for TensorFlow is deprecated (no smddp after TensorFlow 2.11.0); no "
                "ModelTrainer example with it is known.",
                "inferred",
            )
        )
    return kwargs, imports, tuple(statements)


def _script_statements(res: Resolution) -> tuple[Statement, ...]:
    from packaging.version import Version

    smddp = Version(res.smddp_version)
    if res.framework == "tensorflow":
        return (
            Statement(
                "import smdistributed.dataparallel.tensorflow as sdp; sdp.init() (the "
                "archived smddp TensorFlow API).",
                "inferred",
            ),
        )
    if smddp < Version(_SMDDP_BACKEND):
        return (
            Statement(
                f"smddp {res.smddp_version} predates the torch.distributed backend (1.4.0): "
                "use import smdistributed.dataparallel.torch.distributed as dist and "
                "smdistributed.dataparallel.torch.parallel.distributed.DistributedDataParallel "
                "(archived smddp documentation in the SageMaker Python SDK docs).",
                "documented",
            ),
        )
    out = [
        Statement("import smdistributed.dataparallel.torch.torch_smddp", "documented"),
        Statement(
            'torch.distributed.init_process_group(backend="smddp")  # PyTorch DDP or FSDP',
            "documented",
        ),
        Statement(
            "With PyTorch DDP the smddp backend cannot create subgroups with "
            "torch.distributed.new_group() nor run beside NCCL or Gloo process groups.",
            "documented",
        ),
    ]
    if smddp >= Version(_ALLGATHER):
        out.append(
            Statement(
                'deepspeed.init_distributed(dist_backend="smddp")  # DeepSpeed or '
                "Megatron-DeepSpeed (smddp 2.0.1 and later)",
                "documented",
            )
        )
    if res.framework == "pytorch-lightning":
        out.append(
            Statement(
                'Lightning: DDPStrategy(process_group_backend="smddp") after importing '
                "torch_smddp.",
                "inferred",
            )
        )
    return tuple(out)
