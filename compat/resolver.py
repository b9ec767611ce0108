"""Resolve a framework, a version request and a region into one Resolution.

The hot path: an exact version in a known region is answered from dict
lookups on the compiled matrix, without importing packaging. Prefixes,
specifiers and near-misses parse versions with packaging, once per framework.
"""

from __future__ import annotations

from compat.errors import (
    NoSmddpError,
    RegionNotAvailableError,
    UnknownVersionError,
    UsageError,
)
from compat.matrix import matrix_or_default
from compat.matrix.layout import runnable_instance_types
from compat.results import Alternative, Correction, Resolution, SourceRef

# typing.TYPE_CHECKING would import typing, which costs the hot path ~3 ms.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable

    from packaging.version import Version

    from compat.matrix import Matrix
    from compat.matrix.layout import CompiledRelease, NamedRegion

#: Longest framework, version or region text accepted.
MAX_ARG_LENGTH = 100
_SPECIFIER_CHARS = frozenset("<>=!~,")
#: Instance-type statuses under which smddp runs.
_EXAMPLES = {"framework": "pytorch", "region": "us-west-2", "smddp version": "1.7.0"}


#: The command that lists valid values of each argument, for hints.
_LISTED_BY = {
    "framework": "smddp-compat frameworks",
    "version": "smddp-compat frameworks",
    "region": "smddp-compat regions",
    "smddp version": "smddp-compat list",
}


def check_length(name: str, value: object) -> None:
    if not isinstance(value, str):
        from compat.arguments import text_error

        raise text_error(name, value, _EXAMPLES.get(name, "1.13.1"))
    if len(value) > MAX_ARG_LENGTH:
        raise UsageError(
            f"{name} is {len(value)} characters long; at most {MAX_ARG_LENGTH} are accepted",
            hint=f"pass a {name} such as those that '{_LISTED_BY.get(name, 'smddp-compat list')}' "
            "shows",
        )
    if not value.strip():
        raise UsageError(f"{name} is empty", hint=f"pass a {name}")


def resolve(
    framework: str,
    version: str = "latest",
    region: str | None = None,
    *,
    smddp_version: str | None = None,
    matrix: Matrix | None = None,
) -> Resolution:
    """Resolve ``framework`` at ``version`` in ``region``.

    ``version`` may be exact (``1.13.1``, ``v1.13.1``), a prefix (``1.13``: the
    newest 1.13.x with smddp), a PEP 440 specifier (``>=1.12,<2``: the newest
    match) or ``latest``. ``region`` may be None to leave URIs unfilled.
    A prefix, a specifier or ``latest`` picks the newest match published in
    ``region`` (the notes name newer matches passed over); an exact version
    means that release only. This is :func:`compat.answers.answer` for a
    ``Query`` of these arguments.
    ``smddp_version`` narrows the answer to the newest release that matches
    ``version`` *and* ships that smddp version; when no release does both, the
    two requests conflict and it is a :class:`~compat.errors.UsageError` that
    names both (never a silent pick of one of them).
    Raises a :class:`~compat.errors.NotFoundError` subclass when there is no
    answer, or :class:`~compat.errors.UsageError` when an argument is malformed.
    """
    from compat.answers import answer
    from compat.query import LIBRARY_NAMES, parse_query

    given: object = version  # None is not "latest" here: the default says so
    if not isinstance(given, str):
        from compat.arguments import text_error

        raise text_error("version", given, "1.13.1")
    query = parse_query(
        {
            "framework": framework,
            "version": version,
            "region": region,
            "smddp_version": smddp_version,
        },
        names=LIBRARY_NAMES,
    )
    found = answer(query, matrix=matrix, names=LIBRARY_NAMES)
    assert isinstance(found, Resolution)
    return found


