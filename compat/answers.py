"""The one answer function: every face asks :func:`answer` and renders what it returns.

The CLI fast path (``compat.entry``), the click ``resolve`` command, the HTTP
``/v1/resolve`` route and the library's :func:`compat.resolve` build a
:class:`~compat.query.Query` with :func:`compat.query.parse_query` and call
:func:`answer`. Which lookup, which release and whether the format asked can
hold the answer are decided here, and nowhere else.

Decision table (first matching row wins; "one-value format" is ``uri``,
``env`` or ``sagemaker``; the artefact is ``want``, else the one-value
format's: ``uri``/``env`` -> image, ``sagemaker`` -> estimator arguments):

======================  =========  =========  ===========================================
smddp_version           version    framework  answer
======================  =========  =========  ===========================================
given                   absent     any        reverse lookup: every release (of the
                                              framework) that ships it, in the region,
                                              with the artefact; a list, or exactly one
                                              for a one-value format (several: usage
                                              error, exit 2, naming --framework or
                                              --version)
given                   given      given      both: the newest release that matches the
                                              version and ships that smddp (conflict:
                                              exit 2 naming both)
absent                  any        given      forward lookup (version absent = latest)
any                     any        absent     usage error (exit 2): framework needed
======================  =========  =========  ===========================================

Choosing the release: an exact version means that release only (not
published in the region, or without the artefact: exit 3 with the nearest
release that has it). A prefix (``2.3``), ``latest`` or a specifier picks the
newest matching release published in the region and carrying the artefact;
the answer's notes name each newer match passed over, and why. With no
region an image artefact (``uri``, ``env``, ``want=image``) is a usage error:
a URI needs one. An instance type applies to the estimator arguments only.
"""

from __future__ import annotations

from compat.errors import CompatError, NoImageError, NoWheelError, UsageError
from compat.matrix import matrix_or_default
from compat.query import LIBRARY_NAMES, ONE_VALUE_FORMATS
from compat.resolver import (
    build_resolution,
    choose_release,
    choose_with_smddp,
    find_by_smddp,
    local_notes,
    version_filter,
)
from compat.results import Alternative, Resolution

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping

    from compat.matrix import Matrix
    from compat.matrix.layout import CompiledRelease, NamedRegion
    from compat.query import Query
    from compat.recipes.sagemaker_sdk import SageMakerArgs

    AnswerValue = Resolution | list[Resolution] | SageMakerArgs | list[SageMakerArgs]

#: What each artefact is called in messages.
ARTEFACTS = {
    "image": "a DLC image",
    "smp-image": "an SMP image",
    "wheel": "an smddp wheel",
    "estimator": "an image for the estimator",
}


def answer(
    query: Query, *, matrix: Matrix | None = None, names: Mapping[str, str] | None = None
) -> AnswerValue:
    """The answer to ``query``: a Resolution, a list of them (reverse lookup), or the
    SageMaker estimator arguments of either (``format="sagemaker"``).

    ``names`` spells the options as the asking face does (``--framework`` or
    ``framework=``), for hints only: messages are the same on every face.
    Raises :class:`~compat.errors.UsageError` (exit 2, HTTP 400) for a query
    that cannot be answered as asked, and a
    :class:`~compat.errors.NotFoundError` (exit 3, HTTP 404) when there is no
    answer. See the module docstring for the decision table.
    """
    m = matrix_or_default(matrix)
    spelled = LIBRARY_NAMES if names is None else names
    try:
        return _answer(query, m, spelled)
    except CompatError as exc:
        for field, variable in query.origins:
            _blame_environment(exc, field, variable, getattr(query, field), spelled)
        raise


def _blame_environment(
    exc: CompatError, field: str, variable: str, value: object, names: Mapping[str, str]
) -> None:
    """Say in ``exc`` that the value it complains about came from ``variable``."""
    if not isinstance(value, str) or value not in exc.message:
        return
    exc.message += f" (the {field} comes from the environment variable {variable}={value!r})"
    exc.args = (exc.message,)
    fix = f"set {variable} to a valid {field}, unset it, or pass {names.get(field, field)}"
    exc.hint = f"{fix}; {exc.hint}" if exc.hint else fix


