"""resolve --format sagemaker: SDK v2 estimator kwargs, v3 ModelTrainer settings, script notes."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

import compat
from compat.errors import NoImageError, NotEligibleError
from compat.recipes.sagemaker_sdk import DISTRIBUTION, sagemaker_args

from ..conftest import Invoke

DLC_1131 = (
    "763104351884.dkr.ecr.us-west-2.amazonaws.com/"
    "pytorch-training:1.13.1-gpu-py39-cu117-ubuntu20.04-sagemaker"
)


def test_pytorch_estimator_kwargs_exactly(run_cli: Invoke) -> None:
    result = run_cli(
        "resolve", "-f", "pt", "--version", "1.13.1", "-r", "us-west-2",
        "--format", "sagemaker", "--instance-type", "ml.p4d.24xlarge",
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["sdk_v2"] == {
        "estimator": "sagemaker.pytorch.PyTorch",
        "import": "from sagemaker.pytorch import PyTorch",
        "kwargs": {
            "framework_version": "1.13.1",
            "py_version": "py39",
            "image_uri": DLC_1131,
            "instance_type": "ml.p4d.24xlarge",
            "distribution": {"smdistributed": {"dataparallel": {"enabled": True}}},
        },
    }
    assert data["sdk_v3"]["kwargs"] == {
        "training_image": DLC_1131,
        "compute": {"instance_type": "ml.p4d.24xlarge", "instance_count": None},
        "source_code": {"source_dir": ".", "entry_script": "train.py"},
        "distributed": "Torchrun()",
    }
    assert "from sagemaker.train import ModelTrainer" in data["sdk_v3"]["imports"]
    assert {n["confidence"] for n in data["sdk_v3"]["notes"]} == {"documented", "inferred"}
    script = [s["text"] for s in data["training_script"]]
    assert script[:2] == [
        "import smdistributed.dataparallel.torch.torch_smddp",
        'torch.distributed.init_process_group(backend="smddp")  # PyTorch DDP or FSDP',
    ]
    assert not any("deepspeed" in s for s in script)  # smddp 1.7.0 predates 2.0.1
    assert data["notes"] == []
    assert data["requirements_txt"] == []


def test_smddp_2_adds_deepspeed_and_old_smddp_uses_the_archived_api() -> None:
    new = sagemaker_args(compat.resolve("pt", "2.3.0", "us-east-1"))
    assert any("deepspeed.init_distributed" in s.text for s in new.training_script)
    old = sagemaker_args(compat.resolve("pt", "1.9.1", "us-east-1"))
    assert len(old.training_script) == 1
    assert "predates the torch.distributed backend" in old.training_script[0].text


def test_lightning_uses_the_pytorch_estimator_and_requirements() -> None:
    args = sagemaker_args(compat.resolve("pl", "1.7.2", "us-west-2"))
    assert args.estimator == "sagemaker.pytorch.PyTorch"
    assert args.estimator_kwargs["framework_version"] == "1.12.0"
    assert args.requirements_txt == ("pytorch-lightning==1.7.2", "lightning-bolts")
    assert args.model_trainer["source_code"]["requirements"] == "requirements.txt"
    assert sagemaker_args(compat.resolve("pl", "2.2.5", "us-west-2")).requirements_txt == (
        "pytorch-lightning==2.2.5",
    )


def test_huggingface_and_tensorflow_estimators() -> None:
    hf = sagemaker_args(compat.resolve("hf", "4.26.0", "us-west-2"))
    assert hf.estimator == "sagemaker.huggingface.HuggingFace"
    assert hf.estimator_kwargs["transformers_version"] == "4.26.0"
    assert hf.estimator_kwargs["pytorch_version"] == "1.13.1"
    assert "framework_version" not in hf.estimator_kwargs
    tf = sagemaker_args(compat.resolve("tf", "2.9.1", "us-west-2"))
    assert tf.estimator == "sagemaker.tensorflow.TensorFlow"
    assert tf.model_trainer["distributed"] == "MPI()"
    assert tf.estimator_kwargs["distribution"] == DISTRIBUTION


def test_missing_values_are_left_out_with_a_note() -> None:
    no_region = sagemaker_args(compat.resolve("pt", "1.13.1"))
    assert "image_uri" not in no_region.estimator_kwargs
    [note] = no_region.notes
    assert note.startswith("Pass --region to fill in image_uri and training_image")
    smp = sagemaker_args(compat.resolve("pt", "2.4.1", "us-west-2"))
    assert smp.estimator_kwargs["image_uri"].endswith(
        "/smdistributed-modelparallel:2.4.1-gpu-py311-cu121"
    )
    # No image and a version the SDK rejects: refused, with the releases it accepts.
    with pytest.raises(NoImageError) as info:
        sagemaker_args(compat.resolve("tf", "2.8.3", "us-west-2"))
    assert [a.version for a in info.value.alternatives] == ["2.8.0", "2.7.1"]
    assert "byoc" not in (info.value.hint or "")  # byoc has no recipe for TensorFlow


def test_unsupported_instance_type_is_refused_and_a_limited_one_noted() -> None:
    res = compat.resolve("pt", "2.3.0", "us-west-2")
    with pytest.raises(NotEligibleError, match=r"ml.p3.16xlarge is deprecated for smddp 2.3.0"):
        sagemaker_args(res, instance_type="ml.p3.16xlarge")
    with pytest.raises(NotEligibleError) as info:
        sagemaker_args(res, instance_type="ml.g5.xlarge")
    assert info.value.hint is not None
    assert info.value.hint.startswith("use one of: ")
    notes = sagemaker_args(res, instance_type="ml.p3dn.24xlarge").notes
    assert [n for n in notes if n.startswith("ml.p3dn.24xlarge is limited for smddp 2.3.0")]


def test_a_reverse_lookup_gives_one_set_of_arguments_or_names_what_to_add(
    run_cli: Invoke,
) -> None:
    several = run_cli("resolve", "--smddp-version", "1.7.0", "--format", "sagemaker")
    assert several.exit_code == 2  # one value: PyTorch's or Hugging Face's arguments?
    assert "PyTorch 1.13.1, Hugging Face Transformers 4.26.0" in several.stderr
    assert "add --framework" in several.stderr
    one = run_cli("resolve", "--smddp-version", "1.7.0", "-f", "hf", "--format", "sagemaker")
    assert one.exit_code == 0, one.stderr
    assert json.loads(one.stdout)["framework"] == "huggingface"


def test_instance_type_needs_the_sagemaker_format(run_cli: Invoke) -> None:
    result = run_cli("resolve", "-f", "pt", "--instance-type", "ml.p4d.24xlarge")
    assert result.exit_code == 2
    assert result.stderr.startswith(
        "error: an instance type applies to the estimator arguments (format sagemaker) only"
    )


def test_pytorch_after_2_2_0_always_passes_image_uri_the_sdk_needs(run_cli: Invoke) -> None:
    for version in ("2.3.0", "2.4.0", "2.5.1"):
        result = run_cli(
            "resolve", "-f", "pt", "--version", version, "-r", "us-east-1", "--format", "sagemaker"
        )
        kwargs = json.loads(result.stdout)["sdk_v2"]["kwargs"]
        assert kwargs["image_uri"].endswith(
            f"/pytorch-training:{version}-gpu-py311-"
            + (
                "cu121-ubuntu20.04-sagemaker"
                if version == "2.3.0"
                else "cu124-ubuntu22.04-sagemaker"
            )
        )
    res = compat.resolve("pt", "2.4.0", "us-east-1")
    assert any("fw_utils.py" in n and "image_uri" in n for n in res.notes)
    filled = sagemaker_args(compat.resolve("pt", "2.4.0", "us-east-1"))
    assert any("raises ValueError" in n for n in filled.notes)  # says why image_uri stays
    with pytest.raises(NoImageError, match=r"rejects PyTorch 2\.4\.0"):
        sagemaker_args(compat.resolve("pt", "2.4.0"))  # no region: no image_uri to pass
    older = sagemaker_args(compat.resolve("pt", "2.2.0"))
    assert not any("raises ValueError" in n for n in older.notes)
    assert not any("fw_utils.py" in n for n in compat.resolve("pt", "2.2.0").notes)


def _hint_commands(hint: str) -> list[list[str]]:
    """The smddp-compat commands a hint names, as argument lists."""
    out = []
    for part in hint.split("smddp-compat ")[1:]:
        words = part.split(")")[0].split(";")[0].split()
        out.append(words)
    return out


@pytest.mark.parametrize(
    ("args", "alternative"),
    [
        (["-f", "tf", "--version", "2.8.3"], "2.8.0"),
        (["-f", "pt", "--version", "2.4.1", "-r", "cn-north-1"], "2.4.0"),
        (["-f", "tf", "--version", "2.9.1"], "2.9.2"),
        (["-f", "pt", "--version", "2.3.0"], "2.2.0"),
    ],
)
def test_a_version_the_sdk_rejects_is_refused_and_every_hint_works(
    run_cli: Invoke, args: list[str], alternative: str
) -> None:
    result = run_cli("resolve", *args, "--format", "sagemaker")
    assert result.exit_code == 3, result.stdout
    assert result.stdout == ""
    assert f"instead: {'TensorFlow' if 'tf' in args else 'PyTorch'} {alternative} " in result.stderr
    [hint] = [ln for ln in result.stderr.splitlines() if ln.startswith("  hint: ")]
    commands = _hint_commands(hint)
    if not commands:  # "use --version X": the same question with that version
        [version] = re.findall(r"use --version (\S+?),", hint)
        at = args.index("--version") + 1
        commands = [["resolve", *args[:at], version, *args[at + 1 :], "--format", "sagemaker"]]
    for command in commands:  # no hint names a command that fails for the same input
        followed = run_cli(*command)
        assert followed.exit_code == 0, (command, followed.stderr)


def test_a_version_the_sdk_rejects_gets_image_uri_where_there_is_one(run_cli: Invoke) -> None:
    result = run_cli(
        "resolve", "-f", "tf", "--version", "2.9.1", "-r", "us-west-2", "--format", "sagemaker"
    )
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["sdk_v2"]["kwargs"]["image_uri"].endswith(
        "/tensorflow-training:2.9.1-gpu-py39-cu112-ubuntu20.04-sagemaker"
    )
    assert any("image_uri is required here" in n and "tensorflow.json" in n for n in data["notes"])


def test_every_answer_is_one_the_real_sdk_accepts(real_sdks: dict[str, Path]) -> None:
    """Every release in every region class, checked with the SDK's own data (its real
    fw_utils.py lists and image configs, read independently of the matrix's record):
    --format sagemaker answers only with image_uri, or with a framework_version that the
    SDK's smdistributed check lists and whose image it can build in that region."""
    from packaging.version import Version

    from compat.errors import CompatError
    from compat.maintain.sdkdata import read_sdk

    sdk = read_sdk(str(real_sdks["sagemaker"]))
    assert sdk.lists is not None
    m = compat.load_matrix()
    answered = refused = 0
    for framework in ("pytorch", "tensorflow", "pytorch-lightning", "huggingface"):
        for release in m.compiled["releases"][framework]:
            for region in (None, "us-west-2", "cn-north-1", "us-iso-east-1", "ap-east-2"):
                try:
                    res = compat.resolve(framework, release["version"], region, matrix=m)
                except CompatError:
                    continue
                try:
                    args = sagemaker_args(res, matrix=m)
                except NoImageError:
                    refused += 1
                    continue
                answered += 1
                kwargs = args.estimator_kwargs
                if "image_uri" in kwargs:
                    continue
                if framework == "huggingface":
                    base, version = "pytorch", kwargs["pytorch_version"]
                    image = sdk.huggingface.get(
                        (Version(kwargs["transformers_version"]), Version(version))
                    )
                else:
                    base = "tensorflow" if framework == "tensorflow" else "pytorch"
                    version = kwargs["framework_version"]
                    configs = sdk.tensorflow if base == "tensorflow" else sdk.pytorch
                    aliased = sdk.aliases.get(base, {}).get(version, version)
                    image = configs.get(Version(aliased))
                assert version in sdk.lists.smdistributed[base], (framework, version)
                assert image is not None, (framework, version)
                assert region is None or region in image.registries, (framework, version, region)
    assert answered > 50
    assert refused > 10


