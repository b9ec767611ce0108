"""The rules over a launcher: what the matrix says of its framework, version, image and instances.

Each check reads the matrix through the library's own lookups (``resolve``,
the eligibility check of preflight, the SDK-argument recipe), so that check,
resolve, preflight and ``--format sagemaker`` give the same answer.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from compat.check import facts
from compat.check.analysis import Arg, Launcher
from compat.check.findings import Finding, Location
from compat.check.images import ImageRef, parse_image
from compat.check.rules import RULES
from compat.check.values import Partial, Struct, Unknown
from compat.errors import CompatError, NoSmddpError, NotFoundError

if TYPE_CHECKING:
    from compat.matrix import Matrix
    from compat.matrix.layout import CompiledRelease
    from compat.results import Resolution

_FRAMEWORK_OF_KIND = {
    "pytorch": "pytorch",
    "tensorflow": "tensorflow",
    "huggingface": "huggingface",
}
_SMDDP_FLAG = 'distribution={"smdistributed": {"dataparallel": {"enabled": True}}}'


@dataclass(slots=True)
class Verdict:
    """What the check concluded about one launcher, for its script's findings too."""

    launcher: Launcher
    #: True: smddp is enabled; False: it is not; None: it cannot be told.
    smddp: bool | None
    distribution: str | None  # smddp | torch_distributed | pytorchddp | mpi | torchrun | ...
    release: CompiledRelease | None = None
    #: Why this launcher's image cannot provide smddp, where it cannot.
    no_smddp_reason: str | None = None
    findings: list[Finding] = field(default_factory=list)


def finding(
    rule_id: str,
    message: str,
    location: Location,
    fix: str | None = None,
    sources: tuple[str, ...] = (),
    related: tuple[Location, ...] = (),
) -> Finding:
    return Finding(rule_id, RULES[rule_id].severity, message, location, fix, sources, related)


def unknown(arg: Arg, name: str, what: str) -> Finding:
    reason = arg.value.reason if isinstance(arg.value, Unknown) else "it is not a literal"
    if isinstance(arg.value, Partial):
        reason = f"it is built from values computed when the code runs ({arg.value.describe()})"
    return finding(
        "SMDDP010",
        f"{name} cannot be known without running the code ({reason}); {what} not checked",
        arg.location,
        f"assign {name} a literal (or a constant in this file) so that it can be checked",
    )


def distribution_of(launcher: Launcher) -> tuple[str | None, Arg | None]:
    """The distribution a launcher asks for (smddp, torch_distributed, ...), or 'unknown'."""
    if launcher.kind == "model_trainer":
        arg = launcher.get("distributed")
        if arg is None:
            return ("unknown" if launcher.open_kwargs else None), None
        if isinstance(arg.value, Struct):
            return arg.value.kind.lower(), arg
        return ("unknown" if isinstance(arg.value, (Unknown, Partial)) else None), arg
    arg = launcher.get("distribution")
    if arg is None:
        return ("unknown" if launcher.open_kwargs else None), None
    value = arg.value
    if value is None:
        return None, arg
    if not isinstance(value, dict):
        return "unknown", arg
    smd = value.get("smdistributed")
    if isinstance(smd, dict):
        dp = smd.get("dataparallel")
        if isinstance(dp, dict):
            enabled = dp.get("enabled")
            if enabled is True:
                return "smddp", arg
            if isinstance(enabled, (Unknown, Partial)):
                return "unknown", arg
        elif isinstance(dp, (Unknown, Partial)):
            return "unknown", arg
        if "modelparallel" in smd:
            return "smp", arg
    elif isinstance(smd, (Unknown, Partial)):
        return "unknown", arg
    for key in ("torch_distributed", "pytorchddp", "mpi", "multi_worker_mirrored_strategy"):
        inner = value.get(key)
        if isinstance(inner, dict) and inner.get("enabled") is True:
            return key, arg
    if any(isinstance(v, (Unknown, Partial)) for v in value.values()):
        return "unknown", arg
    return "none", arg


def judge(launcher: Launcher, m: Matrix, script_uses_smddp: bool | None) -> Verdict:
    """The findings of one launcher. ``script_uses_smddp``: what its linked script does
    (None: no script linked), which decides whether a ModelTrainer runs smddp."""
    dist, dist_arg = distribution_of(launcher)
    smddp = script_uses_smddp if launcher.kind == "model_trainer" else dist == "smddp"
    verdict = Verdict(launcher, smddp, dist)
    if dist == "unknown" and launcher.kind != "model_trainer":
        verdict.smddp = None
        if dist_arg is not None:
            verdict.findings.append(unknown(dist_arg, "distribution", "smddp use is"))
        return verdict
    _Judge(launcher, m, verdict).run()
    return verdict


