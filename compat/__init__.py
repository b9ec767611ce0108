"""smddp-compat: the SageMaker data parallelism library (smddp) compatibility matrix.

The library is the product; the CLI and the HTTP service render its results.

    >>> import compat
    >>> compat.resolve("pytorch", "1.13.1", "us-west-2").image_uri
    '763104351884.dkr.ecr.us-west-2.amazonaws.com/pytorch-training:1.13.1-gpu-py39-cu117-ubuntu20.04-sagemaker'

Names are imported on first use, so ``import compat`` costs almost nothing.
"""

from __future__ import annotations

from compat._version import __version__

# Not typing.TYPE_CHECKING: importing typing would double the cost of ``import compat``.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from compat.answers import answer
    from compat.aws import (
        Check,
        CheckStatus,
        Explanation,
        PreflightReport,
        explain,
        iam_policy,
        preflight,
    )
    from compat.aws.accounts import AccountTarget, AssumeRoleSettings
    from compat.aws.org_scan import AccountRow, AccountScan, scan_accounts
    from compat.catalog import list_frameworks, list_instance_types, list_regions
    from compat.check import CheckReport, Finding, check_paths, check_source
    from compat.environment.doctor import doctor
    from compat.environment.report import DoctorReport
    from compat.errors import (
        AwsAccessDeniedError,
        AwsCredentialsError,
        AwsError,
        AwsNetworkError,
        AwsThrottledError,
        CompatError,
        MatrixError,
        NoSmddpError,
        NotEligibleError,
        NotFoundError,
        QuotaError,
        RegionNotAvailableError,
        UnknownFrameworkError,
        UnknownRegionError,
        UnknownVersionError,
        UsageError,
    )
    from compat.exit_codes import ExitCode
    from compat.matrix import Matrix, load_matrix
    from compat.query import Query, parse_query
    from compat.recipes.byoc import ByocRecipe
    from compat.recipes.sagemaker_sdk import SageMakerArgs, sagemaker_args
    from compat.resolver import find_by_smddp, resolve, resolve_all
    from compat.results import Resolution

_EXPORTS: dict[str, str] = {
    "resolve": "compat.resolver",
    "answer": "compat.answers",
    "Query": "compat.query",
    "parse_query": "compat.query",
    "resolve_all": "compat.resolver",
    "find_by_smddp": "compat.resolver",
    "Resolution": "compat.results",
    "Matrix": "compat.matrix",
    "load_matrix": "compat.matrix",
    "list_frameworks": "compat.catalog",
    "list_regions": "compat.catalog",
    "list_instance_types": "compat.catalog",
    "ExitCode": "compat.exit_codes",
    "AwsError": "compat.errors",
    "CompatError": "compat.errors",
    "MatrixError": "compat.errors",
    "NoSmddpError": "compat.errors",
    "NotEligibleError": "compat.errors",
    "NotFoundError": "compat.errors",
    "QuotaError": "compat.errors",
    "RegionNotAvailableError": "compat.errors",
    "UnknownFrameworkError": "compat.errors",
    "UnknownRegionError": "compat.errors",
    "UnknownVersionError": "compat.errors",
    "UsageError": "compat.errors",
    "AwsAccessDeniedError": "compat.errors",
    "AwsCredentialsError": "compat.errors",
    "AwsNetworkError": "compat.errors",
    "AwsThrottledError": "compat.errors",
    "preflight": "compat.aws",
    "PreflightReport": "compat.aws",
    "Check": "compat.aws",
    "CheckStatus": "compat.aws",
    "explain": "compat.aws",
    "Explanation": "compat.aws",
    "iam_policy": "compat.aws",
    "scan_accounts": "compat.aws.org_scan",
    "AccountRow": "compat.aws.org_scan",
    "AccountScan": "compat.aws.org_scan",
    "AccountTarget": "compat.aws.accounts",
    "AssumeRoleSettings": "compat.aws.accounts",
    "check_paths": "compat.check",
    "check_source": "compat.check",
    "CheckReport": "compat.check",
    "Finding": "compat.check",
    "doctor": "compat.environment.doctor",
    "DoctorReport": "compat.environment.report",
    "sagemaker_args": "compat.recipes.sagemaker_sdk",
    "SageMakerArgs": "compat.recipes.sagemaker_sdk",
    "ByocRecipe": "compat.recipes.byoc",
}

__all__ = ["__version__", *_EXPORTS]


def __getattr__(name: str) -> object:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'compat' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
