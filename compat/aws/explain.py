"""Read a ResourceLimitExceeded message and say what to ask for.

SageMaker's CreateTrainingJob fails with error code ResourceLimitExceeded
when a quota is too small. The classic text (AWS's smddp page) reads::

    The account-level service limit 'ml.p3dn.24xlarge for training job usage'
    is 0 Instances, with current utilization of 0 Instances and a request
    delta of 1 Instances. Please contact AWS support to request an increase
    for this limit.

Variants name spot or warm-pool quotas or the account-wide ones, show usage
already above the limit, name the resource as ``training-job/{type}`` (older
wording), or end by pointing to Service Quotas (newer). The message may sit
inside a botocore error line or a log excerpt, wrapped over several lines.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from compat.errors import NotFoundError, UsageError

if TYPE_CHECKING:
    from boto3.session import Session

    from compat.aws.clients import Clients
    from compat.aws.quotas import QuotaValue
    from compat.matrix import Matrix

_NUM = r"(\d{1,12}(?:\.\d{1,6})?)(?![\d.]?\d)"
_QUOTE = "'\"\u2018\u2019\u201c\u201d"
# The quota is named in quotes ('ml.p3.2xlarge for training job usage', since about 2018)
# or bare after "for" (2017: "service limit for training-job/ml.p2.xlarge is 0 Instances").
_LIMIT_RE = re.compile(
    r"service\s+limit\s+(?:for\s+)?"
    rf"(?:[{_QUOTE}](?P<quoted>[^{_QUOTE}]{{1,200}})[{_QUOTE}]"
    # A bare name ends where its sentence does: ". " is never inside a quota name.
    rf"|(?P<bare>[a-z0-9](?:[^{_QUOTE},;.]|\.(?!\s)){{0,199}}?))"
    r"\s+(?:is|of)\s+" + _NUM.replace("(", "(?P<limit>", 1),
    re.IGNORECASE,
)
# Usage and delta are read anywhere in the sentence, in either order, with any unit
# ("Instances", "Hyperparameter tuning jobs") or none.
_USAGE_RE = re.compile(
    r"current\s+utilization\s+(?:of|is)\s+" + _NUM.replace("(", "(?P<n>", 1), re.IGNORECASE
)
_DELTA_RE = re.compile(
    r"request\s+delta\s+(?:of|is)\s+" + _NUM.replace("(", "(?P<n>", 1), re.IGNORECASE
)
_SENTENCE_BREAK = re.compile(r"\.\s")
_SENTENCE_END = re.compile(r"\.(?:\s|$)|[\"}]\s*$")
_ESCAPED_QUOTE = re.compile(r"\\+(['\"])")
_TYPE = r"(?P<type>ml\.[a-z0-9-]{1,20}\.[a-z0-9]{1,20})"
_PER_TYPE_RE = re.compile(
    _TYPE + r"\s+for\s+(?P<spot>spot\s+)?training\s+(?P<what>job|warm\s+pool)\s+usage$",
    re.IGNORECASE,
)
_RESOURCE_RE = re.compile(r"^(?P<kind>training-job(?:-spot)?|spot-training-job)/" + _TYPE + "$")
_OPERATION_RE = re.compile(r"when\s+calling\s+the\s+(\w{1,60})\s+operation", re.IGNORECASE)
_REGION_RE = re.compile(
    r"(?<![a-z0-9-])([a-z]{2}(?:-gov|-iso[a-z]?)?-[a-z]{4,9}-\d{1,2})(?![a-z0-9])"
)
_SERVICE_QUOTAS_ENDING = re.compile(r"service\s+quotas", re.IGNORECASE)
_SUPPORT_ENDING = re.compile(r"contact\s+aws\s+support", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Explanation:
    """What a ResourceLimitExceeded message says, and how much to ask for."""

    quota_name: str
    quota_kind: str  # instance | spot-instance | warm-pool | total | per-job | other
    instance_type: str | None
    spot: bool
    region: str | None
    limit: float
    usage: float | None
    request_delta: float | None
    needed: float | None
    shortfall: float | None
    desired_value: int | None
    quota_code: str | None
    operation: str | None
    wording: str  # classic | resource (older "training-job/{type}")
    advice: str | None  # aws-support | service-quotas: where the message points
    command: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "quota_name": self.quota_name,
            "quota_kind": self.quota_kind,
            "quota_code": self.quota_code,
            "instance_type": self.instance_type,
            "spot": self.spot,
            "region": self.region,
            "limit": _plain(self.limit),
            "usage": _plain(self.usage),
            "request_delta": _plain(self.request_delta),
            "needed": _plain(self.needed),
            "shortfall": _plain(self.shortfall),
            "desired_value": self.desired_value,
            "operation": self.operation,
            "wording": self.wording,
            "advice": self.advice,
            "command": self.command,
        }

    def to_text(self) -> str:
        def show(value: float | None) -> str:
            return "unknown" if value is None else str(_plain(value))

        rows = [
            ("quota", self.quota_name + (f" ({self.quota_code})" if self.quota_code else "")),
            ("kind", self.quota_kind),
            ("region", self.region or "not in the message: pass --region"),
            ("limit", show(self.limit)),
            ("current usage", show(self.usage)),
            ("request delta", show(self.request_delta)),
            ("needed", show(self.needed)),
            ("short by", show(self.shortfall)),
            (
                "ask for",
                "choose a value" if self.desired_value is None else str(self.desired_value),
            ),
        ]
        lines = [f"{k:<14} {v}" for k, v in rows]
        lines.append(f"{'command':<14} {self.command}")
        return "\n".join(lines)


def _plain(value: float | None) -> float | int | None:
    if value is None:
        return None
    return int(value) if float(value).is_integer() else value


def _number(text: str | None) -> float | None:
    return None if text is None else float(text)


def explain(
    message: str, *, region: str | None = None, matrix: Matrix | None = None
) -> Explanation:
    """Explain a ResourceLimitExceeded message (or an error line or log containing one).

    ``region`` overrides a region found in the text. Raises
    :class:`~compat.errors.NotFoundError` when the text holds no quota message.
    """
    from compat.arguments import require_text

    require_text("message", message, "The account-level service limit ...")
    require_text("region", region, "us-west-2", optional=True)
    if not message.strip():  # nothing was passed: a usage problem, not "no quota found"
        raise UsageError(
            "the error message to explain is empty",
            hint="pass the ResourceLimitExceeded error as SageMaker printed it (quote it), "
            "or pipe it in",
        )
    text = _normalized(message)
    found = _LIMIT_RE.search(text)
    if found is None:
        raise _unreadable(text)
    name = (found["quoted"] or found["bare"]).strip()
    if _SENTENCE_BREAK.search(name):
        # "'training-job/ml.p3.16xlarge. Current limit' is 0": no quota is called that.
        raise _unreadable(text)
    limit = float(found["limit"])
    start = max(text.rfind(". ", 0, found.start()) + 1, 0)
    end_match = _SENTENCE_END.search(text, found.end())
    sentence = text[start : end_match.start() if end_match else len(text)]
    usage_match = _USAGE_RE.search(sentence)
    delta_match = _DELTA_RE.search(sentence)
    usage = _number(usage_match["n"] if usage_match else None)
    delta = _number(delta_match["n"] if delta_match else None)
    m = _load(matrix)
    kind, instance_type, spot, wording, canonical = _classify(name, m)
    if kind == "per-job":
        needed = delta
    elif delta is not None:
        needed = (usage or 0.0) + delta
    else:
        needed = None
    shortfall = None if needed is None else max(0.0, needed - limit)
    desired = None if needed is None else max(math.ceil(needed), math.floor(limit) + 1)
    if region is not None and m is not None:
        region = m.region(region)["name"]  # an unknown region is an error, not a command
    where = region or _find_region(text, m)
    code = _code_of(canonical, m)
    op = _OPERATION_RE.search(text)
    tail = text[found.end() :]
    advice = (
        "service-quotas"
        if _SERVICE_QUOTAS_ENDING.search(tail)
        else "aws-support"
        if _SUPPORT_ENDING.search(tail)
        else None
    )
    return Explanation(
        quota_name=canonical,
        quota_kind=kind,
        instance_type=instance_type,
        spot=spot,
        region=where,
        limit=limit,
        usage=usage,
        request_delta=delta,
        needed=needed,
        shortfall=shortfall,
        desired_value=desired,
        quota_code=code,
        operation=None if op is None else op.group(1),
        wording=wording,
        advice=advice,
        command=_command(
            kind=kind,
            name=canonical,
            instance_type=instance_type,
            spot=spot,
            region=where,
            desired=desired,
        ),
    )


def _normalized(message: str) -> str:
    """One line, with quotes that a JSON log or a web page escaped turned back into quotes."""
    import html

    text = html.unescape(message) if "&" in message else message
    return " ".join(_ESCAPED_QUOTE.sub(r"\1", text).split())


def _unreadable(text: str) -> NotFoundError:
    """The error for text without a quota message; never "none found" for a real one."""
    example = (
        'pass the whole error, such as "The account-level service limit '
        "'ml.p4d.24xlarge for training job usage' is 0 Instances, with current "
        'utilization of 0 Instances and a request delta of 1 Instances"'
    )
    if "resourcelimitexceeded" in text.lower() or "service limit" in text.lower():
        return NotFoundError(
            "this looks like a ResourceLimitExceeded error, but it names no quota and limit in a "
            "wording this tool can read",
            hint="see the quotas and what the account uses with 'smddp-compat quota show "
            "--region REGION'; to have it explained, " + example,
        )
    return NotFoundError("no ResourceLimitExceeded quota message found in the text", hint=example)


def _load(matrix: Matrix | None) -> Matrix | None:
    if matrix is not None:
        return matrix
    from compat.matrix import default_matrix

    return default_matrix()


def _classify(name: str, m: Matrix | None) -> tuple[str, str | None, bool, str, str]:
    """(kind, instance type, spot, wording, canonical quota name) of a quota name."""
    quotas = m.compiled["quotas"] if m is not None else None
    formats = {
        "on_demand": quotas["on_demand"] if quotas else "{instance_type} for training job usage",
        "spot": quotas["spot"] if quotas else "{instance_type} for spot training job usage",
        "warm_pool": quotas["warm_pool"]
        if quotas
        else "{instance_type} for training warm pool usage",
    }
    per_type = _PER_TYPE_RE.match(name)
    if per_type is not None:
        itype = per_type["type"].lower()
        if per_type["what"].lower().startswith("warm"):
            return (
                "warm-pool",
                itype,
                False,
                "classic",
                formats["warm_pool"].format(instance_type=itype),
            )
        spot = per_type["spot"] is not None
        canonical = formats["spot" if spot else "on_demand"].format(instance_type=itype)
        return ("spot-instance" if spot else "instance"), itype, spot, "classic", canonical
    resource = _RESOURCE_RE.match(name)
    if resource is not None:
        itype = resource["type"].lower()
        spot = "spot" in resource["kind"]
        canonical = formats["spot" if spot else "on_demand"].format(instance_type=itype)
        return ("spot-instance" if spot else "instance"), itype, spot, "resource", canonical
    for entry in quotas["account_wide"] if quotas else []:
        if entry["name"].lower() == name.lower():
            per_job = entry["name"].lower().startswith("maximum number of instances per")
            return (
                "per-job" if per_job else "total",
                None,
                bool(entry.get("spot")),
                "classic",
                entry["name"],
            )
    return "other", None, False, "classic", name


def _find_region(text: str, m: Matrix | None) -> str | None:
    known = m.compiled["regions"] if m is not None else {}
    for found in _REGION_RE.finditer(text.lower()):
        if found.group(1) in known:
            return found.group(1)
    return None


def _code_of(name: str, m: Matrix | None) -> str | None:
    if m is None:
        return None
    from compat.aws.quota_codes import known_codes

    return known_codes(m).get(name)


def _command(
    *,
    kind: str,
    name: str,
    instance_type: str | None,
    spot: bool,
    region: str | None,
    desired: int | None,
) -> str:
    where = region or "REGION"
    want = "N" if desired is None else str(desired)
    if kind in ("instance", "spot-instance") and instance_type is not None:
        return (
            f"smddp-compat quota request --instance-type {instance_type} --region {where} "
            f"--desired {want}" + (" --spot" if spot else "")
        )
    return (
        f"smddp-compat quota request --quota-name {_quote(name)} --region {where} --desired {want}"
    )


def _quote(text: str) -> str:
    import shlex

    return shlex.quote(text)


@dataclass(frozen=True, slots=True)
class CheckedExplanation:
    """An explanation and the quota's value now (``explain --check``): raised enough yet?"""

    explanation: Explanation
    current: QuotaValue | None  # None: the region lists no such quota

    @property
    def raised_enough(self) -> bool | None:
        """Whether the value now holds what the job needed (None when that is unknown)."""
        needed = self.explanation.needed
        if self.current is None or needed is None:
            return None
        return self.current.value >= needed

    def verdict(self) -> str:
        e, now = self.explanation, self.current
        if now is None:
            return (
                f"Service Quotas lists no quota '{e.quota_name}' in {e.region}: the instance "
                "type is likely not offered for training there"
            )
        value = _plain(now.value)
        if self.raised_enough is None:
            return f"the quota is {value} now"
        if self.raised_enough:
            return f"raised since: {value} now holds the {_plain(e.needed)} needed; retry the job"
        return f"still short: {value} now, {_plain(e.needed)} needed: {e.command}"

    def to_dict(self) -> dict[str, Any]:
        return {
            **self.explanation.to_dict(),
            "current": None if self.current is None else self.current.to_dict(),
            "raised_enough": self.raised_enough,
            "verdict": self.verdict(),
        }

    def to_text(self) -> str:
        now = self.current
        value = "not listed" if now is None else str(_plain(now.value))
        if now is not None and not now.applied:
            value += " (the default)"
        return "\n".join(
            [
                self.explanation.to_text(),
                f"{'value now':<14} {value}",
                f"{'verdict':<14} {self.verdict()}",
            ]
        )


def check_explanation(
    explanation: Explanation,
    *,
    clients: Clients = None,
    session: Session | None = None,
    matrix: Matrix | None = None,
) -> CheckedExplanation:
    """Read the explained quota's value now, through the quota-code book (one call when
    its code is known): has it been raised since the error?

    Raises :class:`~compat.errors.UsageError` when neither the message nor the caller
    named a region, and :class:`~compat.errors.AwsError` when AWS cannot be asked.
    """
    from compat.aws.clients import SERVICE_QUOTAS, aws_call, client_source
    from compat.aws.quota_codes import book_for, read_quota

    if explanation.region is None:
        raise UsageError(
            "the message names no region, so the quota cannot be read",
            hint="pass --region (the region the job ran in)",
        )
    m = _load(matrix)
    assert m is not None
    region = explanation.region
    source = client_source(clients, session)
    with aws_call(f"create the service-quotas client for {region}"):
        sq = source.client(SERVICE_QUOTAS, region)
    book = book_for(m)
    try:
        now = read_quota(
            sq,
            region,
            explanation.quota_name,
            book,
            service_code=m.compiled["quotas"]["service_code"],
        )
    finally:
        book.save()
    return CheckedExplanation(explanation, now)