def local_notes(m: Matrix, framework: str, index: int, requested: str) -> tuple[str, ...]:
    """A note when a ``torch.__version__`` local part (``+cu117``) differs from the image.

    ``1.13.1+cu117`` is matched on its release (1.13.1); the local part names the
    build the user has, which is worth a word when its CUDA is not the image's.
    """
    if "+" not in requested:
        return ()
    local = requested.strip().split("+", 1)[1].lower()
    rel = m.compiled["releases"][framework][index]
    cuda = rel["cuda"]
    digits = local[2:]
    if local.startswith("cu") and digits.isdigit() and len(digits) >= 3:
        theirs = f"{digits[:-1]}.{digits[-1]}"
        if cuda is not None and theirs == cuda:
            return ()
        image = f"CUDA {cuda}" if cuda else "a CUDA version the matrix does not record"
        return (
            f"Matched {requested.strip()!r} on release {rel['version']}; its local part "
            f"+{local} is a CUDA {theirs} build, while the smddp image and wheel use {image}: "
            "in your own container, install the framework build for that CUDA.",
        )
    return (
        f"Matched {requested.strip()!r} on release {rel['version']}; its local part "
        f"+{local} is not a CUDA build, while smddp needs the GPU build"
        + (f" with CUDA {cuda}." if cuda else "."),
    )


def _parse_smddp(smddp_version: str) -> Version:
    from packaging.version import InvalidVersion, Version

    try:
        return Version(smddp_version.strip().lower().removeprefix("v"))
    except InvalidVersion:
        raise UsageError(
            f"{smddp_version!r} is not a valid smddp version", hint="for example 1.7.0"
        ) from None


def choose_with_smddp(
    m: Matrix,
    framework: str,
    requested: str,
    smddp_version: str,
    region: NamedRegion | None = None,
) -> tuple[int, str]:
    """The newest release that answers ``requested`` and ships ``smddp_version``."""
    from packaging.version import Version

    wanted = _parse_smddp(smddp_version)
    releases = m.compiled["releases"][framework]
    display = m.display_name(framework)
    shipping = [
        (version, index)
        for version, index in m.versions_newest_first(framework)
        if Version(releases[index]["smddp"]) == wanted
    ]
    if not shipping:
        known = sorted({Version(r["smddp"]) for r in releases}, reverse=True)
        raise UnknownVersionError(
            f"no {display} release ships smddp {wanted}",
            hint=f"smddp versions of {display}: " + ", ".join(map(str, known)),
            choices=[str(v) for v in known],
        )
    index, match = choose_release(m, framework, requested, region)
    if Version(releases[index]["smddp"]) == wanted:
        return index, match
    accepts = version_filter(requested, match)
    for version, candidate in shipping:
        if accepts(version):
            return candidate, match
    chosen = releases[index]
    raise UsageError(
        f"version {requested.strip()!r} and smddp version {smddp_version.strip()!r} do not go "
        f"together: {display} {chosen['version']} ships smddp {chosen['smddp']}, and smddp "
        f"{wanted} ships with {display} " + ", ".join(str(v) for v, _ in shipping),
        hint=f"ask for one of them only, or for a pair that agrees, such as {display} "
        f"{shipping[0][0]} with smddp {wanted}",
    )


def _spelled(requested: str) -> str:
    """``requested`` as matched: lower case, without AWS's ``v``; pip's ``1.13.*`` is
    the specifier ``==1.13.*`` it abbreviates."""
    text = requested.strip().lower()
    if text[:1] == "v" and text[1:2].isdigit():
        text = text[1:]
    if text.endswith(".*") and not _SPECIFIER_CHARS.intersection(text):
        text = "==" + text
    return text


def version_filter(requested: str, match: str) -> Callable[[Version], bool]:
    """Whether a release version answers ``requested`` (matched as ``match``)."""
    text = _spelled(requested)
    if match == "latest":
        return lambda version: True
    if match == "specifier":
        from packaging.specifiers import SpecifierSet

        spec = SpecifierSet(text)
        return lambda version: version in spec
    from packaging.version import Version

    wanted = Version(text)
    if match == "prefix":
        size = len(wanted.release)
        return lambda version: version.release[:size] == wanted.release
    public = Version(wanted.public)
    return lambda version: version == public