def _given(names: Mapping[str, str], field: str, value: str) -> str:
    """``field`` given ``value`` as the asking face spells it: ``--region us-west-2`` on the
    command line, ``region=us-west-2`` over HTTP and in the library."""
    name = names[field]
    return f"{name}{value}" if name.endswith("=") else f"{name} {value}"


def _answer(query: Query, m: Matrix, names: Mapping[str, str]) -> AnswerValue:
    want = query.wanted
    implied = ONE_VALUE_FORMATS.get(query.format)
    if query.want is not None and implied is not None and query.want != implied:
        raise UsageError(
            f"the {query.format} format gives {ARTEFACTS[implied]}, and want is {query.want}: "
            "they conflict",
            hint=f"leave {names['want']} out, or use {_given(names, 'format', 'json')} with it",
        )
    if query.instance_type is not None and want != "estimator":
        raise UsageError(
            "an instance type applies to the estimator arguments (format sagemaker) only",
            hint="for instance-type checks use: smddp-compat instance-types, or preflight",
        )
    if query.smddp_version is not None and query.version is None:
        found = _reverse(query, m, names)
        if query.one_value:
            return _as_format(query, found[0], m)
        return _as_format(query, found, m)
    if query.framework is None:
        if query.version is not None:
            raise UsageError(
                "a version needs a framework: which framework's version is it?",
                hint=f"add {_given(names, 'framework', 'pytorch')} (for example), or leave the "
                f"version out for the reverse lookup by {names['smddp_version']}",
            )
        raise UsageError(
            "resolve needs a framework (or an smddp version for a reverse lookup)",
            hint=f"for example {_given(names, 'framework', 'pytorch')} "
            f"{_given(names, 'version', '1.13.1')} {_given(names, 'region', 'us-west-2')}",
        )
    return _as_format(query, _forward(query, m, names), m)


def _as_format(query: Query, found: Resolution | list[Resolution], m: Matrix) -> AnswerValue:
    if query.wanted != "estimator":
        return found
    from compat.recipes.sagemaker_sdk import sagemaker_args

    if isinstance(found, list):
        return [sagemaker_args(r, instance_type=query.instance_type, matrix=m) for r in found]
    return sagemaker_args(found, instance_type=query.instance_type, matrix=m)


def _region_of(query: Query, m: Matrix, names: Mapping[str, str]) -> NamedRegion | None:
    want = query.wanted
    if query.region is None:
        if want in ("image", "smp-image"):
            what = f"the {query.format} format" if query.one_value else f"want={want}"
            raise UsageError(
                f"{what} needs a region: an image URI names one",
                hint=f"pass {_given(names, 'region', 'us-west-2')} (for example)",
            )
        return None
    return m.region(query.region)


def lack(m: Matrix, rel: CompiledRelease, region: NamedRegion | None, want: str | None) -> str:
    """Why ``rel`` cannot answer in ``region`` with ``want`` ("" when it can)."""
    where = region["name"] if region is not None else None
    if where is not None and not m.in_region_set(rel["region_set"], where):
        return f"its images are not published in {where}"
    if want is None:
        return ""
    smp_here = rel["smp_tag"] is not None and (
        where is None or where in m.compiled["smp"]["regions"]
    )
    if want == "image" and rel["tag"] is None:
        return "no DLC image carries it"
    if want == "smp-image" and not smp_here:
        if rel["smp_tag"] is None:
            return "no SMP image carries it"
        return f"its SMP image is not published in {where}"
    if want == "wheel" and rel["wheel_url"] is None:
        return "no smddp wheel is documented for it"
    if want == "estimator" and where is not None and rel["tag"] is None and not smp_here:
        return f"no image carries it in {where}"
    return ""


