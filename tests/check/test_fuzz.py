"""Random and broken Python and notebooks: findings or nothing, never a traceback."""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from compat.check import check_source
from compat.check.findings import CheckReport

#: Fragments of real launch code, recombined at random into valid and broken programs.
FRAGMENTS = [
    "from sagemaker.pytorch import PyTorch\n",
    "import sagemaker.pytorch as smp\n",
    "from sagemaker.train import ModelTrainer\n",
    "from sagemaker.train.configs import Compute\n",
    "V = '2.6.0'\n",
    "V = '1.13.1'\n",
    "T = 'ml.p4d.24xlarge'\n",
    "D = {'smdistributed': {'dataparallel': {'enabled': True}}}\n",
    "K = dict(instance_count=1, py_version='py39')\n",
    "if x:\n    V = '2.0.1'\n",
    "PyTorch(entry_point='t.py', framework_version=V, instance_type=T, distribution=D, **K)\n",
    "smp.PyTorch(framework_version=f'{V}', image_uri=f'1.dkr.ecr.{r}.amazonaws.com/a:{V}-gpu')\n",
    "ModelTrainer(training_image=V, compute=Compute(instance_type=T), distributed=D)\n",
    "import torch.distributed as dist\ndist.init_process_group(backend='smddp')\n",
    "import smdistributed.dataparallel.torch.distributed as sdp\n",
    "%pip install x\n",
    "!ls\n",
    "def f(a,\n",
    "PyTorch(**{'framework_version': V, 1: 2})\n",
    "x = '%s' % (V,)\nPyTorch(framework_version=x % 1)\n",
    "PyTorch(distribution={'smdistributed': 3}, framework_version=None)\n",
    "PyTorch(distribution=D, framework_version=1.13, instance_count='2')\n",
    "from sagemaker.huggingface import HuggingFace\nHuggingFace(transformers_version=4.36,"
    " pytorch_version=V, distribution=D)\n",
    ")]}\n",
    "\x00",
    "'''\n",
]

programs = st.lists(st.sampled_from(FRAGMENTS), max_size=12).map("".join)
text = st.text(max_size=300)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=20,
)
cells = st.lists(
    st.fixed_dictionaries(
        {
            "cell_type": st.sampled_from(["code", "markdown", "raw", 3]),
            "source": st.one_of(programs, st.lists(programs, max_size=3), text, json_values),
        }
    ),
    max_size=5,
)
notebooks = st.one_of(
    cells.map(lambda c: json.dumps({"cells": c, "nbformat": 4, "metadata": {}})),
    json_values.map(json.dumps),
    text,
)


def _ok(report: CheckReport) -> None:
    for f in report.findings:
        assert f.message
        assert f.location.line >= 1


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(programs, text))
def test_python_never_crashes(source: str) -> None:
    _ok(check_source(source, "fuzz.py"))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(notebooks)
def test_notebooks_never_crash(source: str) -> None:
    _ok(check_source(source, "fuzz.ipynb"))


def test_deeply_nested_source_is_skipped_not_crashed() -> None:
    deep = "from sagemaker.pytorch import PyTorch\nx = " + "(" * 5000 + "1" + ")" * 5000 + "\n"
    report = check_source(deep, "deep.py")
    assert [f.rule for f in report.findings] == ["SMDDP011"]