def choose_release(
    m: Matrix, framework: str, requested: str, region: NamedRegion | None = None
) -> tuple[int, str]:
    """The index of the release that answers ``requested``, and how it matched.

    ``region`` (as ``Matrix.region`` gives it) only fills in the images of the
    alternatives that an error about a version without smddp carries.
    """
    text = _spelled(requested)
    if text == "latest":
        return m.newest_index(framework), "latest"
    found = m.exact_index(framework, text)
    if found is not None:
        return found, "exact"
    if _SPECIFIER_CHARS.intersection(text):
        return _by_specifier(m, framework, requested, text), "specifier"
    return _by_version(m, framework, requested, text, region)


def _by_specifier(m: Matrix, framework: str, requested: str, text: str) -> int:
    from packaging.specifiers import InvalidSpecifier, SpecifierSet

    try:
        spec = SpecifierSet(text)
    except InvalidSpecifier:
        raise UsageError(
            f"{requested!r} is not a valid version or PEP 440 specifier",
            hint="use an exact version (1.13.1), a prefix (1.13), a specifier "
            "(>=1.12,<2) or 'latest'",
        ) from None
    for version, index in m.versions_newest_first(framework):
        if version in spec:
            return index
    raise UnknownVersionError(
        f"no {m.display_name(framework)} release with smddp matches {requested!r}",
        hint=_nearby_hint(m, framework),
        choices=_all_versions(m, framework),
    )


def _by_version(
    m: Matrix, framework: str, requested: str, text: str, region: NamedRegion | None
) -> tuple[int, str]:
    from packaging.version import InvalidVersion, Version

    try:
        wanted = Version(text)
    except InvalidVersion:
        raise UsageError(
            f"{requested!r} is not a valid version",
            hint="use an exact version (1.13.1), a prefix (1.13), a specifier "
            "(>=1.12,<2) or 'latest'",
        ) from None
    if wanted.local:
        # torch.__version__ says "1.13.1+cu117": match on the release, note the build.
        wanted = Version(wanted.public)
    releases = m.versions_newest_first(framework)
    plain = not (wanted.is_prerelease or wanted.is_postrelease or wanted.is_devrelease)
    if plain and len(wanted.release) < 3:
        # "1.13" asks for the newest 1.13.x, although PEP 440 says 1.13 == 1.13.0.
        for version, index in releases:
            if version.release[: len(wanted.release)] == wanted.release:
                return index, "prefix"
    for version, index in releases:
        if version == wanted:
            return index, "exact"
    raise _missing_version(m, framework, requested, wanted, region)


def _missing_version(
    m: Matrix, framework: str, requested: str, wanted: Version, region: NamedRegion | None
) -> Exception:
    from packaging.specifiers import SpecifierSet

    display = m.display_name(framework)
    info = m.compiled["frameworks"][framework]
    newest_version, newest_index = m.versions_newest_first(framework)[0]
    newest = m.compiled["releases"][framework][newest_index]
    alternatives = no_smddp_alternatives(m, framework, wanted, region)
    for rule in info["no_smddp"]:
        if wanted in SpecifierSet(rule["versions"]):
            return NoSmddpError(
                f"{display} {wanted} has no smddp: {rule['note']}",
                hint=f"the newest {display} with smddp is {newest_version} "
                f"(smddp {newest['smddp']})",
                choices=_all_versions(m, framework),
                alternatives=alternatives,
            )
    documented = info["documented_versions"].get(str(wanted))
    if documented is not None:
        corrected, label = documented
        return UnknownVersionError(
            f"{display} {wanted} has no smddp release",
            hint=f"AWS's page labels the {display} {corrected} row {label!r} in error; "
            f"use {corrected}",
            choices=_all_versions(m, framework),
        )
    return UnknownVersionError(
        f"{display} {requested.strip()} has no smddp release in the matrix",
        hint=_nearby_hint(m, framework, wanted),
        choices=_all_versions(m, framework),
        alternatives=alternatives,
    )