def _forward(query: Query, m: Matrix, names: Mapping[str, str]) -> Resolution:
    assert query.framework is not None
    requested = query.version if query.version is not None else "latest"
    fw = m.framework(query.framework)
    region = _region_of(query, m, names)
    want = query.wanted
    if query.smddp_version is not None:
        index, match = choose_with_smddp(m, fw, requested, query.smddp_version, region)
    else:
        index, match = choose_release(m, fw, requested, region)
    rows = m.compiled["releases"][fw]
    notes: list[str] = []
    if match != "exact" and lack(m, rows[index], region, want):
        # A prefix, a specifier or latest: the newest match that can answer here.
        display = m.display_name(fw)
        accepts = version_filter(requested, match)
        wanted_smddp = None
        if query.smddp_version is not None:
            from packaging.version import Version

            wanted_smddp = Version(rows[index]["smddp"])
        passed: list[tuple[str, str]] = []
        for version, candidate in m.versions_newest_first(fw):
            if not accepts(version):
                continue
            if wanted_smddp is not None and Version(rows[candidate]["smddp"]) != wanted_smddp:
                continue
            reason = lack(m, rows[candidate], region, want)
            if not reason:
                index = candidate
                notes = [
                    f"{display} {v}{_ALSO_MATCHES}{requested.strip()!r} and is newer, but {why}."
                    for v, why in passed
                ]
                break
            passed.append((str(version), reason))
    rel = rows[index]
    reason = lack(m, rel, region, want)
    if reason:
        raise _missing(m, fw, rel, region, want, reason, names, one_value=query.one_value)
    if "+" in requested:
        notes += local_notes(m, fw, index, requested)
    return build_resolution(
        m,
        fw,
        index,
        region,
        requested=requested,
        match=match,
        requested_smddp=query.smddp_version,
        extra_notes=tuple(notes),
    )


#: The words of a note about a newer match passed over (see :func:`choice_notes`).
_ALSO_MATCHES = " also matches "


def choice_notes(value: object) -> list[str]:
    """The notes a one-value format would hide that a person should see: which release was
    chosen for a prefix, ``latest`` or a specifier, when a newer match was passed over
    (the CLI prints them on stderr, where ``$(...)`` does not capture them)."""
    if not isinstance(value, Resolution) or value.match == "exact":
        return []
    passed = [n for n in value.notes if _ALSO_MATCHES in n and n.endswith(".")]
    return [value.notes[0], *passed] if passed else []


def _reverse(query: Query, m: Matrix, names: Mapping[str, str]) -> list[Resolution]:
    assert query.smddp_version is not None
    want = query.wanted
    if query.region is None and want in ("image", "smp-image"):
        # Say everything that is missing at once: which release, and the region.
        found = find_by_smddp(query.smddp_version, None, framework=query.framework, matrix=m)
        if query.one_value and len(found) > 1:
            raise _several(query, found, m, names, also=f" and {names['region']}")
        _region_of(query, m, names)  # raises: an image URI needs a region
    region = _region_of(query, m, names)
    found = find_by_smddp(query.smddp_version, query.region, framework=query.framework, matrix=m)
    if want is not None:
        usable = [
            r
            for r in found
            if not lack(m, m.release_for(r.framework, r.framework_version), region, want)
        ]
        if not usable:
            first = found[0]
            rel = m.release_for(first.framework, first.framework_version)
            reason = lack(m, rel, region, want)
            raise _missing(
                m, first.framework, rel, region, want, reason, names, one_value=query.one_value
            )
        found = usable
    if query.one_value and len(found) > 1:
        raise _several(query, found, m, names)
    return found


def _several(
    query: Query, found: list[Resolution], m: Matrix, names: Mapping[str, str], also: str = ""
) -> UsageError:
    """A one-value format asked of a reverse lookup with several answers."""
    listed = ", ".join(f"{m.display_name(r.framework)} {r.framework_version}" for r in found)
    frameworks = {r.framework for r in found}
    field = "framework" if len(frameworks) > 1 else "version"
    add = names[field]
    example = found[0].framework if len(frameworks) > 1 else found[0].framework_version
    return UsageError(
        f"{len(found)} releases ship smddp {found[0].smddp_version}"
        + (f" in {found[0].region}" if found[0].region else "")
        + f" ({listed}), and the {query.format} format holds one value",
        hint=f"add {add}{also} to pick one, such as {_given(names, field, example)}; or ask "
        f"for the list ({_given(names, 'format', 'json')})",
    )


