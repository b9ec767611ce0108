"""The differential corpus: queries generated from the shipped matrix, plus hostile ones.

Every framework alias (in three cases), every release in several spellings
(exact, ``v``-prefixed, prefix, specifier, ``+local``), regions in several cases
and partitions, every artefact and format, reverse lookups by smddp version,
then hostile variants: empty, unknown, conflicting, wrong case, overlong, and
values from the environment. Deterministic (a seeded sampler), so a failure
names a case that reproduces.
"""

from __future__ import annotations

import random

from compat.matrix import load_matrix

from .faces import Case

REGIONS = (
    "us-west-2",
    "US-WEST-2",
    "us-east-1",
    "eu-west-1",
    "cn-north-1",
    "us-gov-west-1",
    "us-isof-east-1",
    "us-iso-east-1",
    "ap-southeast-7",
)
FORMATS = ("json", "text", "uri", "env", "yaml", "sagemaker", "JSON")
WANTS = ("image", "smp-image", "wheel", "estimator")
INSTANCE_TYPES = ("ml.p4d.24xlarge", "ML.P4D.24XLARGE", "ml.p5.48xlarge")


def _spellings(version: str) -> list[str]:
    parts = version.split(".")
    out = [version, f"v{version}", ".".join(parts[:2]), f">={'.'.join(parts[:2])},<{version}.1"]
    if len(parts) >= 2:
        out.append(f"=={version}")
    return out


def generated(size: int = 2100, seed: int = 19) -> list[Case]:
    """``size`` cases drawn from the matrix's frameworks, versions, regions and formats."""
    m = load_matrix()
    rng = random.Random(seed)
    frameworks = m.compiled["frameworks"]
    names: list[tuple[str, str]] = []  # (spelling, canonical)
    for canonical, info in frameworks.items():
        for alias in (canonical, *info["aliases"]):
            names += [(alias, canonical), (alias.upper(), canonical), (alias.title(), canonical)]
    versions = {
        fw: [r["version"] for r in m.compiled["releases"][fw]] for fw in m.compiled["releases"]
    }
    smddps = sorted({r["smddp"] for rows in m.compiled["releases"].values() for r in rows})
    cases: list[Case] = []
    # Every release, exactly, in us-west-2 as JSON: the whole matrix once.
    for fw, listed in versions.items():
        for version in listed:
            cases.append(Case.of("release", framework=fw, version=version, region="us-west-2"))
    # Every smddp version, reverse, in JSON and one-value formats.
    for smddp in smddps:
        for fmt in ("json", "uri"):
            cases.append(Case.of("reverse", smddp_version=smddp, region="us-west-2", format=fmt))
    while len(cases) < size:
        spelling, canonical = rng.choice(names)
        values: dict[str, str] = {"framework": spelling}
        roll = rng.random()
        if roll < 0.75:
            values["version"] = rng.choice(_spellings(rng.choice(versions[canonical])))
        elif roll < 0.85:
            values["version"] = "latest"
        elif roll < 0.9 and canonical == "pytorch":
            values["version"] = rng.choice(versions[canonical]) + rng.choice(
                ("+cu121", "+cu117", "+cpu")
            )
        if rng.random() < 0.85:
            values["region"] = rng.choice(REGIONS)
        if rng.random() < 0.15:
            values["smddp_version"] = rng.choice(smddps)
        if rng.random() < 0.15:
            del values["framework"]
            values.setdefault("smddp_version", rng.choice(smddps))
            values.pop("version", None)
        fmt = rng.choice(FORMATS)
        if fmt != "json" or rng.random() < 0.5:
            values["format"] = fmt
        if rng.random() < 0.1:
            values["want"] = rng.choice(WANTS)
        if fmt == "sagemaker" and rng.random() < 0.3:
            values["instance_type"] = rng.choice(INSTANCE_TYPES)
        cases.append(Case.of("generated", **values))
    return cases