def no_smddp_alternatives(
    m: Matrix, framework: str, wanted: Version, region: NamedRegion | None
) -> tuple[Alternative, ...]:
    """What to use instead of ``framework`` ``wanted``, which has no smddp: the newest
    release with smddp and a DLC image (in ``region``), and the distribution that trains
    the wanted version without smddp, where the matrix names one."""
    from packaging.specifiers import SpecifierSet

    display = m.display_name(framework)
    out: list[Alternative] = []
    for version, index in m.versions_newest_first(framework):
        image = _image_in(m, m.compiled["releases"][framework][index], region)
        if image is None:
            continue
        rel = m.compiled["releases"][framework][index]
        out.append(
            Alternative(
                kind="release",
                text=f"use {display} {version} (smddp {rel['smddp']}), the newest release "
                f"with smddp: {image}",
                framework=framework,
                version=str(version),
                smddp_version=rel["smddp"],
                image_uri=image if region is not None else None,
            )
        )
        break
    alt = m.compiled["frameworks"][framework]["alternative_distribution"]
    if alt is not None and (alt["versions"] is None or wanted in SpecifierSet(alt["versions"])):
        out.append(
            Alternative(
                kind="distribution",
                text=f"keep {display} {wanted} and train without smddp, with {alt['name']}: "
                f"distribution={alt['distribution']!r}. {alt['note']}",
                framework=framework,
                version=str(wanted),
                distribution=alt["distribution"],
            )
        )
    return tuple(out)


def _image_in(m: Matrix, rel: CompiledRelease, region: NamedRegion | None) -> str | None:
    """The release's DLC image URI in ``region`` (``repository:tag`` without a region), or
    None where it has no DLC image or none there."""
    if rel["tag"] is None:
        return None
    if region is None:
        return f"{rel['repository']}:{rel['tag']}"
    if not m.in_region_set(rel["region_set"], region["name"]):
        return None
    return (
        f"{region['account']}.dkr.ecr.{region['name']}.{region['dns_suffix']}/"
        f"{rel['repository']}:{rel['tag']}"
    )


def nearest_image_alternative(
    m: Matrix, framework: str, rel: CompiledRelease, region: NamedRegion | None
) -> Alternative | None:
    """The release nearest ``rel`` that has a DLC image (in ``region``): what to use when an
    image was asked for and ``rel`` has none (PyTorch 2.4.1 -> 2.4.0). The compiler ranks
    the candidates (``nearest_images``); only the region is checked here."""
    rows = m.compiled["releases"][framework]
    for index in rel["nearest_images"]:
        near = rows[index]
        image = _image_in(m, near, region)
        if image is None:
            continue
        return Alternative(
            kind="release",
            text=f"{m.display_name(framework)} {near['version']} (smddp {near['smddp']}) is the "
            f"nearest release with a DLC image: {image}",
            framework=framework,
            version=near["version"],
            smddp_version=near["smddp"],
            image_uri=image if region is not None else None,
        )
    return None


def _nearby_hint(m: Matrix, framework: str, wanted: Version | None = None) -> str:
    versions = [v for v, _ in m.versions_newest_first(framework)]
    if wanted is not None:
        from compat.matrix.versions import nearness

        ranked = sorted(versions, key=lambda v: nearness(v, wanted))
        near = ", ".join(str(v) for v in ranked[:3])
        return f"closest releases with smddp: {near}; all: {', '.join(map(str, versions))}"
    return f"releases with smddp: {', '.join(map(str, versions))}"


def _all_versions(m: Matrix, framework: str) -> list[str]:
    return [str(v) for v, _ in m.versions_newest_first(framework)]