def _missing(
    m: Matrix,
    framework: str,
    rel: CompiledRelease,
    region: NamedRegion | None,
    want: str | None,
    reason: str,
    names: Mapping[str, str],
    *,
    one_value: bool = False,
) -> CompatError:
    """The exit-3 error for a release that cannot answer, with the nearest that can."""
    from compat.errors import RegionNotAvailableError

    display = m.display_name(framework)
    where = f" in {region['name']}" if region is not None else ""
    near = nearest_with(m, framework, rel, region, want)
    alternatives = () if near is None else (near,)
    hint = (
        f"use {_given(names, 'version', str(near.version))}, the nearest release that has it"
        if near is not None
        else f"no release of {display} has it; leave {names['region']} or the format out"
    )
    subject = f"{display} {rel['version']} (smddp {rel['smddp']})"
    others = _other_artefacts(m, rel, region, want, names, one_value=one_value)
    if others:
        hint += "; or " + " or ".join(others)
    if region is not None and not m.in_region_set(rel["region_set"], region["name"]):
        available = m.region_set(rel["region_set"]) if rel["region_set"] else []
        return RegionNotAvailableError(
            f"{subject} images are not published in {region['name']}",
            hint=f"{hint}; or use one of the {len(available)} regions where they are: "
            + ", ".join(available),
            choices=available,
            alternatives=alternatives,
        )
    cls = NoWheelError if want == "wheel" else NoImageError
    return cls(f"{subject}{where}: {reason}", hint=hint, alternatives=alternatives)


def _other_artefacts(
    m: Matrix,
    rel: CompiledRelease,
    region: NamedRegion | None,
    want: str | None,
    names: Mapping[str, str],
    *,
    one_value: bool = False,
) -> list[str]:
    """The release's other artefacts that could stand in for a missing image.

    A one-value format (``uri``, ``env``, ``sagemaker``) gives its own artefact, so
    another one is asked for with the JSON format: ``--want wheel`` alone would conflict.
    """
    also = f" {_given(names, 'format', 'json')}" if one_value else ""
    if want not in ("image", "estimator") or region is None:
        return []
    if not m.in_region_set(rel["region_set"], region["name"]):
        return []
    out = []
    smp = m.compiled["smp"]
    if want == "image" and rel["smp_tag"] is not None and region["name"] in smp["regions"]:
        uri = (
            f"{smp['account']}.dkr.ecr.{region['name']}.{region['dns_suffix']}/"
            f"{smp['repository']}:{rel['smp_tag']}"
        )
        out.append(f"the SMP image {uri} ({_given(names, 'want', 'smp-image')}{also})")
    if rel["wheel_url"] is not None:
        out.append(f"the wheel {rel['wheel_url']} ({_given(names, 'want', 'wheel')}{also})")
    if want == "estimator":
        build = _byoc_command(m, rel, region)
        if build is not None:
            out.append(f"build an image ({build}) and pass its URI as image_uri")
    return out


def _byoc_command(m: Matrix, rel: CompiledRelease, region: NamedRegion) -> str | None:
    """A ``byoc --base cuda`` command for the release, only where byoc answers it (tried)."""
    from compat.recipes.byoc import byoc

    try:
        byoc(rel["framework"], rel["version"], region["name"], base="cuda", matrix=m)
    except CompatError:
        return None
    return (
        f"smddp-compat byoc --framework {rel['framework']} --version {rel['version']} "
        f"--base cuda --region {region['name']}"
    )


def nearest_with(
    m: Matrix,
    framework: str,
    rel: CompiledRelease,
    region: NamedRegion | None,
    want: str | None,
) -> Alternative | None:
    """The release nearest ``rel`` (by version) that can answer in ``region`` with ``want``."""
    from packaging.version import Version

    from compat.matrix.versions import nearness

    wanted = Version(rel["version"])
    rows = m.compiled["releases"][framework]
    ranked = sorted(m.versions_newest_first(framework), key=lambda vi: nearness(vi[0], wanted))
    for version, index in ranked:
        near = rows[index]
        if version == wanted or lack(m, near, region, want):
            continue
        what = ARTEFACTS.get(want or "")
        has = f"with {what}" if what else "published"
        where = f" in {region['name']}" if region is not None else ""
        image = None
        if region is not None and near["tag"] is not None:
            image = (
                f"{region['account']}.dkr.ecr.{region['name']}.{region['dns_suffix']}/"
                f"{near['repository']}:{near['tag']}"
            )
        return Alternative(
            kind="release",
            text=f"{m.display_name(framework)} {version} (smddp {near['smddp']}) is the nearest "
            f"release {has}{where}" + (f": {image}" if image else ""),
            framework=framework,
            version=str(version),
            smddp_version=near["smddp"],
            image_uri=image,
        )
    return None
