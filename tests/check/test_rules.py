"""Every rule has a failing and a passing example; each finding points at the right place."""

from __future__ import annotations

from pathlib import Path

import pytest

from compat.check import RULES, check_source
from compat.check.findings import Severity

SMDDP = 'distribution={"smdistributed": {"dataparallel": {"enabled": True}}}'
HEAD = "from sagemaker.pytorch import PyTorch\n"


def pt(**kwargs: str) -> str:
    args = {
        "entry_point": '"train.py"',
        "framework_version": '"1.13.1"',
        "py_version": '"py39"',
        "instance_type": '"ml.p4d.24xlarge"',
        "instance_count": "2",
        "distribution": '{"smdistributed": {"dataparallel": {"enabled": True}}}',
    }
    args.update(kwargs)
    body = ",\n".join(f"    {k}={v}" for k, v in args.items() if v)
    return f"{HEAD}PyTorch(\n{body},\n)\n"


#: rule -> (failing source, line of the finding, passing source). Sources are PyTorch
#: launchers unless they say otherwise; scripts are checked through a launcher on disk.
CASES: dict[str, tuple[str, int, str]] = {
    "SMDDP001": (pt(framework_version='"2.6.0"', py_version='"py312"'), 4, pt()),
    "SMDDP002": (pt(py_version='"py38"'), 5, pt()),
    "SMDDP003": (pt(instance_type='"ml.p5.48xlarge"'), 6, pt()),
    "SMDDP004": (pt(instance_count="1"), 7, pt()),
    "SMDDP005": (
        pt(
            image_uri='"763104351884.dkr.ecr.us-west-2.amazonaws.com/pytorch-training:'
            '1.12.1-gpu-py38-cu113-ubuntu20.04-sagemaker"'
        ),
        9,
        pt(
            image_uri='"763104351884.dkr.ecr.us-west-2.amazonaws.com/pytorch-training:'
            '1.13.1-gpu-py39-cu117-ubuntu20.04-sagemaker"'
        ),
    ),
    "SMDDP006": (
        pt(framework_version='"2.4.0"', py_version='"py311"'),
        4,
        pt(
            framework_version='"2.4.0"',
            py_version='"py311"',
            image_uri='"763104351884.dkr.ecr.us-west-2.amazonaws.com/pytorch-training:'
            '2.4.0-gpu-py311-cu124-ubuntu22.04-sagemaker"',
        ),
    ),
    "SMDDP009": (
        "from sagemaker.huggingface import HuggingFace\n"
        "HuggingFace(entry_point='t.py', transformers_version='4.36.0',\n"
        "    pytorch_version='2.0.0', py_version='py310', instance_type='ml.p4d.24xlarge',\n"
        f"    instance_count=2, {SMDDP})\n",
        3,
        "from sagemaker.huggingface import HuggingFace\n"
        "HuggingFace(entry_point='t.py', transformers_version='4.36.0',\n"
        "    pytorch_version='2.1.0', py_version='py310', instance_type='ml.p4d.24xlarge',\n"
        f"    instance_count=2, {SMDDP})\n",
    ),
    "SMDDP010": (
        pt(instance_type="os.environ['TYPE']").replace(HEAD, "import os\n" + HEAD),
        7,
        pt(instance_type="TYPE").replace(HEAD, HEAD + "TYPE = 'ml.p4d.24xlarge'\n"),
    ),
    "SMDDP011": (HEAD + "PyTorch(\n", 1, HEAD + "PyTorch()\n"),
    "SMDDP012": (pt(framework_version='"1.13.9"'), 4, pt()),
}
#: Rules about scripts: (script, line, passing script), launched by pt() or by LAUNCHERS.
SCRIPT_CASES: dict[str, tuple[str, int, str, str]] = {
    "SMDDP007": (
        "import smdistributed.dataparallel.torch.distributed as dist\ndist.init_process_group()\n",
        1,
        "import smdistributed.dataparallel.torch.torch_smddp\nimport torch.distributed as dist\n"
        'dist.init_process_group(backend="smddp")\n',
        pt(),
    ),
    "SMDDP008": (
        'import torch.distributed as dist\ndist.init_process_group(backend="smddp")\n',
        2,
        'import torch.distributed as dist\ndist.init_process_group(backend="nccl")\n',
        pt(
            framework_version='"2.6.0"',
            py_version='"py312"',
            distribution='{"torch_distributed": {"enabled": True}}',
        ),
    ),
}