def build_resolution(
    m: Matrix,
    framework: str,
    index: int,
    region: NamedRegion | None,
    *,
    requested: str | None,
    match: str,
    requested_smddp: str | None = None,
    extra_notes: tuple[str, ...] = (),
) -> Resolution:
    """The Resolution of one compiled release, with URIs filled in for ``region``.

    ``requested`` is the framework version asked for (None for a reverse lookup
    by smddp version), ``requested_smddp`` the smddp version asked for, if any.
    """
    rel = m.compiled["releases"][framework][index]
    notes = [*extra_notes, *rel["notes"]]
    image_uri = smp_uri = None
    region_name = partition = None
    if region is not None:
        region_name = region["name"]
        partition = region["partition"]
        region_set = rel["region_set"]
        if region_set is not None and not m.in_region_set(region_set, region_name):
            available = m.region_set(region_set)
            raise RegionNotAvailableError(
                f"{m.display_name(framework)} {rel['version']} (smddp {rel['smddp']}) images are "
                f"not published in {region_name}",
                hint=f"use one of the {len(available)} regions where they are: "
                + ", ".join(available),
                choices=available,
            )
        host = f"dkr.ecr.{region_name}.{region['dns_suffix']}"
        if rel["tag"] is not None:
            image_uri = f"{region['account']}.{host}/{rel['repository']}:{rel['tag']}"
        smp = m.compiled["smp"]
        if rel["smp_tag"] is not None:
            if region_name in smp["regions"]:
                smp_uri = f"{smp['account']}.{host}/{smp['repository']}:{rel['smp_tag']}"
            else:
                notes.append(
                    f"The SMP image {smp['repository']}:{rel['smp_tag']} is not published in "
                    f"{region_name}."
                )
    wheel_partition = rel["wheel_partition"]
    if partition is not None and wheel_partition is not None and partition != wheel_partition:
        notes.append(
            f"The smddp wheel is in an S3 bucket of the {wheel_partition} partition; from "
            f"{region_name} ({partition}) its URL may not be reachable. Copy the wheel into an "
            f"S3 bucket in {partition} and install it from there."
        )
    if rel["wheel_url"] is None and rel["tag"] is not None:
        notes.append(
            "No smddp wheel is documented for this release; use the DLC image "
            f"({rel['repository']}:{rel['tag']})."
        )
    elif rel["wheel_url"] is None and rel["smp_tag"] is not None:
        notes.append(
            "No smddp wheel and no framework DLC with smddp is documented for this release; "
            f"use the SMP image ({m.compiled['smp']['repository']}:{rel['smp_tag']})."
        )
    label = (
        None  # a reverse lookup asked for no framework version
        if requested is None
        else m.compiled["frameworks"][framework]["documented_versions"].get(
            requested.strip().lower().removeprefix("v")
        )
    )
    if label is not None and label[0] != rel["version"]:
        notes.append(
            f"AWS's support page labels the {m.display_name(framework)} {label[0]} row "
            f"{label[1]!r} in error; if you copied that label, you want {label[0]}."
        )
    if requested is None:
        notes.insert(
            0,
            f"Listed because {m.display_name(framework)} {rel['version']} ships smddp "
            f"{rel['smddp']} (reverse lookup by smddp version; no framework version was "
            "asked for).",
        )
    elif match != "exact":
        ships = f" that ships smddp {rel['smddp']}" if requested_smddp is not None else ""
        notes.insert(
            0,
            f"Version {rel['version']} chosen as the newest match for {requested.strip()!r}"
            f"{ships}.",
        )
    for erratum in rel["errata"]:
        notes.append(
            f"AWS documents {erratum['field']} as {erratum['documented']!r}; "
            f"this answer uses {erratum['corrected']!r}: {erratum['note']}"
        )
    sources = m.compiled["sources"]
    python = rel["python"]
    return Resolution(
        framework=framework,
        framework_version=rel["version"],
        requested_version=requested,
        requested_smddp_version=requested_smddp,
        match=match,
        smddp_version=rel["smddp"],
        region=region_name,
        partition=partition,
        image_uri=image_uri,
        smp_image_uri=smp_uri,
        binary_url=rel["wheel_url"],
        python_version=python,
        py_version=None if python is None else "py" + python.replace(".", ""),
        cuda_version=rel["cuda"],
        os=rel["os"],
        repository=rel["repository"],
        image_tag=rel["tag"],
        instance_types=tuple(runnable_instance_types(rel)),
        base_framework=rel["base_framework"],
        base_framework_version=rel["base_version"],
        requirements=tuple(rel["requirements"]),
        notes=tuple(notes),
        corrections=tuple(
            Correction(
                field=e["field"],
                documented=e["documented"],
                corrected=e["corrected"],
                note=e["note"],
                sources=tuple(e["sources"]),
            )
            for e in rel["errata"]
        ),
        sources=tuple(
            SourceRef(sid, sources[sid]["title"], sources[sid]["url"]) for sid in rel["sources"]
        ),
        confidence=rel["confidence"],
        released=rel["released"],
        alternatives=()
        if rel["tag"] is not None
        else tuple(
            a for a in [nearest_image_alternative(m, framework, rel, region)] if a is not None
        ),
    )


