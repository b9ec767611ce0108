"""``doctor``: compare the environment it runs in with the matrix, finding by finding.

The release to compare with is the one asked for (``framework``, ``version``)
or, when none is asked for, the one the installed packages point to: PyTorch
Lightning, then torch, then TensorFlow. Each finding says what was found,
what the matrix expects and how to fix it; a report with any mismatch exits 4.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from compat.environment.probe import (
    SAGEMAKER_ROOT,
    Environment,
    NvccRunner,
    probe_environment,
    run_nvcc,
)
from compat.environment.report import (
    INFO,
    MISMATCH,
    OK,
    WARNING,
    DoctorFinding,
    DoctorReport,
    Target,
)
from compat.errors import NotFoundError
from compat.matrix.layout import RUNNABLE, runnable_instance_types

if TYPE_CHECKING:
    from compat.matrix import Matrix
    from compat.matrix.layout import CompiledRelease, InstanceSupport
    from compat.results import Resolution

#: The distributions that carry each framework, in the order they are looked for.
FRAMEWORK_PACKAGES: dict[str, tuple[str, ...]] = {
    "pytorch": ("torch",),
    "tensorflow": ("tensorflow", "tensorflow-gpu", "tensorflow-cpu"),
    "pytorch-lightning": ("pytorch-lightning", "lightning"),
    "huggingface": ("transformers",),
}
#: Frameworks doctor infers from installed packages when none is asked for.
_INFERRED_ORDER = ("pytorch-lightning", "pytorch", "tensorflow")


def doctor(
    framework: str | None = None,
    version: str | None = None,
    *,
    matrix: Matrix | None = None,
    environment: Environment | None = None,
    path: Sequence[str] | None = None,
    environ: Mapping[str, str] | None = None,
    sagemaker_root: str = SAGEMAKER_ROOT,
    nvcc: NvccRunner | None = run_nvcc,
) -> DoctorReport:
    """Inspect this environment (or ``environment``) and compare it with the matrix.

    ``framework`` and ``version`` choose the release to compare with (any form
    ``resolve`` accepts); without them, the installed packages choose. ``path``,
    ``environ``, ``sagemaker_root`` and ``nvcc`` are passed to
    :func:`~compat.environment.probe.probe_environment`. Raises only for a
    malformed argument or an unknown framework; everything about the
    environment is a finding.
    """
    from compat.arguments import require_text
    from compat.matrix import matrix_or_default

    require_text("framework", framework, "pytorch", optional=True)
    require_text("version", version, "1.13.1", optional=True)
    m = matrix_or_default(matrix)
    env = environment or probe_environment(
        path=path, environ=environ, sagemaker_root=sagemaker_root, nvcc=nvcc
    )
    findings: list[DoctorFinding] = []
    res, reason = _choose_release(m, env, framework, version, findings)
    target = None
    if res is not None:
        target = Target(
            framework=res.framework,
            display_name=m.display_name(res.framework),
            framework_version=res.framework_version,
            smddp_version=res.smddp_version,
            reason=reason,
        )
        findings += _framework_findings(m, env, res)
        findings.append(_python_finding(m, env, res))
        findings.append(_cuda_finding(env, res))
        findings.append(_smddp_finding(env, res))
        findings += _instance_findings(m, env, res)
        findings += _lightning_pairing(m, env, res)
    elif not findings:
        findings.append(
            DoctorFinding(
                check="framework",
                status=INFO,
                found=None,
                expected=None,
                message="neither torch nor tensorflow is installed here: nothing to compare",
                fix="pass --framework and --version to say which release this environment "
                "should match",
            )
        )
    findings += _host_findings(env)
    return DoctorReport(environment=env, target=target, findings=tuple(findings))


def _public(version: str) -> str:
    """``1.13.1+cu117`` -> ``1.13.1``: the local part says how it was built, not what it is."""
    from packaging.version import InvalidVersion, Version

    try:
        return Version(version).public
    except InvalidVersion:
        return version.split("+", 1)[0]


def _same_version(found: str, expected: str) -> bool:
    from packaging.version import InvalidVersion, Version

    try:
        return Version(_public(found)) == Version(expected)
    except InvalidVersion:
        return found == expected


def _installed(env: Environment, framework: str) -> tuple[str, str] | None:
    """(distribution name, version) of the framework's package, if installed."""
    for name in FRAMEWORK_PACKAGES[framework]:
        version = env.version_of(name)
        if version is not None:
            return name, version
    return None


