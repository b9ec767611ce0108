"""Which AWS accounts to scan, and one assumed-role session per account.

Accounts come from a role ARN (one account), a list of ids with a role name,
a file of ids (one a line, ``#`` comments) or AWS Organizations
(``ListAccounts``, every page, ACTIVE accounts only). Each account is read
through a role assumed with STS ``AssumeRole``; its credentials are
botocore ``RefreshableCredentials``, so a scan that outlives them assumes
the role again instead of failing half way.

Sessions are created once per account, on first use, under a per-account
lock. A definite refusal (access denied, a role that does not exist, an
invalid request) is remembered, so every region of that account reports it
without asking STS again; a transient failure (throttling after retries, a
timeout, an unreachable endpoint) is not: the next region asks again.

Roles are assumed through the regional STS endpoint of their partition
(``sts_regional_endpoints = regional``, whatever the botocore default or the
profile says): the global endpoint's tokens are refused by opt-in regions.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from compat.aws.clients import (
    CONNECT_TIMEOUT,
    MAX_ATTEMPTS,
    READ_TIMEOUT,
    aws_call,
    make_session,
)
from compat.errors import AwsError, AwsNetworkError, AwsThrottledError, UsageError

_ACCOUNT_ID = re.compile(r"^\d{12}$")
_ROLE_ARN = re.compile(r"^arn:(aws[a-z-]*):iam::(\d{12}):role/([\w+=,.@/-]{1,512})$")
_ROLE_NAME = re.compile(r"^[\w+=,.@/-]{1,512}$")
_SESSION_NAME = re.compile(r"^[\w+=,.@-]{2,64}$")
#: STS session length: 15 minutes to 12 hours (the role's maximum may be lower).
MIN_DURATION = 900
MAX_DURATION = 43_200
DEFAULT_DURATION = 3_600
DEFAULT_SESSION_NAME = "smddp-compat-scan"
#: At most this many accounts in one scan (Organizations allows more; a typo should not).
MAX_ACCOUNTS = 10_000


@dataclass(frozen=True, slots=True)
class AccountTarget:
    """One account to scan: its id, the role to assume (None: the caller's own), its name."""

    account_id: str
    role_arn: str | None
    name: str | None = None
    #: Why the account is not read (such as a SUSPENDED account of the organization).
    skipped: str | None = None


@dataclass(frozen=True, slots=True)
class AssumeRoleSettings:
    """How roles are assumed: external id, session name and length in seconds."""

    external_id: str | None = None
    session_name: str = DEFAULT_SESSION_NAME
    duration: int = DEFAULT_DURATION

    def __post_init__(self) -> None:
        if not _SESSION_NAME.match(self.session_name):
            raise UsageError(
                f"session name {self.session_name!r} is not valid for STS",
                hint="use 2 to 64 letters, digits or =,.@_- characters",
            )
        if not MIN_DURATION <= self.duration <= MAX_DURATION:
            raise UsageError(
                f"session duration must be {MIN_DURATION} to {MAX_DURATION} seconds, "
                f"not {self.duration}",
                hint="3600 (one hour) is the default; the role's maximum may be lower",
            )
        if self.external_id is not None:
            check_external_id(self.external_id)


_EXTERNAL_ID = re.compile(r"^[\w+=,.@:/-]{2,1224}$")


def check_external_id(value: str, where: str = "--external-id") -> str:
    """An external id STS accepts (2 to 1224 of letters, digits and ``+=,.@:/-_``)."""
    if not _EXTERNAL_ID.match(value):
        raise UsageError(
            f"{where}: {value!r} is not an external id STS accepts",
            hint="use 2 to 1224 letters, digits or +=,.@:/-_ characters, "
            "such as a random string from 'uuidgen'",
        )
    return value


def account_id(text: str, where: str = "--accounts") -> str:
    """A 12-digit account id, or a UsageError naming ``where`` it came from."""
    value = text.strip()
    if not _ACCOUNT_ID.match(value):
        raise UsageError(
            f"{where}: {value!r} is not an AWS account id",
            hint="an account id is 12 digits, such as 111111111111",
        )
    return value


def target_from_arn(arn: str) -> AccountTarget:
    """The account of ``arn:aws:iam::ACCOUNT:role/NAME``."""
    found = _ROLE_ARN.match(arn.strip())
    if found is None:
        raise UsageError(
            f"--role-arn: {arn!r} is not an IAM role ARN",
            hint="such as arn:aws:iam::111111111111:role/SmddpCompatScan",
        )
    return AccountTarget(found.group(2), arn.strip())


def role_arn(account: str, role_name: str, partition: str = "aws") -> str:
    """The ARN of ``role_name`` (a name or path/name) in ``account``."""
    return f"arn:{partition}:iam::{account}:role/{role_name.strip('/')}"


def read_accounts_file(path: str) -> list[str]:
    """Account ids from a file: one a line, blank lines and ``#`` comments ignored."""
    try:
        with open(path, encoding="utf-8") as fh:
            lines = fh.read(4_000_000).splitlines()
    except FileNotFoundError:
        raise UsageError(f"--accounts-file: {path}: no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"--accounts-file: {path}: cannot be read: {exc}") from None
    ids: list[str] = []
    for number, line in enumerate(lines, start=1):
        text = line.split("#", 1)[0].strip()
        if text:
            ids.append(account_id(text, f"{path}:{number}"))
    if not ids:
        raise UsageError(f"--accounts-file: {path}: lists no account id")
    return ids


def organization_accounts(client: Any) -> list[AccountTarget]:
    """Every account of the organization (``ListAccounts``, every page), by id.

    The role is filled in by :func:`account_targets`. Suspended or closing
    accounts cannot be read: they are kept with ``skipped`` saying why, so
    the scan lists them instead of dropping them silently.
    """
    found: list[AccountTarget] = []
    with aws_call("call ListAccounts in AWS Organizations"):
        for page in client.get_paginator("list_accounts").paginate():
            for account in page.get("Accounts", []):
                state = str(account.get("State") or account.get("Status") or "UNKNOWN")
                skipped = None if state == "ACTIVE" else f"the account is {state}"
                found.append(
                    AccountTarget(str(account["Id"]), None, account.get("Name"), skipped=skipped)
                )
    return sorted(found, key=lambda t: t.account_id)


#: The region of each partition's global services (IAM, Organizations, the Account API).
HOME_REGIONS = {"aws": "us-east-1", "aws-cn": "cn-north-1", "aws-us-gov": "us-gov-west-1"}
#: Where AWS Organizations answers in each partition.
ORGANIZATIONS_REGIONS = {"aws": "us-east-1", "aws-cn": "cn-northwest-1",
                         "aws-us-gov": "us-gov-west-1"}  # fmt: skip


def partition_of_arn(arn: str) -> str:
    """The partition of an ARN (``aws``, ``aws-cn``, ``aws-us-gov``, ...)."""
    return arn.split(":", 2)[1]


def is_transient(exc: AwsError) -> bool:
    """Whether a failure may pass on retry (throttling, timeouts, an unreachable endpoint)."""
    return isinstance(exc, AwsThrottledError | AwsNetworkError)


def account_targets(
    *,
    role_arn_value: str | Sequence[str] | None = None,
    accounts: Iterable[str] = (),
    accounts_file: str | None = None,
    organization: bool = False,
    role_name: str | None = None,
    organizations_client: Callable[[], Any] | None = None,
    partition: str = "aws",
) -> list[AccountTarget]:
    """The accounts a scan reads, from exactly one kind of source, without duplicates.

    ``--role-arn`` (one or several) names accounts and their roles; ``--accounts``,
    ``--accounts-file`` (may be combined) and ``--organization`` need
    ``--role-name``, the role to assume in each. ``organizations_client``
    is called only for ``--organization``.
    """
    listed = [a for a in accounts if a.strip()]
    if role_arn_value:
        if listed or accounts_file or organization or role_name:
            raise UsageError(
                "--role-arn names accounts and their roles: it cannot be combined with "
                "--accounts, --accounts-file, --organization or --role-name",
                hint="pass --role-arn once per account, or --accounts ID,ID --role-name NAME",
            )
        arns = [role_arn_value] if isinstance(role_arn_value, str) else list(role_arn_value)
        found = [target_from_arn(a) for a in arns]
        seen: dict[str, AccountTarget] = {}
        for t in found:
            if t.account_id in seen and seen[t.account_id].role_arn != t.role_arn:
                raise UsageError(
                    f"--role-arn names two roles in account {t.account_id}: "
                    f"{seen[t.account_id].role_arn} and {t.role_arn}",
                    hint="pass one role per account",
                )
            seen.setdefault(t.account_id, t)
        return list(seen.values())
    if not (listed or accounts_file or organization):
        return []
    if organization and (listed or accounts_file):
        raise UsageError(
            "--organization lists the accounts itself: drop --accounts and --accounts-file"
        )
    if not role_name or not _ROLE_NAME.match(role_name.strip()):
        raise UsageError(
            "--role-name is needed with --accounts, --accounts-file and --organization"
            + ("" if not role_name else f" (and {role_name!r} is not a role name)"),
            hint="the role to assume in each account, such as SmddpCompatScan; "
            "'smddp-compat iam-policy --for-scan' prints its policies",
        )
    name = role_name.strip()
    if organization:
        if organizations_client is None:
            raise UsageError("--organization needs an Organizations client")
        targets = organization_accounts(organizations_client())
        if not any(t.skipped is None for t in targets):
            raise UsageError(
                "AWS Organizations lists no ACTIVE account",
                hint="run from the management account or a delegated administrator",
            )
        return [
            AccountTarget(
                t.account_id, role_arn(t.account_id, name, partition), t.name, skipped=t.skipped
            )
            for t in targets
        ]
    ids: list[str] = []
    for item in listed:
        ids += [account_id(part) for part in item.split(",") if part.strip()]
    if accounts_file:
        ids += read_accounts_file(accounts_file)
    unique = list(dict.fromkeys(ids))
    if len(unique) > MAX_ACCOUNTS:
        raise UsageError(f"{len(unique)} accounts is more than {MAX_ACCOUNTS} in one scan")
    return [AccountTarget(a, role_arn(a, name, partition)) for a in unique]


SessionFactory = Callable[[AccountTarget], Any]


@dataclass(frozen=True, slots=True)
class _CredentialsOnly:
    """An account's credentials where a scan needs nothing else of a session."""

    value: Any

    def get_credentials(self) -> Any:
        return self.value


def regional_sts_endpoints(session: Any) -> None:
    """Make ``session``'s STS clients use their region's endpoint, never the global one.

    botocore before 1.36 (boto3 1.28, the oldest this project allows) sends
    us-east-1 STS calls to ``sts.amazonaws.com``, whose session tokens opt-in
    regions refuse unless the account changed its global endpoint setting;
    ``AWS_STS_REGIONAL_ENDPOINTS=legacy`` does the same on any version.
    """
    core = getattr(session, "_session", session)
    setter = getattr(core, "set_config_variable", None)
    if setter is not None:
        setter("sts_regional_endpoints", "regional")


def _error_code(exc: BaseException) -> str | None:
    """The AWS error code behind a translated AwsError (its ``ClientError`` cause), if any."""
    cause = exc.__cause__
    while cause is not None:
        response = getattr(cause, "response", None)
        if isinstance(response, dict):
            return str(response.get("Error", {}).get("Code", "")) or None
        cause = cause.__cause__
    return None


def _assume_hint(exc: AwsError, settings: AssumeRoleSettings) -> str:
    """What to do when AssumeRole failed, by why it failed."""
    if is_transient(exc):
        return (exc.hint or "retry later") + "; the next region of this account tries again"
    if _error_code(exc) == "ValidationError" or _error_code(exc) == "ValidationException":
        return (
            f"STS found the request invalid; if it names DurationSeconds, --session-duration "
            f"{settings.duration} is above the role's maximum session duration (or above "
            "3600, the limit when the caller is itself an assumed role: role chaining); "
            "lower --session-duration"
        )
    return (
        "check the role's trust policy allows the caller (and the external id), "
        "and the caller may call sts:AssumeRole on it; "
        "'smddp-compat iam-policy --for-scan' prints both"
    )


#: Where roles of each partition are assumed, unless a region is given.
STS_REGIONS = HOME_REGIONS


class AssumedSessions:
    """One boto3 session per account, through ``AssumeRole``, refreshed when it expires.

    ``base`` is the caller's session (``--profile`` or the default chain);
    its STS client assumes each role. A target without a role uses ``base``
    itself. Thread-safe; each account's role is assumed once (and again only
    when its credentials near expiry).
    """

    def __init__(
        self,
        base: Any = None,
        settings: AssumeRoleSettings | None = None,
        *,
        profile: str | None = None,
        sts_region: str | None = None,
        max_attempts: int = MAX_ATTEMPTS,
        connect_timeout: float = CONNECT_TIMEOUT,
        read_timeout: float = READ_TIMEOUT,
    ) -> None:
        self._base = base
        self._profile = profile
        self._settings = settings or AssumeRoleSettings()
        self._sts_region = sts_region
        self._config = (max_attempts, connect_timeout, read_timeout)
        self._sts: dict[str, Any] = {}
        self._loader: Any = None
        self._lock = threading.Lock()
        self._per_account: dict[str, threading.Lock] = {}
        self._sessions: dict[str, Any] = {}
        self._failures: dict[str, AwsError] = {}
        #: AssumeRole calls made (the benchmark and tests read it).
        self.assume_calls = 0

    def base_session(self) -> Any:
        """The caller's session (made from the profile on first use)."""
        with self._lock:
            if self._base is None:
                self._base = make_session(self._profile)
            return self._base

    def _sts_client(self, partition: str) -> Any:
        """The STS client for roles in ``partition`` (its own region unless one was given)."""
        base = self.base_session()
        region = self._sts_region or STS_REGIONS.get(partition, "us-east-1")
        with self._lock:
            found = self._sts.get(region)
            if found is None:
                from botocore.config import Config

                attempts, connect, read = self._config
                config = Config(
                    retries={"mode": "adaptive", "max_attempts": attempts},
                    connect_timeout=connect,
                    read_timeout=read,
                )
                regional_sts_endpoints(base)
                with aws_call("create the STS client"):
                    found = base.client("sts", region_name=region, config=config)
                self._sts[region] = found
            return found

    def _assume(self, target: AccountTarget) -> dict[str, Any]:
        assert target.role_arn is not None
        settings = self._settings
        args: dict[str, Any] = {
            "RoleArn": target.role_arn,
            "RoleSessionName": settings.session_name,
            "DurationSeconds": settings.duration,
        }
        if settings.external_id is not None:
            args["ExternalId"] = settings.external_id
        with self._lock:
            self.assume_calls += 1
        try:
            with aws_call(f"assume {target.role_arn} (sts:AssumeRole)"):
                partition = target.role_arn.split(":", 2)[1]
                answer = self._sts_client(partition).assume_role(**args)
        except AwsError as exc:
            raise type(exc)(
                f"account {target.account_id}: {exc.message}", hint=_assume_hint(exc, settings)
            ) from exc
        creds = answer["Credentials"]
        expiry = creds["Expiration"]
        return {
            "access_key": creds["AccessKeyId"],
            "secret_key": creds["SecretAccessKey"],
            "token": creds["SessionToken"],
            "expiry_time": expiry.isoformat() if hasattr(expiry, "isoformat") else str(expiry),
        }

    def credentials(self, target: AccountTarget) -> Any:
        """Only the credentials of ``target``'s account (botocore refreshes them).

        What a scan with shared clients needs: building a boto3 session per
        account would cost more CPU than the account's calls.
        """
        return _CredentialsOnly(self.session(target, light=True).get_credentials())

    def session(self, target: AccountTarget, *, light: bool = False) -> Any:
        """The session of ``target``'s account; raises the AwsError of a failed AssumeRole."""
        if target.role_arn is None:
            return self.base_session()
        with self._lock:
            lock = self._per_account.setdefault(target.account_id, threading.Lock())
        with lock:
            failure = self._failures.get(target.account_id)
            if failure is not None:
                raise failure
            key = target.account_id + ("/credentials" if light else "")
            known = self._sessions.get(key)
            if known is not None:
                return known
            try:
                known = self._open(target, light=light)
            except AwsError as exc:
                if not is_transient(exc):
                    self._failures[target.account_id] = exc
                raise
            self._sessions[key] = known
            return known

    def _open(self, target: AccountTarget, *, light: bool = False) -> Any:
        import boto3
        import botocore.session
        from botocore.credentials import RefreshableCredentials

        credentials = RefreshableCredentials.create_from_metadata(
            metadata=self._assume(target),
            refresh_using=lambda: self._assume(target),
            method="sts-assume-role",
        )
        if light:
            return _CredentialsOnly(credentials)
        core = botocore.session.Session(profile=self._profile)
        # One loader for every account: each would otherwise parse and keep its own copy
        # of the service models (megabytes of JSON per account).
        with self._lock:
            if self._loader is None:
                self._loader = core.get_component("data_loader")
            else:
                core.register_component("data_loader", self._loader)
        core._credentials = credentials  # type: ignore[attr-defined]  # botocore's own pattern
        return boto3.session.Session(botocore_session=core)