def test_every_rule_has_cases() -> None:
    assert set(CASES) | set(SCRIPT_CASES) == set(RULES)


@pytest.mark.parametrize("rule", sorted(CASES))
def test_rule_fails_and_passes(rule: str, tmp_path: Path) -> None:
    failing, line, passing = CASES[rule]
    found = check_source(failing, str(tmp_path / "launch.py")).findings
    hits = [f for f in found if f.rule == rule]
    assert hits, [(f.rule, f.message) for f in found]
    assert hits[0].location.line == line
    assert hits[0].severity is RULES[rule].severity
    assert hits[0].message
    if hits[0].severity is not Severity.INFO:
        assert hits[0].fix
    clean = check_source(passing, str(tmp_path / "launch.py")).findings
    assert [f for f in clean if f.rule == rule] == []


@pytest.mark.parametrize("rule", sorted(SCRIPT_CASES))
def test_script_rule_fails_and_passes(rule: str, tmp_path: Path) -> None:
    failing, line, passing, launcher = SCRIPT_CASES[rule]
    (tmp_path / "train.py").write_text(failing)
    report = check_source(launcher, str(tmp_path / "launch.py"))
    hits = [f for f in report.findings if f.rule == rule]
    assert hits, [(f.rule, f.message) for f in report.findings]
    assert hits[0].location.path.endswith("train.py")
    assert hits[0].location.line == line
    assert hits[0].fix
    (tmp_path / "train.py").write_text(passing)
    clean = check_source(launcher, str(tmp_path / "launch.py")).findings
    assert [f for f in clean if f.rule == rule] == []


def test_no_smddp_offers_the_newest_release_and_torch_distributed(tmp_path: Path) -> None:
    found = check_source(pt(framework_version='"2.6.0"'), str(tmp_path / "l.py")).findings
    (hit,) = [f for f in found if f.rule == "SMDDP001"]
    assert "2.5.1" in (hit.fix or "")  # the newest PyTorch with smddp in the shipped matrix
    assert "torch_distributed" in (hit.fix or "")
    assert any(s.startswith("DLC") for s in hit.sources)


def test_instance_type_fix_lists_the_supported_types(tmp_path: Path) -> None:
    found = check_source(pt(instance_type='"ml.g5.48xlarge"'), str(tmp_path / "l.py")).findings
    (hit,) = [f for f in found if f.rule == "SMDDP003"]
    assert "ml.p4d.24xlarge" in (hit.fix or "")
    assert "ml.g5.48xlarge" in hit.message


def test_deprecated_api_is_right_for_an_old_smddp(tmp_path: Path) -> None:
    """smddp older than the deprecation (PyTorch 1.8.1): the old API is the one to use."""
    (tmp_path / "train.py").write_text(SCRIPT_CASES["SMDDP007"][0])
    old = pt(framework_version='"1.8.1"', py_version='"py36"')
    report = check_source(old, str(tmp_path / "launch.py"))
    assert [f for f in report.findings if f.rule == "SMDDP007"] == []


def test_tensorflow_and_aliases(tmp_path: Path) -> None:
    src = (
        "import sagemaker.tensorflow as smtf\n"
        "smtf.TensorFlow(entry_point='t.py', framework_version='2.12.0', py_version='py310',\n"
        f"    instance_type='ml.p4d.24xlarge', instance_count=2, {SMDDP})\n"
    )
    (hit,) = check_source(src, str(tmp_path / "l.py")).findings
    assert hit.rule == "SMDDP001"
    assert "2.11.0" in (hit.fix or "")


