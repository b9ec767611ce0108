"""What the matrix knows, listed: frameworks, regions and instance types."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from compat.errors import UsageError
from compat.matrix import matrix_or_default

if TYPE_CHECKING:
    from compat.matrix import Matrix


@dataclass(frozen=True, slots=True)
class FrameworkInfo:
    name: str
    display_name: str
    aliases: tuple[str, ...]
    runs_on: str | None
    versions: tuple[str, ...]
    smddp_versions: tuple[str, ...]
    no_smddp: tuple[str, ...]
    notes: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "display_name": self.display_name,
            "aliases": list(self.aliases),
            "runs_on": self.runs_on,
            "versions": list(self.versions),
            "smddp_versions": list(self.smddp_versions),
            "no_smddp": list(self.no_smddp),
            "notes": list(self.notes),
        }


@dataclass(frozen=True, slots=True)
class RegionInfo:
    name: str
    partition: str
    dns_suffix: str
    dlc_account: str
    smp: bool
    #: The friendly name ("US West (Oregon)"), None where the matrix gives none.
    display_name: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "display_name": self.display_name,
            "partition": self.partition,
            "dns_suffix": self.dns_suffix,
            "dlc_account": self.dlc_account,
            "smp": self.smp,
        }


@dataclass(frozen=True, slots=True)
class InstanceTypeInfo:
    name: str
    gpus: int
    gpu: str
    efa: bool
    status: str | None  # for the smddp version asked about, else None
    note: str | None
    alternative: str | None
    # Plain dicts (compat.matrix.layout.CompiledSupport): the service declares this
    # class as a response model, so its annotations must resolve at run time.
    support: tuple[dict[str, Any], ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "gpus": self.gpus,
            "gpu": self.gpu,
            "efa": self.efa,
            "status": self.status,
            "note": self.note,
            "alternative": self.alternative,
            "support": [dict(s) for s in self.support],
        }


def list_frameworks(*, matrix: Matrix | None = None) -> list[FrameworkInfo]:
    m = matrix_or_default(matrix)
    out = []
    for name, info in m.iter_frameworks():
        versions = m.versions_newest_first(name)
        rows = m.compiled["releases"][name]
        smddp: list[str] = []
        for _, index in versions:
            if rows[index]["smddp"] not in smddp:
                smddp.append(rows[index]["smddp"])
        out.append(
            FrameworkInfo(
                name=name,
                display_name=info["display_name"],
                aliases=tuple(info["aliases"]),
                runs_on=info["runs_on"],
                versions=tuple(str(v) for v, _ in versions),
                smddp_versions=tuple(smddp),
                no_smddp=tuple(f"{r['versions']}: {r['note']}" for r in info["no_smddp"]),
                notes=tuple(info["notes"]),
            )
        )
    return out


def list_regions(*, matrix: Matrix | None = None) -> list[RegionInfo]:
    m = matrix_or_default(matrix)
    smp = set(m.compiled["smp"]["regions"])
    return [
        RegionInfo(
            name=name,
            partition=info["partition"],
            dns_suffix=info["dns_suffix"],
            dlc_account=info["account"],
            smp=name in smp,
            display_name=info.get("display_name"),
        )
        for name, info in sorted(m.compiled["regions"].items())
    ]


def list_instance_types(
    smddp_version: str | None = None, *, matrix: Matrix | None = None
) -> list[InstanceTypeInfo]:
    """Instance types with their support history; with a version, the status for it."""
    from compat.arguments import require_text

    require_text("smddp_version", smddp_version, "1.7.0", optional=True)
    m = matrix_or_default(matrix)
    wanted = None
    if smddp_version is not None:
        from packaging.version import InvalidVersion, Version

        try:
            wanted = Version(smddp_version.strip().lower().removeprefix("v"))
        except InvalidVersion:
            raise UsageError(
                f"{smddp_version!r} is not a valid smddp version", hint="for example 1.7.0"
            ) from None
        known = sorted(
            {Version(r["smddp"]) for rows in m.compiled["releases"].values() for r in rows},
            reverse=True,
        )
        if wanted not in known:
            # The support rules are ranges (">=2"): they would answer for any version, even
            # one that never shipped. Only versions some release carries get an answer.
            from compat.errors import UnknownVersionError

            raise UnknownVersionError(
                f"no release in the matrix ships smddp {wanted}",
                hint="smddp versions in the matrix: " + ", ".join(map(str, known)),
                choices=[str(v) for v in known],
            )
    out = []
    for name, it in m.compiled["instance_types"].items():
        status = note = alternative = None
        if wanted is not None:
            from packaging.specifiers import SpecifierSet

            status = "unsupported"
            note = f"the matrix lists no support of {name} for smddp {wanted}"
            for support in it["support"]:
                if wanted in SpecifierSet(support["smddp"]):
                    status, note = support["status"], support["note"]
                    alternative = support["alternative"]
                    break
        out.append(
            InstanceTypeInfo(
                name=name,
                gpus=it["gpus"],
                gpu=it["gpu"],
                efa=it["efa"],
                status=status,
                note=note,
                alternative=alternative,
                support=tuple(dict(s) for s in it["support"]),
            )
        )
    return out
