"""``compat.preflight``: will a training job start? Resolve, eligibility, quotas, usage."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from compat.aws.checks import quota_checks, skipped_checks
from compat.aws.eligibility import check_eligibility, instance_type_name
from compat.aws.report import Check, CheckStatus, PreflightReport
from compat.errors import NotFoundError, UsageError
from compat.exit_codes import ExitCode

if TYPE_CHECKING:
    from boto3.session import Session

    from compat.aws.clients import Clients
    from compat.matrix import Matrix

#: The most instances a request may name (SageMaker's own limits are far lower).
MAX_INSTANCES = 10_000


def preflight(
    framework: str,
    version: str,
    region: str | None,
    instance_type: str,
    instance_count: int,
    *,
    spot: bool = False,
    session: Session | None = None,
    clients: Clients = None,
    no_aws: bool = False,
    require_aws: bool = False,
    skip_reason: str = "--no-aws",
    aws_unavailable: str | None = None,
    matrix: Matrix | None = None,
) -> PreflightReport:
    """Check, before submitting, whether a training job would start.

    Checks in order: resolve (framework, version, region), eligibility of the
    instance type for the release's smddp version, then the per-type,
    total and per-job quotas against live usage. ``clients`` (an object with
    ``client(service, region)``, or a mapping of service to client or to
    {region: client}) or ``session`` (a boto3 session) gives the AWS clients;
    without either the default boto3 chain is used. ``no_aws`` (the caller's
    choice) skips the AWS checks and sends nothing; ``skip_reason`` says why in
    those checks' messages. ``aws_unavailable`` says why AWS cannot be asked
    here (the HTTP service without ``--enable-aws``): the checks are skipped
    with that reason. The report's status is ``partial`` when checks were
    skipped; with ``require_aws`` its exit code is then 5 (the quota was not
    checked).

    Raises :class:`~compat.errors.UsageError` for malformed arguments, and for
    ``no_aws`` with ``require_aws`` (one skips the quota checks, the other
    requires them: every face gives this same answer); every
    other outcome is a check in the report, whose ``exit_code`` is that of the
    first failing check (3 resolve, 4 eligibility, 5 quota, 6 AWS).
    """
    from compat.arguments import require_flag, require_text
    from compat.matrix import matrix_or_default
    from compat.resolver import resolve

    require_text("framework", framework, "pytorch")
    require_text("version", version, "2.2.0")
    require_text("region", region, "us-west-2", optional=True)
    require_text("instance_type", instance_type, "ml.p4d.24xlarge")
    for flag, value in (("spot", spot), ("no_aws", no_aws), ("require_aws", require_aws)):
        require_flag(flag, value)
    require_text("aws_unavailable", aws_unavailable, "why AWS cannot be asked", optional=True)
    if no_aws and require_aws:
        raise UsageError(
            "--no-aws (no_aws) and --require-aws (require_aws) contradict each other: one "
            "skips the quota checks, the other requires them",
            hint="drop --no-aws to check the quotas, or --require-aws to check eligibility only",
        )
    if aws_unavailable is not None:
        no_aws, skip_reason = True, aws_unavailable
    if isinstance(instance_count, bool) or not isinstance(instance_count, int):
        raise UsageError(
            f"instance count must be a whole number, not {instance_count!r}",
            hint="pass an int such as 2",
        )
    if not 1 <= instance_count <= MAX_INSTANCES:
        raise UsageError(
            f"instance count must be between 1 and {MAX_INSTANCES}, not {instance_count}",
            hint="pass the number of instances of the training job, such as 2",
        )
    if region is None or not region.strip():
        raise UsageError(
            "preflight needs a region",
            hint="pass region='us-west-2' (for example); on the command line --region us-west-2 "
            "or the AWS_REGION variable",
        )
    if not instance_type.strip() or len(instance_type) > 100:
        raise UsageError(
            "instance type is empty or too long", hint="pass one such as ml.p4d.24xlarge"
        )
    m = matrix_or_default(matrix)
    base: dict[str, Any] = {
        "framework": framework,
        "version": version,
        "region": region.strip().lower(),
        "instance_type": instance_type_name(instance_type),
        "instance_count": instance_count,
        "spot": spot,
        "aws": not no_aws,
        "require_aws": require_aws,
    }
    try:
        res = resolve(framework, version, region, matrix=m)
    except NotFoundError as exc:
        failed = Check(
            "resolve",
            CheckStatus.FAIL,
            exc.message,
            exc.hint,
            exit_code=ExitCode.NOT_FOUND,
            alternatives=exc.alternatives,
        )
        rest = [Check("eligibility", CheckStatus.SKIPPED, "skipped: resolve failed")]
        rest += skipped_checks(m, base["instance_type"], spot=spot, why="skipped: resolve failed")
        return PreflightReport(checks=(failed, *rest), **base)
    base["framework"] = res.framework
    base["region"] = res.region or base["region"]
    release = m.release_for(res.framework, res.framework_version)
    checks = [
        Check(
            "resolve",
            CheckStatus.PASS,
            f"{res.framework} {res.framework_version} with smddp {res.smddp_version} "
            f"in {res.region}",
        ),
        check_eligibility(
            release,
            base["instance_type"],
            instance_count,
            distribution=m.compiled["frameworks"][res.framework]["alternative_distribution"],
        ),
    ]
    if no_aws:
        checks += skipped_checks(m, base["instance_type"], spot=spot, why=f"skipped: {skip_reason}")
    elif checks[-1].status is not CheckStatus.PASS:
        checks += skipped_checks(
            m, base["instance_type"], spot=spot, why="skipped: instance type not eligible"
        )
    else:
        from compat.aws.clients import client_source

        source = client_source(clients, session)
        checks += quota_checks(
            source, m, base["region"], base["instance_type"], instance_count, spot=spot
        )
    return PreflightReport(
        checks=tuple(checks),
        framework_version=res.framework_version,
        smddp_version=res.smddp_version,
        **base,
    )