def test_estimator_with_image_uri(tmp_path: Path) -> None:
    src = (
        "from sagemaker.estimator import Estimator\n"
        "Estimator(image_uri='763104351884.dkr.ecr.cn-north-1.amazonaws.com/pytorch-training:"
        "1.13.1-gpu-py39-cu117-ubuntu20.04-sagemaker',\n"
        f"    role='r', instance_type='ml.p4d.24xlarge', instance_count=2, {SMDDP})\n"
    )
    found = check_source(src, str(tmp_path / "l.py")).findings
    messages = " ".join(f.message for f in found if f.rule == "SMDDP005")
    assert "partition aws-cn" in messages  # amazonaws.com in a China region
    assert "727897471807" in " ".join(f.fix or "" for f in found)  # the cn account


def test_repository_without_smddp(tmp_path: Path) -> None:
    src = (
        "from sagemaker.estimator import Estimator\n"
        "Estimator('763104351884.dkr.ecr.us-west-2.amazonaws.com/pytorch-inference:"
        "1.13.1-gpu-py39', role='r', instance_type='ml.p4d.24xlarge', instance_count=2,\n"
        f"    {SMDDP})\n"
    )
    (hit,) = check_source(src, str(tmp_path / "l.py")).findings
    assert hit.rule == "SMDDP005"
    assert "pytorch-inference" in hit.message


def test_a_custom_image_is_not_judged(tmp_path: Path) -> None:
    src = pt(image_uri='"123456789012.dkr.ecr.us-west-2.amazonaws.com/mine:latest"')
    assert check_source(src, str(tmp_path / "l.py")).findings == ()


def test_no_smddp_means_no_launcher_findings(tmp_path: Path) -> None:
    src = pt(
        framework_version='"2.6.0"',
        instance_type='"ml.p5.48xlarge"',
        instance_count="1",
        distribution='{"torch_distributed": {"enabled": True}}',
    )
    assert check_source(src, str(tmp_path / "l.py")).findings == ()


def test_kwargs_mapping_that_is_unknown_makes_absent_arguments_unknown(tmp_path: Path) -> None:
    """image_uri may come from **options: the SDK rule must not claim it is missing."""
    src = (
        pt(framework_version='"2.4.0"', py_version='"py311"')
        .replace(",\n)", ",\n    **options,\n)")
        .replace(HEAD, HEAD + "import json\noptions = json.load(open('o.json'))\n")
    )
    found = check_source(src, str(tmp_path / "l.py")).findings
    assert [f for f in found if f.rule == "SMDDP006"] == []


def test_the_sdk_rule_judges_tensorflow_from_the_matrix_sdk_lists(tmp_path: Path) -> None:
    """TF 2.8.3 is not in the SDK's smdistributed list (2.8.0 is): the same verdict as
    ``resolve --format sagemaker``, which refuses 2.8.3 and answers 2.8.0."""

    def tf(version: str) -> str:
        return (
            "from sagemaker.tensorflow import TensorFlow\n"
            f"TensorFlow(entry_point='t.py', framework_version='{version}', py_version='py39',\n"
            "    instance_type='ml.p4d.24xlarge', instance_count=2,\n"
            "    distribution={'smdistributed': {'dataparallel': {'enabled': True}}})\n"
        )

    rejected = check_source(tf("2.8.3"), str(tmp_path / "a.py")).findings
    [finding] = [f for f in rejected if f.rule == "SMDDP006"]
    assert "fw_utils.py" in finding.message
    assert "2.8.3" in finding.message
    accepted = check_source(tf("2.8.0"), str(tmp_path / "b.py")).findings
    assert [f for f in accepted if f.rule == "SMDDP006"] == []