class _Judge:
    def __init__(self, launcher: Launcher, m: Matrix, verdict: Verdict) -> None:
        self.l = launcher
        self.m = m
        self.v = verdict
        self.out = verdict.findings
        #: The framework the launcher runs, from its class or its image's repository.
        self.framework: str | None = _FRAMEWORK_OF_KIND.get(launcher.kind)
        #: False where the matrix cannot judge this launcher at all (a Hugging Face
        #: TensorFlow launcher): then no rule is applied to it.
        self.judged = True

    # -- helpers -------------------------------------------------------------
    def known(self, name: str, what: str) -> Any:
        """The argument's value if known; None if absent; an info finding if unknown."""
        arg = self.l.get(name)
        if arg is None:
            return None
        if isinstance(arg.value, (Unknown, Partial, Struct)):
            if self.v.smddp:
                self.out.append(unknown(arg, name, what))
            return None
        return arg.value

    def at(self, name: str) -> Location:
        arg = self.l.get(name)
        return arg.location if arg is not None else self.l.location

    # -- the run -------------------------------------------------------------
    def run(self) -> None:
        image_name = "training_image" if self.l.kind == "model_trainer" else "image_uri"
        image_arg = self.l.get(image_name)
        image: ImageRef | None = None
        if image_arg is not None and isinstance(image_arg.value, (str, Partial)):
            image = parse_image(image_arg.value)
        release = self._release(self.framework, image, image_name)
        self.v.release = release
        if not self.v.smddp or not self.judged:
            return
        # Each finding stands on its own: a version without smddp (SMDDP001, SMDDP012)
        # does not hide the image's registry, the instance type or the instance count.
        # Only what is measured against the release (its Python, its SDK check, its
        # image tag) needs one.
        if image is not None:
            self._image(image, release, image_name)
        self._instances(release)
        if release is None:
            return
        self._python(release)
        self._sdk(release, image_arg)

    def _release(
        self, framework: str | None, image: ImageRef | None, image_name: str
    ) -> CompiledRelease | None:
        """The release the launcher runs, from its versions or its image's tag."""
        if self.l.kind == "huggingface":
            return self._huggingface()
        version_name = "framework_version"
        version = self.known(version_name, "the framework version") if framework else None
        source = version_name
        if framework is None or (version is None and self.l.get(version_name) is None):
            if image is None or image.version is None:
                if self.v.smddp and self.l.get(image_name) is not None and image is None:
                    arg = self.l.get(image_name)
                    assert arg is not None
                    if isinstance(arg.value, (Unknown, Partial)):
                        self.out.append(unknown(arg, image_name, "the image"))
                return None
            repo_fw = facts.repositories(self.m).get(image.repository)
            if repo_fw is None:
                if self.v.smddp and image.ecr and image.account in facts.dlc_accounts(self.m):
                    self.out.append(
                        finding(
                            "SMDDP005",
                            f"{image_name} is a {image.repository} image: no smddp image is "
                            "published in that repository",
                            self.at(image_name),
                            "use a repository with smddp: "
                            + ", ".join(sorted(facts.repositories(self.m))),
                        )
                    )
                    self.v.no_smddp_reason = f"the image {image.repository} carries no smddp"
                return None
            framework = self.framework = repo_fw
            version = image.transformers if repo_fw == "huggingface" else image.version
            source = image_name
        if not isinstance(version, str):
            if version is not None:
                version = str(version)
            else:
                return None
        return self._resolve(framework, version, source)

    def _resolve(self, framework: str, version: str, source: str) -> CompiledRelease | None:
        from compat.resolver import resolve

        try:
            res = resolve(framework, version, matrix=self.m)
        except NoSmddpError as exc:
            self.v.no_smddp_reason = exc.message
            if self.v.smddp:
                self.out.append(
                    finding(
                        "SMDDP001",
                        f"smddp is requested with {source}={version!r}: {exc.message}",
                        self.at(source),
                        "; or ".join(a.text for a in exc.alternatives) or exc.hint,
                        self._no_smddp_sources(framework, version),
                    )
                )
            return None
        except CompatError as exc:  # not in the matrix, or not a version at all
            not_found = isinstance(exc, NotFoundError)
            if not_found:
                self.v.no_smddp_reason = exc.message
            if self.v.smddp:
                asked = "smddp is requested with " if not_found else ""
                self.out.append(
                    finding(
                        "SMDDP012",
                        f"{asked}{source}={version!r}: {exc.message}",
                        self.at(source),
                        exc.hint,
                    )
                )
            return None
        self._res = res
        return self.m.release_for(res.framework, res.framework_version)

    def _no_smddp_sources(self, framework: str, version: str) -> tuple[str, ...]:
        from packaging.specifiers import SpecifierSet
        from packaging.version import InvalidVersion, Version

        try:
            wanted = Version(version)
        except InvalidVersion:
            return ()
        for rule in self.m.compiled["frameworks"][framework]["no_smddp"]:
            if wanted in SpecifierSet(rule["versions"]):
                return facts.sources(self.m, rule["sources"])
        return ()

    def _huggingface(self) -> CompiledRelease | None:
        tv = self.known("transformers_version", "the transformers version")
        pv = self.known("pytorch_version", "the PyTorch version")
        tf = self.l.get("tensorflow_version")
        if tv is None:
            return None
        if tf is not None and pv is None:
            self.judged = False
            if self.v.smddp:
                self.out.append(
                    finding(
                        "SMDDP010",
                        "the matrix has no Hugging Face TensorFlow images; this launcher was "
                        "not checked",
                        self.at("tensorflow_version"),
                        None,
                    )
                )
            return None
        tv = str(tv)
        rows = [r for r in self.m.releases("huggingface") if r["version"] == _canon(tv)]
        if not rows:
            return self._resolve("huggingface", tv, "transformers_version")
        if pv is None:
            return rows[0]
        for row in rows:
            if row["base_version"] == _canon(str(pv)):
                return row
        pairs = ", ".join(
            f"transformers {r['version']} with PyTorch {r['base_version']}" for r in rows
        )
        self.v.no_smddp_reason = f"no Hugging Face image pairs transformers {tv} with PyTorch {pv}"
        if self.v.smddp:
            self.out.append(
                finding(
                    "SMDDP009",
                    f"no Hugging Face image pairs transformers_version={tv!r} with "
                    f"pytorch_version={pv!r}",
                    self.at("pytorch_version"),
                    f"use one of: {pairs}",
                    facts.sources(self.m, rows[0]["sources"]),
                )
            )
        return None

    def _python(self, release: CompiledRelease) -> None:
        py = self.known("py_version", "the Python version")
        if not isinstance(py, str) or release["python"] is None:
            return
        want = "py" + release["python"].replace(".", "")
        if py.strip() != want:
            self.out.append(
                finding(
                    "SMDDP002",
                    f"py_version={py!r}, but the {self._name(release)} image has Python "
                    f"{release['python']}",
                    self.at("py_version"),
                    f'py_version="{want}"',
                    facts.sources(self.m, release["sources"]),
                )
            )

    def _name(self, release: CompiledRelease) -> str:
        return f"{self.m.display_name(release['framework'])} {release['version']}"

    def _sdk(self, release: CompiledRelease, image_arg: Arg | None) -> None:
        # The SDK v2 framework estimators check framework_version; Estimator and
        # ModelTrainer take an image and check nothing.
        if self.l.kind not in ("pytorch", "tensorflow", "huggingface") or image_arg is not None:
            return
        if self.l.open_kwargs is not None:
            return  # image_uri may come from the unknown **mapping
        res = getattr(self, "_res", None)
        why = None if res is None else facts.sdk_rejection(res, self.m)
        if res is None or why is None:
            return
        image = f"{release['repository']}:{release['tag']}" if release["tag"] else None
        fix = (
            f'pass image_uri="<account>.dkr.ecr.<region>.<suffix>/{image}" '
            f"(smddp-compat resolve --framework {release['framework']} --version "
            f"{release['version']} --region REGION --format uri prints it)"
            if image
            else "; ".join(a.text for a in _res_alternatives(res))
            or "pass image_uri of an image that carries smddp (smddp-compat byoc)"
        )
        self.out.append(
            finding(
                "SMDDP006",
                f"the SageMaker SDK raises ValueError for smdistributed with "
                f"{self._name(release)} unless image_uri is passed: {why}",
                self.at("framework_version"),
                fix,
                facts.sources(self.m, release["sources"]),
            )
        )

    def _instances(self, release: CompiledRelease | None) -> None:
        itype = self.known("instance_type", "the instance type")
        count = self.known("instance_count", "the instance count")
        if isinstance(itype, str):
            if release is not None:
                self._instance_type(itype, release)
            else:
                self._instance_type_in_any_release(itype)
        if count == 1 and not isinstance(count, bool):
            self.out.append(
                finding(
                    "SMDDP004",
                    "instance_count=1 with smddp: smddp pays off across nodes; on one node "
                    "plain PyTorch DDP (NCCL) performs about as well",
                    self.at("instance_count"),
                    "use instance_count of 2 or more, or train without smddp on one node",
                )
            )

    def _instance_type(self, itype: str, release: CompiledRelease) -> None:
        from compat.aws.eligibility import check_eligibility
        from compat.aws.report import CheckStatus

        distribution = self.m.compiled["frameworks"][release["framework"]][
            "alternative_distribution"
        ]
        if distribution is None and release["base_framework"]:
            distribution = self.m.compiled["frameworks"][release["base_framework"]][
                "alternative_distribution"
            ]
        check = check_eligibility(release, itype, 2, distribution=distribution)
        if check.status is not CheckStatus.PASS:
            fix = "; or ".join(a.text for a in check.alternatives) or check.remedy
            self.out.append(
                finding(
                    "SMDDP003",
                    f"with {self._name(release)}: {check.message}",
                    self.at("instance_type"),
                    fix,
                    self._instance_sources(itype),
                )
            )
            self.v.no_smddp_reason = check.message

    def _instance_type_in_any_release(self, itype: str) -> None:
        """Without a release (its version has no smddp, or is unknown), an instance type
        is judged against every release of the framework: it is reported only where no
        release runs smddp on it, whichever version the user settles on."""
        from packaging.version import Version

        from compat.aws.eligibility import check_eligibility
        from compat.aws.report import CheckStatus

        frameworks = [self.framework] if self.framework else list(self.m.compiled["releases"])
        releases = [r for fw in frameworks for r in self.m.releases(fw)]
        checks = [(Version(r["smddp"]), check_eligibility(r, itype, 2)) for r in releases]
        if not checks or any(c.status is CheckStatus.PASS for _, c in checks):
            return
        _, newest = max(checks, key=lambda vc: vc[0])
        message, fix = newest.message, newest.remedy
        if len({c.message for _, c in checks}) > 1:
            which = " or ".join(self.m.display_name(fw) for fw in frameworks)
            message = (
                f"no {which} release runs smddp on {itype.strip()}, whatever the framework "
                f"version; with the newest smddp: {message}"
            )
        self.out.append(
            finding(
                "SMDDP003",
                message,
                self.at("instance_type"),
                fix,
                self._instance_sources(itype),
            )
        )
        self.v.no_smddp_reason = self.v.no_smddp_reason or message

    def _instance_sources(self, itype: str) -> tuple[str, ...]:
        info = self.m.compiled["instance_types"].get(itype.strip())
        if info is None:
            ids = sorted(
                {
                    s
                    for it in self.m.compiled["instance_types"].values()
                    for sup in it["support"]
                    for s in sup["sources"]
                }
            )
            return facts.sources(self.m, ids)
        return facts.sources(self.m, sorted({s for sup in info["support"] for s in sup["sources"]}))

    # -- image ---------------------------------------------------------------
    def _image(self, image: ImageRef, release: CompiledRelease | None, name: str) -> None:
        """The image's registry (region, partition, account), and where the launcher's
        release is known, whether the image is that release's."""
        accounts = facts.dlc_accounts(self.m)
        if image.ecr and image.account is not None and image.account not in accounts:
            return  # the user's own registry: a custom image the matrix cannot judge
        problems = self._registry_problems(image)
        src: tuple[str, ...] = ()
        if release is not None:
            problems += self._release_image_problems(image, release)
            src = facts.sources(self.m, release["sources"])
        for message, fix in problems:
            self.out.append(finding("SMDDP005", f"{name}: {message}", self.at(name), fix, src))

    def _registry_problems(self, image: ImageRef) -> list[tuple[str, str]]:
        problems: list[tuple[str, str]] = []
        if image.region is not None:
            region = self.m.compiled["regions"].get(image.region)
            if region is None:
                problems.append(
                    (
                        f"{image.region} is not a region with DLC images",
                        "use a region that 'smddp-compat regions' lists",
                    )
                )
            else:
                if image.dns_suffix is not None and image.dns_suffix != region["dns_suffix"]:
                    problems.append(
                        (
                            f"the registry host ends in {image.dns_suffix}, but {image.region} "
                            f"is in partition {region['partition']} ({region['dns_suffix']})",
                            f"use {image.account}.dkr.ecr.{image.region}.{region['dns_suffix']}",
                        )
                    )
                smp = self.m.compiled["smp"]
                expected = (
                    smp["account"] if image.repository == smp["repository"] else region["account"]
                )
                if image.account is not None and image.account != expected:
                    problems.append(
                        (
                            f"account {image.account} does not host the DLC images of "
                            f"{image.region} (its account is {expected})",
                            f"use {expected}.dkr.ecr.{image.region}.{region['dns_suffix']}",
                        )
                    )
        return problems

    def _release_image_problems(
        self, image: ImageRef, release: CompiledRelease
    ) -> list[tuple[str, str]]:
        problems: list[tuple[str, str]] = []
        if (
            image.region is not None
            and image.region in self.m.compiled["regions"]
            and not self.m.in_region_set(release["region_set"], image.region)
        ):
            problems.append(
                (
                    f"{self._name(release)} images are not published in {image.region}",
                    "use a region where it is: smddp-compat resolve --framework "
                    f"{release['framework']} --version {release['version']} --region R",
                )
            )
        repo_fw = facts.repositories(self.m).get(image.repository)
        wanted_fw = release["framework"]
        if repo_fw is None:
            problems.append(
                (
                    f"{image.repository} is not a repository with smddp images",
                    f"use {release['repository']}:{release['tag']}"
                    if release["tag"]
                    else "use an image that carries smddp",
                )
            )
            self.v.no_smddp_reason = f"the image {image.repository} carries no smddp"
        elif repo_fw != wanted_fw and not (
            repo_fw == "pytorch"
            and release["base_framework"] == "pytorch"
            and wanted_fw != "huggingface"
        ):
            problems.append(
                (
                    f"{image.repository} holds {self.m.display_name(repo_fw)} images, but this "
                    f"launcher runs {self.m.display_name(wanted_fw)}",
                    f"use {release['repository']}:{release['tag']}"
                    if release["tag"]
                    else "use an image of the launcher's framework",
                )
            )
        else:
            tag_version = image.transformers if wanted_fw == "huggingface" else image.version
            if tag_version is not None and _canon(tag_version) != release["version"]:
                problems.append(
                    (
                        f"the image is {self.m.display_name(wanted_fw)} {tag_version}, but "
                        f"the launcher runs {release['version']}",
                        f"use {release['repository']}:{release['tag']}"
                        if release["tag"]
                        else f"set the version to {tag_version}",
                    )
                )
            if (
                image.python is not None
                and release["python"] is not None
                and image.python != release["python"]
            ):
                problems.append(
                    (
                        f"the image tag is for Python {image.python}, but the "
                        f"{self._name(release)} image with smddp has Python {release['python']}",
                        f"use the tag {release['tag']}"
                        if release["tag"]
                        else f"use a py{release['python'].replace('.', '')} tag",
                    )
                )
            if image.device == "cpu":
                problems.append(
                    (
                        "the image is a CPU image; smddp needs a GPU image",
                        f"use the tag {release['tag']}" if release["tag"] else "use a GPU tag",
                    )
                )
            if (
                release["tag"] is None
                and image.repository == release["repository"]
                and tag_version is not None
                and _canon(tag_version) == release["version"]
            ):
                alt = _res_alternatives(getattr(self, "_res", None))
                problems.append(
                    (
                        f"no {image.repository} image carries smddp for {self._name(release)}",
                        "; ".join(a.text for a in alt)
                        or "build an image with the smddp wheel (smddp-compat byoc)",
                    )
                )
        return problems


def _res_alternatives(res: Resolution | None) -> tuple[Any, ...]:
    return () if res is None else res.alternatives


def _canon(version: str) -> str:
    from packaging.version import InvalidVersion, Version

    try:
        return str(Version(version.strip().removeprefix("v")))
    except InvalidVersion:
        return version