def _choose_release(
    m: Matrix,
    env: Environment,
    framework: str | None,
    version: str | None,
    findings: list[DoctorFinding],
) -> tuple[Resolution | None, str]:
    from compat.resolver import resolve

    if framework is not None:
        fw = m.framework(framework)
        installed = _installed(env, fw)
        if version is not None or installed is None:
            # An explicit release that does not exist is the caller's error (exit 3).
            return resolve(fw, version or "latest", matrix=m), "requested"
        reason = f"requested; version from installed {installed[0]} {installed[1]}"
        try:
            return resolve(fw, _public(installed[1]), matrix=m), reason
        except NotFoundError as exc:
            findings.append(_no_release(m, fw, installed, exc))
            return None, reason
    for fw in _INFERRED_ORDER:
        installed = _installed(env, fw)
        if installed is None:
            continue
        try:
            res = resolve(fw, _public(installed[1]), matrix=m)
        except NotFoundError as exc:
            findings.append(_no_release(m, fw, installed, exc))
            if fw == "pytorch-lightning":
                continue  # still compare torch itself
            return None, ""
        return res, f"inferred from installed {installed[0]} {installed[1]}"
    return None, ""


def _no_release(
    m: Matrix, framework: str, installed: tuple[str, str], exc: NotFoundError
) -> DoctorFinding:
    display = m.display_name(framework)
    versions = [str(v) for v, _ in m.versions_newest_first(framework)]
    lightning = framework == "pytorch-lightning"
    return DoctorFinding(
        check="framework-version",
        status=WARNING if lightning else MISMATCH,
        found=f"{installed[0]} {installed[1]}",
        expected=f"a {display} release with smddp: {', '.join(versions)}",
        message=exc.message,
        fix=exc.hint,
    )


def _framework_findings(m: Matrix, env: Environment, res: Resolution) -> list[DoctorFinding]:
    """The framework (and, for Lightning and Hugging Face, torch) at the row's versions."""
    wanted = [(res.framework, res.framework_version)]
    if res.base_framework is not None and res.base_framework_version is not None:
        wanted.append((res.base_framework, res.base_framework_version))
    out = []
    for fw, expected in wanted:
        display = m.display_name(fw)
        package = FRAMEWORK_PACKAGES[fw][0]
        installed = _installed(env, fw)
        found = None if installed is None else f"{installed[0]} {installed[1]}"
        fix = None
        if installed is None:
            status = MISMATCH
            message = (
                f"{display} is not installed; smddp {res.smddp_version} needs {package} {expected}"
            )
            fix = f"pip install '{package}=={expected}' or use the DLC image {_image(res)}"
        elif not _same_version(installed[1], expected):
            status = MISMATCH
            message = (
                f"smddp {res.smddp_version} is built for {display} {expected}; "
                f"this environment has {found}"
            )
            fix = (
                f"pip install '{package}=={expected}', or compare with the release for "
                f"{installed[1]}: smddp-compat doctor --framework {fw} "
                f"--version {_public(installed[1])}"
            )
        else:
            status = OK
            message = f"{found} is the {display} release smddp {res.smddp_version} is built for"
        out.append(
            DoctorFinding(
                check="framework" if fw == res.framework else "base-framework",
                status=status,
                found=found,
                expected=f"{package} {expected}",
                message=message,
                fix=fix,
            )
        )
    return out