def test_the_torch_distributed_alternative_says_when_the_sdk_needs_image_uri() -> None:
    def distribution_text(version: str) -> str:
        with pytest.raises(NotEligibleError) as info:
            sagemaker_args(
                compat.resolve("pt", version, "us-west-2"), instance_type="ml.p5.48xlarge"
            )
        [alt] = [a for a in info.value.alternatives if a.kind == "distribution"]
        return alt.text

    # fw_utils.py lists 2.3.0 for torch_distributed on GPU, not 2.4.0.
    assert "pass image_uri" not in distribution_text("2.3.0")
    assert distribution_text("2.4.0").endswith(
        "does not list framework_version 2.4.0, so pass image_uri with it"
    )


def test_a_refusal_carries_the_same_typed_alternatives_as_a_failed_resolve() -> None:
    """NotEligibleError and NotFoundError hold Alternative objects alike: the same
    ``instead:`` lines and the same JSON objects as preflight's refusal."""
    from compat.results import Alternative

    with pytest.raises(NotEligibleError) as info:
        sagemaker_args(compat.resolve("pt", "2.2.0", "us-west-2"), instance_type="ml.p5.48xlarge")
    alternatives = info.value.alternatives
    assert [a.kind for a in alternatives] == ["instance-type", "distribution"]
    assert all(isinstance(a, Alternative) for a in alternatives)
    lines = str(info.value).splitlines()
    assert lines[-2:] == [f"  instead: {a.text}" for a in alternatives]
    assert lines[1].startswith("  hint: ")
    assert info.value.to_dict()["alternatives"] == [a.to_dict() for a in alternatives]