def resolve_all(
    framework: str | None = None,
    region: str | None = None,
    *,
    matrix: Matrix | None = None,
) -> list[Resolution]:
    """Every release (of one framework, or all), for ``region`` or with URIs unfilled.

    Releases not published in ``region`` are left out.
    """
    m = matrix_or_default(matrix)
    if framework is not None:
        check_length("framework", framework)
    if region is not None:
        check_length("region", region)
    names = [m.framework(framework)] if framework is not None else list(m.compiled["releases"])
    region_info = m.region(region) if region is not None else None
    out: list[Resolution] = []
    for fw in names:
        for index, rel in enumerate(m.compiled["releases"][fw]):
            if region_info is not None and not m.in_region_set(
                rel["region_set"], region_info["name"]
            ):
                continue
            out.append(
                build_resolution(m, fw, index, region_info, requested=rel["version"], match="exact")
            )
    return out


def list_published(
    framework: str | None = None,
    region: str | None = None,
    *,
    matrix: Matrix | None = None,
) -> list[Resolution]:
    """``resolve_all``, but a region where nothing is published is an error, not ``[]``.

    What ``smddp-compat list`` answers: an empty table or an empty line with
    exit 0 would read as "done" in a script; ``resolve`` refuses such a region
    too (RegionNotAvailableError, exit 3), naming the regions that have some.
    """
    m = matrix_or_default(matrix)
    out = resolve_all(framework, region, matrix=m)
    if out or region is None:
        return out
    names = [m.framework(framework)] if framework is not None else list(m.compiled["releases"])
    what = m.display_name(names[0]) if framework is not None else "smddp"
    where = sorted(
        name
        for name in m.compiled["regions"]
        if any(
            m.in_region_set(r["region_set"], name)
            for fw in names
            for r in m.compiled["releases"][fw]
        )
    )
    raise RegionNotAvailableError(
        f"no {what} release is published in {m.region(region)['name']}",
        hint=f"use one of the {len(where)} regions where some are: " + ", ".join(where),
        choices=where,
    )


def find_by_smddp(
    smddp_version: str,
    region: str | None = None,
    *,
    framework: str | None = None,
    matrix: Matrix | None = None,
) -> list[Resolution]:
    """Every release that ships ``smddp_version`` (reverse lookup), newest framework first."""
    from packaging.version import Version

    m = matrix_or_default(matrix)
    check_length("smddp version", smddp_version)
    if framework is not None:
        check_length("framework", framework)
    if region is not None:
        check_length("region", region)
    wanted = _parse_smddp(smddp_version)
    names = [m.framework(framework)] if framework is not None else list(m.compiled["releases"])
    region_info = m.region(region) if region is not None else None
    out: list[Resolution] = []
    for fw in names:
        for _version, index in m.versions_newest_first(fw):
            rel = m.compiled["releases"][fw][index]
            if Version(rel["smddp"]) != wanted:
                continue
            if region_info is not None and not m.in_region_set(
                rel["region_set"], region_info["name"]
            ):
                continue
            out.append(
                build_resolution(
                    m,
                    fw,
                    index,
                    region_info,
                    requested=None,
                    match="smddp",
                    requested_smddp=smddp_version,
                )
            )
    if not out:
        known = sorted(
            {Version(r["smddp"]) for fw in names for r in m.compiled["releases"][fw]}, reverse=True
        )
        raise UnknownVersionError(
            f"no release in the matrix ships smddp {wanted}"
            + (f" in {region_info['name']}" if region_info else ""),
            hint="smddp versions in the matrix: " + ", ".join(map(str, known)),
            choices=[str(v) for v in known],
        )
    return out