def _image(res: Resolution) -> str:
    return res.image_ref or "(none published for this release)"


def _what(res: Resolution, m: Matrix) -> str:
    return f"smddp {res.smddp_version} for {m.display_name(res.framework)} {res.framework_version}"


def _python_finding(m: Matrix, env: Environment, res: Resolution) -> DoctorFinding:
    expected = res.python_version
    if expected is None:
        return DoctorFinding(
            check="python",
            status=INFO,
            found=env.python_version,
            expected=None,
            message=f"the matrix gives no Python version for {_what(res, m)}",
        )
    if _same_version(env.python_version, expected):
        return DoctorFinding(
            check="python",
            status=OK,
            found=env.python_version,
            expected=expected,
            message=f"Python {env.python_version}, as {_what(res, m)} needs",
        )
    others = _releases_for_python(m, res.framework, env.python_version)
    instead = (
        f", or a {m.display_name(res.framework)} release built for Python {env.python_version}: "
        + ", ".join(others)
        if others
        else ""
    )
    return DoctorFinding(
        check="python",
        status=MISMATCH,
        found=env.python_version,
        expected=expected,
        message=f"{_what(res, m)} needs Python {expected}"
        + (f" and CUDA {res.cuda_version}" if res.cuda_version else "")
        + f"; this environment has Python {env.python_version}",
        fix=f"use Python {expected} (the DLC image {_image(res)} has it){instead}",
    )


def _releases_for_python(m: Matrix, framework: str, python: str) -> list[str]:
    rows = m.compiled["releases"][framework]
    return [
        str(version)
        for version, index in m.versions_newest_first(framework)
        if rows[index]["python"] == python
    ]


def _cuda_finding(env: Environment, res: Resolution) -> DoctorFinding:
    expected = res.cuda_version
    if env.cuda_version is None:
        return DoctorFinding(
            check="cuda",
            status=WARNING if expected else INFO,
            found=None,
            expected=expected,
            message="the CUDA version could not be determined (no torch build with a CUDA "
            "tag, no CUDA_VERSION variable, no nvcc)",
            fix=f"make sure the container has CUDA {expected}" if expected else None,
        )
    if expected is None:
        return DoctorFinding(
            check="cuda",
            status=INFO,
            found=env.cuda_version,
            expected=None,
            message="the matrix gives no CUDA version for this release",
        )
    if _same_version(env.cuda_version, expected):
        return DoctorFinding(
            check="cuda",
            status=OK,
            found=env.cuda_version,
            expected=expected,
            message=f"CUDA {env.cuda_version} ({env.cuda_source})",
        )
    return DoctorFinding(
        check="cuda",
        status=MISMATCH,
        found=env.cuda_version,
        expected=expected,
        message=f"the smddp {res.smddp_version} build needs CUDA {expected}; this "
        f"environment has CUDA {env.cuda_version} ({env.cuda_source})",
        fix=f"use a CUDA {expected} base (the DLC image {_image(res)}, or "
        f"smddp-compat byoc --framework {res.framework} --version {res.framework_version} "
        "--base cuda) with a torch build for that CUDA",
    )


