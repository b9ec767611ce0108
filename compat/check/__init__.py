"""``smddp-compat check``: a linter for SageMaker distributed-training launch code.

It reads Python files and Jupyter notebooks with :mod:`ast` (never importing or
running them), finds SageMaker SDK v2 estimators and SDK v3 ``ModelTrainer``
calls and the training scripts they launch, and judges them against the matrix.

    >>> import compat
    >>> report = compat.check_source('from sagemaker.pytorch import PyTorch\\n'
    ...     'PyTorch(framework_version="2.6.0", instance_type="ml.p4d.24xlarge", '
    ...     'instance_count=2, py_version="py311", entry_point="train.py", '
    ...     'distribution={"smdistributed": {"dataparallel": {"enabled": True}}})\\n',
    ...     "launch.py")
    >>> [f.rule for f in report.findings]
    ['SMDDP001']
"""

from __future__ import annotations

from compat.check.engine import check_paths, check_source
from compat.check.findings import CheckReport, Finding, Severity
from compat.check.rules import RULES, Rule

__all__ = ["RULES", "CheckReport", "Finding", "Rule", "Severity", "check_paths", "check_source"]