def hostile() -> list[Case]:
    """Queries a user gets wrong: every face must refuse them alike."""
    pt = {"framework": "pytorch", "version": "2.3.1", "region": "us-west-2"}
    cases = [
        Case.of("empty framework", framework=""),
        Case.of("blank framework", framework="   "),
        Case.of("empty version", framework="pt", version=""),
        Case.of("empty region", framework="pt", region=""),
        Case.of("empty smddp", smddp_version=""),
        Case.of("empty instance type", framework="pt", instance_type="", format="sagemaker"),
        Case.of("empty want", framework="pt", region="us-west-2", want=""),
        Case.of("unknown framework", framework="pytroch"),
        Case.of("unknown region", framework="pt", region="us-west-9"),
        Case.of("unknown version", framework="pt", version="1.13.7"),
        Case.of("no smddp", framework="pt", version="2.7.0", region="us-west-2"),
        Case.of("not a version", framework="pt", version="1.x"),
        Case.of("bad specifier", framework="pt", version=">=banana"),
        Case.of("unknown smddp", smddp_version="9.9.9"),
        Case.of("unknown want", framework="pt", region="us-west-2", want="imagee"),
        Case.of("conflict", framework="pt", version="1.13.1", smddp_version="2.0.0"),
        Case.of("version without framework", version="1.13.1"),
        Case.of("nothing", region="us-west-2"),
        Case.of("instance type without sagemaker", **pt, instance_type="ml.p4d.24xlarge"),
        Case.of(
            "instance type not eligible", **pt, format="sagemaker", instance_type="ml.p5.48xlarge"
        ),
        Case.of(
            "wrong-case instance type", **pt, format="sagemaker", instance_type="ML.P4D.24XLARGE"
        ),
        Case.of("overlong region", framework="pt", region="r" * 101),
        Case.of("overlong version", framework="pt", version="1" * 101),
        Case.of("uri without region", framework="pt", version="1.13.1", format="uri"),
        Case.of("env without region", framework="pt", version="1.13.1", format="env"),
        Case.of(
            "uri of a release without image",
            framework="pt",
            version="2.4.1",
            region="us-west-2",
            format="uri",
        ),
        Case.of(
            "env of a release without image",
            framework="pt",
            version="2.4.1",
            region="us-west-2",
            format="env",
        ),
        Case.of(
            "sagemaker not in region",
            framework="pt",
            version="2.4.1",
            region="cn-north-1",
            format="sagemaker",
        ),
        Case.of("several for uri", smddp_version="2.3.0", region="us-west-2", format="uri"),
        Case.of("several for env", smddp_version="1.7.0", region="us-east-1", format="env"),
        Case.of(
            "several for sagemaker", smddp_version="1.7.0", region="us-east-1", format="sagemaker"
        ),
        Case.of("prefix in cn", framework="pt", version="2.3", region="cn-north-1"),
        Case.of("latest in isof", framework="pt", version="latest", region="us-isof-east-1"),
        Case.of("specifier in cn", framework="pt", version=">=2.3,<2.4", region="cn-north-1"),
        Case.of("exact not in cn", framework="pt", version="2.3.1", region="cn-north-1"),
        Case.of("local", framework="pt", version="2.2.0+cu121", region="us-west-2"),
        Case.of("local cpu", framework="pt", version="1.13.1+cpu", region="us-west-2"),
        Case.of(
            "wrong case everything",
            framework="PyTorch",
            version="V1.13.1",
            region="US-WEST-2",
            format="URI",
        ),
    ]
    # Values from the environment: the option wins; an empty variable is a usage error.
    cases += [
        Case.of(
            "region from env", env={"AWS_REGION": "eu-west-1"}, framework="pt", version="1.13.1"
        ),
        Case.of("option beats env", env={"AWS_REGION": "eu-west-1"}, **pt),
        Case.of(
            "empty option beats env", env={"AWS_REGION": "eu-west-1"}, framework="pt", region=""
        ),
        Case.of("empty env", env={"AWS_REGION": ""}, framework="pt", version="1.13.1"),
        Case.of("unknown env region", env={"AWS_REGION": "mars-1"}, framework="pt"),
        Case.of(
            "default region env",
            env={"AWS_DEFAULT_REGION": "cn-north-1"},
            framework="pt",
            version="2.3",
        ),
        Case.of(
            "env region uri",
            env={"AWS_REGION": "cn-north-1"},
            framework="pt",
            version="2.3",
            format="uri",
        ),
    ]
    return cases


def corpus() -> list[Case]:
    return [*hostile(), *generated()]