def _smddp_finding(env: Environment, res: Resolution) -> DoctorFinding:
    from packaging.version import Version

    expected = res.smddp_version
    installed = env.version_of("smdistributed-dataparallel")
    install = (
        f"SMDATAPARALLEL_PT=1 pip install --no-cache-dir {res.binary_url}"
        if res.binary_url and res.framework != "tensorflow"
        else f"AWS documents no wheel for this release; use the DLC image {_image(res)}"
    )
    if installed is None:
        on_sagemaker = env.sagemaker is not None
        return DoctorFinding(
            check="smddp",
            status=MISMATCH if on_sagemaker else WARNING,
            found=None,
            expected=expected,
            message=f"smdistributed-dataparallel is not installed (smddp {expected} expected)"
            + ("" if on_sagemaker else "; it is only needed where the training job runs"),
            fix=install,
        )
    found, wanted = Version(_public(installed)), Version(expected)
    if found == wanted:
        return DoctorFinding(
            check="smddp",
            status=OK,
            found=installed,
            expected=expected,
            message=f"smdistributed-dataparallel {installed}",
        )
    if found.release[:2] == wanted.release[:2]:
        return DoctorFinding(
            check="smddp",
            status=WARNING,
            found=installed,
            expected=expected,
            message=f"smdistributed-dataparallel {installed} is another build of smddp "
            f"{found.major}.{found.minor} than the documented {expected}; DLC rebuilds ship "
            "such patch releases",
            fix=install,
        )
    return DoctorFinding(
        check="smddp",
        status=MISMATCH,
        found=installed,
        expected=expected,
        message=f"smdistributed-dataparallel {installed} is installed; this release pairs "
        f"with smddp {expected}",
        fix=install,
    )


def _instance_findings(m: Matrix, env: Environment, res: Resolution) -> list[DoctorFinding]:
    sm = env.sagemaker
    if sm is None or sm.instance_type is None:
        return []
    row = _release_row(m, res)
    support: dict[str, InstanceSupport] = row["instance_support"]
    runs = runnable_instance_types(row)
    entry = support.get(sm.instance_type)
    if entry is None:
        return [
            DoctorFinding(
                check="instance-type",
                status=MISMATCH,
                found=sm.instance_type,
                expected=", ".join(runs),
                message=f"smddp does not support {sm.instance_type}",
                fix=f"use one of {', '.join(runs)}",
            )
        ]
    status, note, alternative = entry
    if status in RUNNABLE:
        return [
            DoctorFinding(
                check="instance-type",
                status=OK if status == "supported" else WARNING,
                found=sm.instance_type,
                expected=", ".join(runs),
                message=f"{sm.instance_type} is {status} for smddp {res.smddp_version}"
                + (f": {note}" if status != "supported" and note else ""),
                fix=alternative,
            )
        ]
    return [
        DoctorFinding(
            check="instance-type",
            status=MISMATCH,
            found=sm.instance_type,
            expected=", ".join(runs),
            message=f"{sm.instance_type} is {status} for smddp {res.smddp_version}"
            + (f": {note}" if note else ""),
            fix=alternative or f"use one of {', '.join(runs)}",
        )
    ]


def _release_row(m: Matrix, res: Resolution) -> CompiledRelease:
    return m.release_for(res.framework, res.framework_version)


def _host_findings(env: Environment) -> list[DoctorFinding]:
    sm = env.sagemaker
    if sm is None or sm.host_count is None:
        return []
    return [
        DoctorFinding(
            check="hosts",
            status=INFO,
            found=str(sm.host_count),
            expected=None,
            message=f"{sm.host_count} host(s) in this training job"
            + (f"; this is {sm.current_host}" if sm.current_host else ""),
        )
    ]


def _lightning_pairing(m: Matrix, env: Environment, res: Resolution) -> list[DoctorFinding]:
    """With a PyTorch target, an installed Lightning should be one AWS pairs with it."""
    if res.framework != "pytorch":
        return []
    installed = _installed(env, "pytorch-lightning")
    if installed is None:
        return []
    paired = [
        row["version"]
        for row in m.compiled["releases"]["pytorch-lightning"]
        if row["base_version"] == res.framework_version
    ]
    if any(_same_version(installed[1], v) for v in paired):
        return []
    return [
        DoctorFinding(
            check="lightning",
            status=WARNING,
            found=f"{installed[0]} {installed[1]}",
            expected=", ".join(paired) if paired else None,
            message=f"{installed[0]} {installed[1]} is not a documented pairing with "
            f"PyTorch {res.framework_version}",
            fix=f"use pytorch-lightning {' or '.join(paired)}"
            if paired
            else "see smddp-compat list --framework pytorch-lightning",
        )
    ]
