"""Quota scan across accounts and regions: ``compat.scan_accounts``.

Every (account, region) pair is one task on a bounded thread pool: the
account's session (an assumed role, :mod:`compat.aws.accounts`) gives its
clients, and the same per-region quota checks as ``preflight`` and ``quota
scan`` judge the request (:func:`compat.aws.checks.quota_checks`), reading
quotas by known code first (:mod:`compat.aws.quota_codes`). A failure in one
account or region (AssumeRole denied, a region not enabled, a timeout,
throttling after retries) becomes that row's ``error`` and the rest go on.

What a real organisation needs besides: each account is asked once which
regions it has enabled (the Account API's ``ListRegions``, else EC2
``DescribeRegions``), and a region it has not opted in to is a ``skipped``
row, never an error; suspended accounts of the organization are ``skipped``
rows too. A transient AssumeRole failure is retried on the account's next
region. Clients use botocore's adaptive retry mode, and every call of one
account passes through a token bucket (``rate_per_account`` calls a second)
so that many workers on one account do not throttle it.
Rows are handed to ``on_row`` as they complete (the CLI streams JSON Lines),
and a KeyboardInterrupt stops the scan with the rows gathered so far.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any, cast

from compat.aws.accounts import (
    HOME_REGIONS,
    AccountTarget,
    AssumedSessions,
    AssumeRoleSettings,
    is_transient,
    partition_of_arn,
)
from compat.aws.checks import (
    INSTANCE_QUOTA,
    TOTAL_QUOTA,
    error_check,
    quota_checks,
    quota_specs,
)
from compat.aws.checks import judge as judge_quota
from compat.aws.clients import (
    CONNECT_TIMEOUT,
    MAX_ATTEMPTS,
    READ_TIMEOUT,
    SAGEMAKER,
    SERVICE_QUOTAS,
    aws_call,
)
from compat.aws.eligibility import instance_type_name
from compat.aws.report import Check, CheckStatus
from compat.aws.scan import DEFAULT_WORKERS, verdict_of
from compat.aws.usage import JobListing, Usage, count_usage, describe_job, list_jobs
from compat.errors import AwsError, UsageError
from compat.exit_codes import ExitCode

if TYPE_CHECKING:
    from compat.aws.quota_codes import QuotaCodeBook
    from compat.aws.quotas import QuotaValue
    from compat.aws.shards import Shard
    from compat.matrix import Matrix

#: (session, service, region) -> a boto3 client.
ClientFactory = Callable[[Any, str, str], Any]
SessionFactory = Callable[[AccountTarget], Any]
RowCallback = Callable[["AccountRow"], None]
Progress = Callable[[int, int, "AccountRow"], None]

_ORDER = {"fits": 0, "short": 1, "not-offered": 2, "error": 3, "skipped": 4}
#: Calls a second per account, at most (Service Quotas and SageMaker throttle per account).
DEFAULT_RATE_PER_ACCOUNT = 20.0


def _plain(value: float | None) -> float | int | None:
    if value is None:
        return None
    return int(value) if float(value).is_integer() else value


@dataclass(frozen=True, slots=True)
class AccountRow:
    """One account and region: the verdict and the binding quota's numbers.

    ``verdict`` is ``fits``, ``short``, ``not-offered``, ``error`` or
    ``skipped`` (a region the account has not enabled, a suspended account); the
    quota fields name the quota with the least headroom (the per-type or the
    total; for a short row, the quota that is short, the per-job one too),
    None where nothing was read.
    """

    account_id: str | None  # None: the caller's own account (single-account scan)
    region: str
    verdict: str
    message: str
    alias: str | None = None
    account_name: str | None = None
    quota_name: str | None = None
    limit: float | None = None
    usage: float | None = None
    headroom: float | None = None
    checks: tuple[Check, ...] = ()
    #: The checks as JSON, for a row read back from a shard's output (``checks`` is then empty).
    check_dicts: tuple[dict[str, Any], ...] | None = None

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> AccountRow:
        """A row from its :meth:`to_dict` (a shard's JSON line)."""
        return cls(
            account_id=data.get("account_id"),
            region=str(data["region"]),
            verdict=str(data["verdict"]),
            message=str(data.get("message", "")),
            alias=data.get("alias"),
            account_name=data.get("account_name"),
            quota_name=data.get("quota_name"),
            limit=data.get("limit"),
            usage=data.get("usage"),
            headroom=data.get("headroom"),
            check_dicts=tuple(data.get("checks") or ()),
        )

    def to_dict(self) -> dict[str, Any]:
        checks = (
            list(self.check_dicts)
            if self.check_dicts is not None
            else [c.to_dict() for c in self.checks]
        )
        return {
            "account_id": self.account_id,
            "alias": self.alias,
            "account_name": self.account_name,
            "region": self.region,
            "verdict": self.verdict,
            "quota_name": self.quota_name,
            "limit": _plain(self.limit),
            "usage": _plain(self.usage),
            "headroom": _plain(self.headroom),
            "message": self.message,
            "checks": checks,
        }

    def sort_key(self) -> tuple[int, float, str, str]:
        return (_ORDER[self.verdict], -(self.headroom or 0.0), self.account_id or "", self.region)


def scan_exit_code(verdicts: Sequence[str], *, interrupted: bool = False) -> ExitCode:
    """The exit code of a scan's rows, the same for one account or many.

    0 when a row fits; 130 when interrupted before one did; 6 when some row
    could not be read (or nothing was scanned); 4 when every row read says the
    type is not offered (as single-account preflight answers a type the
    region lacks); 5 otherwise (short). Skipped rows (regions not enabled,
    suspended accounts) count as neither read nor failed.
    """
    if "fits" in verdicts:
        return ExitCode.OK
    if interrupted:
        return ExitCode.INTERRUPTED
    if "error" in verdicts or not verdicts:
        return ExitCode.AWS
    read = [v for v in verdicts if v != "skipped"]
    if read and all(v == "not-offered" for v in read):
        return ExitCode.NOT_ELIGIBLE
    return ExitCode.QUOTA


def row_of(
    target: AccountTarget | None, alias: str | None, region: str, checks: list[Check]
) -> AccountRow:
    """An account-region row from its quota checks (as ``quota scan`` judges a region)."""
    verdict = verdict_of(region, checks)
    binding = [
        c
        for c in checks
        if c.name in (INSTANCE_QUOTA, TOTAL_QUOTA)
        and c.headroom is not None
        and c.status is not CheckStatus.ERROR
    ]
    failing = [c for c in checks if c.status is CheckStatus.FAIL and c.headroom is not None]
    pool = failing or binding  # a short row names the quota that makes it short (per-job too)
    worst = min(pool, key=lambda c: c.headroom or 0.0) if pool else None
    return AccountRow(
        account_id=target.account_id if target is not None else None,
        alias=alias,
        account_name=target.name if target is not None else None,
        region=region,
        verdict=verdict.verdict,
        message=verdict.message,
        quota_name=worst.quota_name if worst else None,
        limit=worst.limit if worst else None,
        usage=worst.usage if worst else None,
        headroom=worst.headroom if worst and verdict.verdict in ("fits", "short") else None,
        checks=tuple(checks),
    )


@dataclass(frozen=True, slots=True)
class AccountScan:
    """Every account-region row, sorted: those that fit (most headroom first), then the rest."""

    instance_type: str
    count: int
    spot: bool
    rows: tuple[AccountRow, ...]
    accounts: int
    regions: int
    interrupted: bool = False
    #: What was scanned (the counts above are their lengths).
    account_ids: tuple[str, ...] = ()
    region_names: tuple[str, ...] = ()

    @property
    def fits(self) -> tuple[AccountRow, ...]:
        return tuple(r for r in self.rows if r.verdict == "fits")

    @property
    def unread(self) -> tuple[AccountRow, ...]:
        return tuple(r for r in self.rows if r.verdict == "error")

    @property
    def skipped(self) -> tuple[AccountRow, ...]:
        return tuple(r for r in self.rows if r.verdict == "skipped")

    def counts(self) -> str:
        """How many rows have each verdict, such as ``3 fit, 1 short, 2 could not be read``."""
        words = {"fits": "fit", "short": "short", "not-offered": "not offered",
                 "error": "could not be read", "skipped": "skipped"}  # fmt: skip
        found = [(words[v], sum(r.verdict == v for r in self.rows)) for v in _ORDER]
        return ", ".join(f"{n} {w}" for w, n in found if n)

    @property
    def exit_code(self) -> ExitCode:
        """The exit code of the scan, by :func:`scan_exit_code`."""
        return scan_exit_code([r.verdict for r in self.rows], interrupted=self.interrupted)

    def to_dict(self, kind: str = "quota-scan", **release: Any) -> dict[str, Any]:
        """The one scan shape (:mod:`compat.aws.scan_report`); ``release`` for preflight."""
        from compat.aws.scan_report import report_dict

        rows = [r.to_dict() for r in self.rows]  # each row rendered once; fits are among them
        return report_dict(
            kind=kind,
            instance_type=self.instance_type,
            count=self.count,
            spot=self.spot,
            accounts=list(self.account_ids),
            regions=list(self.region_names),
            checked=len(self.rows),
            interrupted=self.interrupted,
            exit_code=int(self.exit_code),
            counts={v: n for v in _ORDER if (n := sum(r.verdict == v for r in self.rows))},
            fits=[r for r in rows if r["verdict"] == "fits"],
            rows=rows,
            **release,
        )

    def to_text(self) -> str:
        what = f"{self.count} x {self.instance_type}" + (" (spot)" if self.spot else "")
        total = self.accounts * self.regions
        head = (
            f"room for {what}: {len(self.fits)} of {len(self.rows)} account-regions "
            f"({self.accounts} accounts x {self.regions} regions: {self.counts() or 'none'})"
        )
        if self.interrupted:
            head += f"; interrupted after {len(self.rows)} of {total}"
        return "\n".join([head, *table_lines(self.rows)])


_LABEL = {"fits": "OK", "short": "SHORT", "not-offered": "NONE", "error": "ERROR",
          "skipped": "SKIP"}  # fmt: skip


def table_lines(rows: Sequence[AccountRow]) -> list[str]:
    """Rows as aligned columns; an error row's message stands in for the numbers."""
    if not rows:
        return []
    cells = [
        [
            _LABEL[r.verdict],
            r.account_id or "-",
            r.alias or r.account_name or "-",
            r.region,
            r.quota_name or "-",
            _cell(r.limit),
            _cell(r.usage),
            _cell(r.headroom),
        ]
        for r in rows
    ]
    header = ["", "ACCOUNT", "ALIAS/NAME", "REGION", "QUOTA", "LIMIT", "USAGE", "HEADROOM"]
    widths = [max(len(c[i]) for c in [header, *cells]) for i in range(len(header))]
    right = {5, 6, 7}

    def line(values: list[str]) -> str:
        parts = [
            v.rjust(w) if i in right else v.ljust(w)
            for i, (v, w) in enumerate(zip(values, widths[: len(values)], strict=True))
        ]
        return "  ".join(parts).rstrip()

    out = [line(header)]
    for row, values in zip(rows, cells, strict=True):
        if row.verdict in ("error", "not-offered", "skipped"):
            out.append(line(values[:4]) + "  " + row.message)
        else:
            out.append(line(values))
    return out


def _cell(value: float | None) -> str:
    plain = _plain(value)
    return "-" if plain is None else str(plain)


def default_client_factory(
    connect_timeout: float = CONNECT_TIMEOUT,
    read_timeout: float = READ_TIMEOUT,
    max_attempts: int = MAX_ATTEMPTS,
) -> ClientFactory:
    """Clients with botocore's adaptive retries and per-call timeouts.

    Adaptive mode backs off on throttling and, once throttled, holds the
    client's own send rate down (a client-side token bucket that botocore
    fills by measured throughput).
    """

    def create(session: Any, service: str, region: str) -> Any:
        from botocore.config import Config

        config = Config(
            retries={"mode": "adaptive", "max_attempts": max_attempts},
            connect_timeout=connect_timeout,
            read_timeout=read_timeout,
        )
        return session.client(service, region_name=region, config=config)

    return create


class RateLimit:
    """A token bucket: at most ``rate`` calls a second on average, bursts of ``burst``.

    Shared by every client of one account (its ``before-send`` hook, so
    retries count too). ``clock`` and ``sleep`` are injectable for tests.
    """

    def __init__(
        self,
        rate: float,
        burst: float | None = None,
        *,
        clock: Callable[[], float] | None = None,
        sleep: Callable[[float], None] | None = None,
    ) -> None:
        import time

        if rate <= 0:
            raise UsageError(f"the rate per account must be above 0, not {rate}")
        self.rate = rate
        self.burst = burst if burst is not None else max(1.0, rate)
        self._clock = clock or time.monotonic
        self._sleep = sleep or time.sleep
        self._tokens = self.burst
        self._stamp = self._clock()
        self._lock = threading.Lock()
        #: Calls that passed (tests and the benchmark read it).
        self.passed = 0

    def acquire(self) -> None:
        """Wait for a token."""
        with self._lock:
            now = self._clock()
            self._tokens = min(self.burst, self._tokens + (now - self._stamp) * self.rate)
            self._stamp = now
            self._tokens -= 1.0
            wait_for = -self._tokens / self.rate if self._tokens < 0 else 0.0
            self.passed += 1
        if wait_for > 0:
            self._sleep(wait_for)

    def hook(self, **_: Any) -> None:
        """A botocore ``before-send`` handler: wait for a token, send nothing itself."""
        self.acquire()

    def attach(self, client: Any) -> Any:
        """Make ``client``'s requests pass through this bucket; returns ``client``."""
        events = getattr(getattr(client, "meta", None), "events", None)
        if events is not None:
            events.register("before-send", self.hook)
        return client


class _Caller(threading.local):
    """The account whose task this thread runs: its credentials and its rate limit."""

    credentials: Any = None
    limit: RateLimit | None = None


_CALLER = _Caller()


class _CallerCredentials:
    """Credentials that are the current thread's account's (botocore signs each request)."""

    method = "smddp-compat-account"

    def get_frozen_credentials(self) -> Any:
        credentials = _CALLER.credentials
        if credentials is None:
            raise AwsError("no account credentials were set for this call")
        return credentials.get_frozen_credentials()

    @property
    def access_key(self) -> str:
        return str(self.get_frozen_credentials().access_key)

    @property
    def secret_key(self) -> str:
        return str(self.get_frozen_credentials().secret_key)

    @property
    def token(self) -> str | None:
        token = self.get_frozen_credentials().token
        return None if token is None else str(token)


class SharedClients:
    """One botocore client per (service, region) for every account of a scan.

    A client costs far more CPU to create than a call (its service model,
    endpoint rules, event hooks and connection pool), and a scan reads each
    account-region with a handful of calls; so the clients are shared and
    each request is signed with the credentials of the account whose task
    the thread runs (set by the scan before its calls; the account's
    refreshable credentials, renewed by botocore). The account's rate limit
    is applied the same way.

    One botocore session and loader serve all: ``session`` (the caller's
    boto3 or botocore session, or a function that gives it when first
    needed), whose loader has already parsed what the caller's own clients
    (Organizations, STS) needed; without one, a session of ``profile``. Each
    service model is parsed once in the process. ``created`` counts the
    clients made (tests read it).
    """

    def __init__(
        self,
        connect_timeout: float = CONNECT_TIMEOUT,
        read_timeout: float = READ_TIMEOUT,
        max_attempts: int = MAX_ATTEMPTS,
        *,
        profile: str | None = None,
        session: Any = None,
        on_client: Callable[[Any], Any] | None = None,
    ) -> None:
        self._config = (connect_timeout, read_timeout, max_attempts)
        self._profile = profile
        self._on_client = on_client
        self._given = session
        self._session: Any = None
        self._clients: dict[tuple[str, str], Any] = {}
        self._lock = threading.Lock()
        self.created = 0

    def client(self, service: str, region: str) -> Any:
        with self._lock:
            found = self._clients.get((service, region))
            if found is None:
                found = self._create(service, region)
                self._clients[(service, region)] = found
            return found

    def botocore_session(self) -> Any:
        """The botocore session every shared client comes from (made on first use)."""
        if self._session is None:
            import botocore.session

            from compat.aws.accounts import regional_sts_endpoints

            given = self._given() if callable(self._given) else self._given
            if given is None:
                # The profile's settings (endpoint, retries) apply; its credentials are not used.
                given = botocore.session.Session(profile=self._profile)
            self._session = getattr(given, "_session", given)  # a boto3 session's botocore one
            regional_sts_endpoints(self._session)
        return self._session

    def _create(self, service: str, region: str) -> Any:
        from botocore.config import Config

        session = self.botocore_session()
        connect, read, attempts = self._config
        config = Config(
            retries={"mode": "adaptive", "max_attempts": attempts},
            connect_timeout=connect,
            read_timeout=read,
        )
        with aws_call(f"create the {service} client in {region}"):
            client = session.create_client(
                service,
                region_name=region,
                config=config,
                aws_access_key_id="unused",  # each request is signed as its account's
                aws_secret_access_key="unused",
            )
        self.created += 1
        client._request_signer._credentials = _CallerCredentials()
        client.meta.events.register("before-send", _limit_caller)
        return self._on_client(client) if self._on_client is not None else client


def _limit_caller(**_: Any) -> None:
    """``before-send`` of a shared client: the calling account's rate limit."""
    limit = _CALLER.limit
    if limit is not None:
        limit.acquire()


class _AccountClients:
    """The client source of one account: its session's clients, once per (service, region).

    With :class:`SharedClients` the clients are the scan's, and fetching one
    makes this thread's requests this account's (credentials, rate limit).
    """

    def __init__(
        self, session: Any, factory: ClientFactory | SharedClients, limit: RateLimit | None
    ) -> None:
        self._session = session
        self._factory = factory
        self._limit = limit
        self._clients: dict[tuple[str, str], Any] = {}
        self._lock = threading.Lock()
        self._credentials: Any = None
        if isinstance(factory, SharedClients):
            get = getattr(session, "get_credentials", None)
            self._credentials = get() if get is not None else None

    def _act(self) -> None:
        _CALLER.credentials = self._credentials
        _CALLER.limit = self._limit

    def _make(self, service: str, region: str) -> Any:
        if isinstance(self._factory, SharedClients):
            self._act()
            return self._factory.client(service, region)
        with aws_call(f"create the {service} client in {region}"):
            made = self._factory(self._session, service, region)
        return self._limit.attach(made) if self._limit is not None else made

    def client(self, service: str, region: str) -> Any:
        if isinstance(self._factory, SharedClients):
            return self._make(service, region)
        with self._lock:
            found = self._clients.get((service, region))
            if found is None:
                found = self._make(service, region)
                self._clients[(service, region)] = found
            return found

    def uncached(self, service: str, region: str) -> Any:
        """A client used once and dropped (the account's IAM alias, its enabled regions)."""
        return self._make(service, region)

    def release(self, region: str) -> None:
        """Drop the clients of ``region`` once its row is done.

        A client holds its own endpoint, event hooks and connection pool; kept
        for every account-region of a large scan they cost gigabytes, so only
        the cells being read hold clients.
        """
        with self._lock:
            for key in [k for k in self._clients if k[1] == region]:
                del self._clients[key]


@dataclass(frozen=True, slots=True)
class _Account:
    """What is known of one account: its clients (or why there are none), alias, regions."""

    clients: _AccountClients | AwsError
    alias: str | None = None
    #: The regions the account has enabled; None when it could not be asked.
    enabled: frozenset[str] | None = None


def enabled_regions(clients: Any, home: str) -> frozenset[str] | None:
    """The regions an account has enabled, or None when neither API would say.

    The Account API's ``ListRegions`` (``account:ListRegions``) is asked
    first, then EC2 ``DescribeRegions`` (``ec2:DescribeRegions``, which lists
    only enabled regions unless ``AllRegions`` is set), both in the
    partition's ``home`` region, which every account has enabled.
    """
    try:
        with aws_call(f"call ListRegions (AWS Account API) in {home}"):
            found: set[str] = set()
            pages = clients.uncached("account", home).get_paginator("list_regions")
            for page in pages.paginate(RegionOptStatusContains=["ENABLED", "ENABLED_BY_DEFAULT"]):
                found |= {str(r["RegionName"]) for r in page.get("Regions", [])}
            if found:
                return frozenset(found)
    except AwsError:
        pass
    try:
        with aws_call(f"call DescribeRegions (EC2) in {home}"):
            answer = clients.uncached("ec2", home).describe_regions(AllRegions=False)
        names = frozenset(str(r["RegionName"]) for r in answer.get("Regions", []))
        return names or None
    except AwsError:
        return None


class _Accounts:
    """Per account, once: its clients (or the AwsError that prevents them), alias, regions.

    A transient failure to open the account (throttled or timed-out
    AssumeRole) is not kept: the account's next region tries again.
    """

    def __init__(
        self,
        sessions: SessionFactory,
        factory: ClientFactory | SharedClients,
        *,
        read_aliases: bool,
        home: str = "us-east-1",
        check_regions: bool = True,
        rate_per_account: float | None = DEFAULT_RATE_PER_ACCOUNT,
    ) -> None:
        self._sessions = sessions
        self._factory = factory
        self._read_aliases = read_aliases
        self._home = home
        self._check_regions = check_regions
        self._rate = rate_per_account
        self._lock = threading.Lock()
        self._locks: dict[str, threading.Lock] = {}
        self._done: dict[str, _Account] = {}

    def get(self, target: AccountTarget) -> _Account:
        with self._lock:
            lock = self._locks.setdefault(target.account_id, threading.Lock())
        with lock:
            known = self._done.get(target.account_id)
            if known is None:
                known = self._open(target)
                if not (isinstance(known.clients, AwsError) and is_transient(known.clients)):
                    self._done[target.account_id] = known
            return known

    def _open(self, target: AccountTarget) -> _Account:
        try:
            with aws_call(f"open a session for account {target.account_id}"):
                session = self._sessions(target)
        except AwsError as exc:
            return _Account(exc)
        limit = RateLimit(self._rate) if self._rate else None
        clients = _AccountClients(session, self._factory, limit)
        return _Account(
            clients,
            alias=self._alias(clients) if self._read_aliases else None,
            enabled=enabled_regions(clients, self._home) if self._check_regions else None,
        )

    def _alias(self, clients: _AccountClients) -> str | None:
        """The account alias where IAM lets us read it; None otherwise (never an error)."""
        try:
            with aws_call("call ListAccountAliases"):
                aliases = clients.uncached("iam", self._home).list_account_aliases()
        except AwsError:
            return None
        names = aliases.get("AccountAliases") or []
        return str(names[0]) if names else None


_UNREAD = object()


def _none(*_: Any) -> None:
    """A quota reader that finds nothing (the per-type quota known not to be listed)."""


class _Cell:
    """One account-region on its way through the pool: list jobs, describe each, judge."""

    def __init__(
        self, target: AccountTarget, region: str, clients: _AccountClients, alias: str | None
    ) -> None:
        self.target = target
        self.region = region
        self.clients = clients
        self.alias = alias
        self.listing: JobListing | None = None
        self.descriptions: dict[str, Mapping[str, Any] | None] = {}
        self.failure: AwsError | None = None
        #: The per-type quota as read first (None: not listed), or why it could not be read.
        self.first: object = _UNREAD
        self.left = 0
        self.lock = threading.Lock()


#: What a task gives back: a finished row, or the tasks that continue its account-region.
Step = AccountRow | list[Callable[[], Any]]


def _error_row(target: AccountTarget, region: str, exc: AwsError) -> AccountRow:
    message = exc.message + (f" ({exc.hint})" if exc.hint else "")
    return AccountRow(target.account_id, region, "error", message, account_name=target.name)


def _skipped_row(
    target: AccountTarget, region: str, why: str, alias: str | None = None
) -> AccountRow:
    return AccountRow(
        target.account_id, region, "skipped", why, alias=alias, account_name=target.name
    )


def scan_accounts(
    accounts: Sequence[AccountTarget | str],
    regions: Sequence[str],
    instance_type: str,
    count: int,
    *,
    spot: bool = False,
    workers: int = DEFAULT_WORKERS,
    matrix: Matrix | None = None,
    settings: AssumeRoleSettings | None = None,
    session: Any = None,
    profile: str | None = None,
    session_factory: SessionFactory | None = None,
    client_factory: ClientFactory | SharedClients | None = None,
    code_book: QuotaCodeBook | None = None,
    read_aliases: bool = True,
    check_regions: bool = True,
    rate_per_account: float | None = DEFAULT_RATE_PER_ACCOUNT,
    shard: Shard | None = None,
    on_row: RowCallback | None = None,
    progress: Progress | None = None,
) -> AccountScan:
    """Check every account in every region for room for ``count`` x ``instance_type``.

    ``accounts`` are :class:`AccountTarget` (or role ARNs). Roles are assumed
    from ``session`` (or ``profile``, or the default chain) with ``settings``,
    unless ``session_factory`` (target -> boto3 session) is given;
    ``client_factory`` (session, service, region -> client) replaces how
    clients are made. At most ``workers`` account-regions are read at once.
    ``on_row`` gets each row as it completes. Ctrl-C returns the rows so far
    with ``interrupted`` set. ``check_regions`` asks each account which
    regions it has enabled (others are skipped rows); ``rate_per_account``
    bounds each account's calls a second (None: unbounded); ``shard`` reads
    only that shard's slice of the pairs (:mod:`compat.aws.shards`). All regions must
    be in one partition, the partition of the role ARNs. Raises UsageError
    for bad arguments and NotFoundError for a region the matrix does not know.
    """
    from compat.aws.accounts import target_from_arn
    from compat.aws.quota_codes import QuotaCodeBook, codes_file
    from compat.matrix import matrix_or_default

    m = matrix_or_default(matrix)
    whole = isinstance(count, int) and not isinstance(count, bool)  # type: ignore[redundant-expr]
    if not whole or not 1 <= count <= 10_000:
        raise UsageError(f"instance count must be a whole number from 1 to 10000, not {count!r}")
    if not instance_type.strip():
        raise UsageError("instance type is empty", hint="pass one such as ml.p4d.24xlarge")
    if not 1 <= workers <= 64:
        raise UsageError(f"workers must be 1 to 64, not {workers}")
    targets = [target_from_arn(a) if isinstance(a, str) else a for a in accounts]
    targets = list({t.account_id: t for t in targets}.values())
    wanted = list(dict.fromkeys(m.region(r)["name"] for r in regions))
    if not targets or not wanted:
        raise UsageError("nothing to scan: pass at least one account and one region")
    partition = scan_partition(m, wanted, targets)
    assumed = AssumedSessions(session, settings, profile=profile)
    if client_factory is None:
        # One botocore session for the caller's clients and the scan's (one loader).
        client_factory = SharedClients(profile=profile, session=assumed.base_session)
    factory = client_factory
    if session_factory is None:
        # Shared clients need only each account's credentials, not a session of its own.
        shared = isinstance(factory, SharedClients)
        session_factory = assumed.credentials if shared else assumed.session
    book = code_book if code_book is not None else QuotaCodeBook.from_matrix(m, path=codes_file())

    pipeline = _Pipeline(
        m,
        instance_type_name(instance_type),
        count,
        spot,
        _Accounts(
            session_factory,
            factory,
            read_aliases=read_aliases,
            home=HOME_REGIONS.get(partition, "us-east-1"),
            check_regions=check_regions,
            rate_per_account=rate_per_account,
        ),
        book,
    )
    from compat.aws.shards import all_pairs, shard_pairs

    by_id = {t.account_id: t for t in targets}
    pairs = all_pairs(by_id, wanted)
    if shard is not None:
        pairs = shard_pairs(pairs, shard)
    # Region-major order spreads the first calls over accounts (and their rate limits).
    order = sorted(pairs, key=lambda p: (p[1], p[0]))
    try:
        rows, interrupted = _run(
            pipeline, [(by_id[a], r) for a, r in order], workers, on_row, progress
        )
    finally:
        book.save()
    rows.sort(key=AccountRow.sort_key)
    return AccountScan(
        pipeline.instance_type,
        count,
        spot,
        tuple(rows),
        len(targets),
        len(wanted),
        interrupted=interrupted,
        account_ids=tuple(sorted(by_id)),
        region_names=tuple(sorted(wanted)),
    )


def scan_partition(matrix: Matrix, regions: Sequence[str], targets: Sequence[AccountTarget]) -> str:
    """The one partition of ``regions`` and of the targets' role ARNs, or a UsageError.

    One set of credentials works in one partition: aws, aws-cn or aws-us-gov.
    """
    found = {str(matrix.region(r)["partition"]) for r in regions}
    if len(found) != 1:
        raise UsageError(
            f"the regions span partitions ({', '.join(sorted(found))}): one scan reads one",
            hint="scan each partition's regions separately, with that partition's credentials",
        )
    partition = found.pop()
    for t in targets:
        if t.role_arn is not None and partition_of_arn(t.role_arn) != partition:
            raise UsageError(
                f"the role {t.role_arn} is in partition {partition_of_arn(t.role_arn)}, "
                f"the regions in {partition}",
                hint=f"scan regions of {partition_of_arn(t.role_arn)}, "
                "or a role of the regions' partition",
            )
    return partition


class _Pipeline:
    """The tasks of one account-region: list its jobs, describe each, then judge its quotas.

    Describing is a task per job on the same pool, so an account-region with
    many running jobs does not hold one worker for all of them; no task ever
    waits for another (the last description of a cell judges it).
    """

    def __init__(
        self,
        matrix: Matrix,
        instance_type: str,
        count: int,
        spot: bool,
        accounts: _Accounts,
        book: QuotaCodeBook,
    ) -> None:
        self.matrix = matrix
        self.instance_type = instance_type
        self.count = count
        self.spot = spot
        self.accounts = accounts
        self.book = book
        #: The quotas each row reads, the per-type one first.
        self.specs = quota_specs(matrix, instance_type, spot=spot)

    def read(self, client: Any, region: str, name: str, service_code: str) -> QuotaValue | None:
        from compat.aws.quota_codes import read_quota

        return read_quota(client, region, name, self.book, service_code=service_code)

    def reread(
        self, cell: _Cell, client: Any, region: str, name: str, service_code: str
    ) -> QuotaValue | None:
        """The quota ``name``: the per-type one as :meth:`first_quota` read it, others read now."""
        first = cell.first
        if name != self.specs[0].name or first is _UNREAD:
            return self.read(client, region, name, service_code)
        if isinstance(first, AwsError):
            raise first
        return cast("QuotaValue | None", first)

    def start(self, target: AccountTarget, region: str) -> Step:
        if target.skipped is not None:
            return _skipped_row(target, region, f"{target.skipped}: not read")
        account = self.accounts.get(target)
        clients, alias = account.clients, account.alias
        if isinstance(clients, AwsError):
            return _error_row(target, region, clients)
        if account.enabled is not None and region not in account.enabled:
            return _skipped_row(
                target,
                region,
                f"{region} is not enabled for this account (an opt-in region): not read",
                alias,
            )
        cell = _Cell(target, region, clients, alias)
        early = self.first_quota(cell)
        if early is not None:
            return early
        try:
            with aws_call(f"create the clients for {region}"):
                sagemaker = clients.client(SAGEMAKER, region)
            cell.listing = list_jobs(sagemaker, region)
        except AwsError as exc:
            cell.failure = exc
            return self.judge(cell)
        cell.left = len(cell.listing.names)
        if not cell.left:
            return self.judge(cell)
        return [partial(self.describe, cell, name) for name in cell.listing.names]

    def first_quota(self, cell: _Cell) -> AccountRow | None:
        """Read the per-type quota first; the row when it alone decides it, else None.

        A per-type quota of 0 (or none listed: the type is not offered) leaves
        no room whatever the jobs hold or the other quotas allow, and it is the
        common case for large instance types in an organisation's regions: its
        row takes one call, not the job listings and the other two quotas. The
        value read (or the failure) is kept for :meth:`judge` otherwise.
        """
        m, itype, spot, specs = self.matrix, self.instance_type, self.spot, self.specs
        first = specs[0]  # the per-type quota
        try:
            with aws_call(f"create the clients for {cell.region}"):
                sq = cell.clients.client(SERVICE_QUOTAS, cell.region)
            value = self.read(sq, cell.region, first.name, m.compiled["quotas"]["service_code"])
        except AwsError as exc:
            cell.first = exc  # judged with the rest, as a quota that could not be read
            return None
        cell.first = value
        if value is not None and value.value > 0:
            return None
        if value is None:
            checks = quota_checks(cell.clients, m, cell.region, itype, self.count, spot=spot,
                                  reader=_none, usage=Usage(cell.region))[:1]  # fmt: skip
            why = f"not read: {itype} has no '{first.name}' quota in {cell.region}"
        else:
            checks = [judge_quota(first, value, None, self.count, region=cell.region,
                                  instance_type=itype, spot=spot)]  # fmt: skip
            why = (
                f"not read: '{first.name}' is 0 in {cell.region}, so the request cannot fit "
                "there whatever the jobs hold or the other quotas allow"
            )
        checks += [Check(s.check, CheckStatus.SKIPPED, why, quota_name=s.name) for s in specs[1:]]
        cell.clients.release(cell.region)
        return row_of(cell.target, cell.alias, cell.region, checks)

    def describe(self, cell: _Cell, name: str) -> Step:
        found: Mapping[str, Any] | None = None
        failure: AwsError | None = None
        try:
            sagemaker = cell.clients.client(SAGEMAKER, cell.region)
            found = describe_job(sagemaker, cell.region, name)
        except AwsError as exc:
            failure = exc
        with cell.lock:
            cell.descriptions[name] = found
            cell.failure = cell.failure or failure
            cell.left -= 1
            last = cell.left == 0
        return self.judge(cell) if last else []

    def judge(self, cell: _Cell) -> AccountRow:
        m, itype, spot = self.matrix, self.instance_type, self.spot
        if cell.failure is not None or cell.listing is None:
            failure = cell.failure or AwsError("the training jobs could not be listed")
            checks = [
                error_check(s.check, failure, quota_name=s.name)
                for s in quota_specs(m, itype, spot=spot)
            ]
        else:
            usage = count_usage(
                cell.clients.client(SAGEMAKER, cell.region),
                cell.region,
                listing=cell.listing,
                descriptions=cell.descriptions,
            )
            checks = quota_checks(
                cell.clients,
                m,
                cell.region,
                itype,
                self.count,
                spot=spot,
                reader=partial(self.reread, cell),
                usage=usage,
            )
        cell.clients.release(cell.region)
        return row_of(cell.target, cell.alias, cell.region, checks)


def _run(
    pipeline: _Pipeline,
    pairs: Sequence[tuple[AccountTarget, str]],
    workers: int,
    on_row: RowCallback | None,
    progress: Progress | None,
) -> tuple[list[AccountRow], bool]:
    """Every account-region pair through the pool; (rows, interrupted by Ctrl-C).

    Finished tasks arrive on a queue (each future's done-callback puts it
    there), so each costs the loop the same whatever is pending: waiting on
    the pending set instead would visit every pending task on each completion
    (thousands, in a large scan).
    """
    rows: list[AccountRow] = []
    interrupted = False
    total = len(pairs)
    pool = ThreadPoolExecutor(max_workers=max(1, min(workers, total)), thread_name_prefix="scan")
    finished: queue.SimpleQueue[Future[Step]] = queue.SimpleQueue()
    pending: set[Future[Step]] = set()

    def submit(task: Callable[..., Step], *args: Any) -> None:
        future = pool.submit(task, *args)
        pending.add(future)
        future.add_done_callback(finished.put)

    try:
        for target, region in pairs:
            submit(pipeline.start, target, region)
        while pending:
            future = finished.get()
            pending.discard(future)
            step = future.result()
            if isinstance(step, list):  # jobs to describe, on the same pool
                for follow in step:
                    submit(follow)
                continue
            rows.append(step)
            if on_row is not None:
                on_row(step)
            if progress is not None:
                progress(len(rows), total, step)
    except KeyboardInterrupt:
        interrupted = True
    finally:
        for future in pending:
            future.cancel()
        pool.shutdown(wait=not interrupted, cancel_futures=True)
    return rows, interrupted
