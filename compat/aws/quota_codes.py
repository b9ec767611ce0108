"""Read a quota by name with one call where its code is known, listing only when not.

A quota keeps its code in every account and region, so a scan of many
accounts need not list SageMaker's thousands of quotas (tens of pages) in
each region to find three codes by name. :class:`QuotaCodeBook` knows the
codes the matrix records and those learned before (kept in the cache
directory with an expiry: :class:`compat.aws.answer_cache.AnswerCache`);
:func:`read_quota` asks ``GetServiceQuota`` (or
``GetAWSDefaultServiceQuota`` where nothing was applied) for the code and
accepts the answer only when its ``QuotaName`` is exactly the name asked
for. A name with no code, or whose code answers with another name or not at
all, falls back to the listing (:func:`compat.aws.quotas.find_quota`), and
the code found there is learned.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from compat.aws.answer_cache import AnswerCache
from compat.aws.clients import aws_call
from compat.aws.quotas import QuotaValue, find_quota, quota_value

if TYPE_CHECKING:
    from compat.matrix import Matrix

#: Learned codes are trusted this long (seconds), then looked up again.
DEFAULT_TTL = 7 * 24 * 3600
_FILE = "quota-codes-v1.json"


def known_codes(matrix: Matrix) -> dict[str, str]:
    """Quota name -> code, as the matrix records them (per instance type and account-wide).

    A per-type record without a code (no public source gave one) is left out:
    its code is learned from the listing on first use.
    """
    quotas = matrix.compiled["quotas"]
    known: dict[str, str] = {}
    for entry in quotas.get("known_codes") or []:
        if entry.get("code"):
            known[str(entry["name"])] = str(entry["code"])
    for wide in quotas.get("account_wide") or []:
        if wide.get("code"):
            known[str(wide["name"])] = str(wide["code"])
    return known


def codes_file() -> str | None:
    """Where learned codes are kept: the matrix cache directory (None when caching is off)."""
    import os

    from compat.matrix.store import cache_dir

    directory = cache_dir()
    return None if directory is None else os.path.join(directory, _FILE)


class LearnedCodes(AnswerCache[str]):
    """Quota name -> the code AWS confirmed for it, in ``{"codes": {name: {"code",
    "learned_at"}}}``."""

    def __init__(
        self, path: str | None, *, ttl: float = DEFAULT_TTL, clock: Callable[[], float] = time.time
    ) -> None:
        super().__init__(path, section="codes", stamp="learned_at", ttl=ttl, clock=clock)

    def encode(self, value: str) -> dict[str, Any]:
        return {"code": value}

    def decode(self, fields: Mapping[str, Any]) -> str | None:
        code = fields.get("code")
        return code if isinstance(code, str) and code else None


class QuotaCodeBook:
    """Quota name -> code: the matrix's codes, then learned ones that have not expired.

    Thread-safe. ``path`` None keeps learned codes for the process only.
    """

    def __init__(
        self,
        known: Mapping[str, str] | None = None,
        *,
        path: str | None = None,
        ttl: float = DEFAULT_TTL,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._known = dict(known or {})
        self._learned = LearnedCodes(path, ttl=ttl, clock=clock)
        self._lock = threading.Lock()

    @classmethod
    def from_matrix(cls, matrix: Matrix, *, path: str | None = None) -> QuotaCodeBook:
        """The matrix's known codes (per type and account-wide) and the cache file's."""
        return cls(known_codes(matrix), path=path)

    def code_for(self, name: str) -> str | None:
        """The code to try first for ``name``: learned (fresh), else the matrix's, else None."""
        learned = self._learned.get(name)
        return learned if learned is not None else self._known.get(name)

    def learn(self, name: str, code: str) -> None:
        """Remember that ``name`` has ``code`` (saved by :meth:`save`); a code already
        learned keeps its first date, so it is looked up again when that expires."""
        with self._lock:
            if self._learned.get(name) != code:
                self._learned.put(name, code)

    def confirm(self, name: str, code: str) -> None:
        """AWS answered ``code`` with exactly ``name``: remember it as confirmed."""
        self.learn(name, code)

    def confirmed(self, name: str, code: str) -> bool:
        """Whether AWS has answered ``code`` with exactly ``name`` (within the expiry)."""
        return self._learned.get(name) == code

    def forget(self, name: str) -> None:
        """Drop a learned code that answered with another name."""
        self._learned.drop(name)

    def save(self) -> None:
        """Write learned codes atomically; an unwritable cache only costs calls next time."""
        self._learned.save()


def _by_code(
    client: Any, region: str, name: str, code: str, service_code: str
) -> tuple[QuotaValue | None, bool]:
    """(the quota ``code`` if it answers with exactly ``name``, else None; whether the
    region has no quota ``code`` at all)."""
    from botocore.exceptions import ClientError

    def missing(exc: ClientError) -> bool:
        return exc.response.get("Error", {}).get("Code") == "NoSuchResourceException"

    applied = True
    with aws_call(f"call GetServiceQuota in {region}"):
        try:
            answer = client.get_service_quota(ServiceCode=service_code, QuotaCode=code)
        except ClientError as exc:
            if not missing(exc):
                raise
            applied = False
    if not applied:
        with aws_call(f"call GetAWSDefaultServiceQuota in {region}"):
            try:
                answer = client.get_aws_default_service_quota(
                    ServiceCode=service_code, QuotaCode=code
                )
            except ClientError as exc:
                if not missing(exc):
                    raise
                return None, True
    quota = answer.get("Quota") or {}
    if quota.get("QuotaName") != name or "Value" not in quota:
        return None, False
    value = float(quota["Value"])
    found = QuotaValue(
        name=name,
        code=code,
        region=region,
        value=value,
        default=None if applied else value,
        adjustable=quota.get("Adjustable"),
        applied=applied,
    )
    return found, False


def read_quota(
    client: Any,
    region: str,
    name: str,
    book: QuotaCodeBook,
    *,
    service_code: str = "sagemaker",
) -> QuotaValue | None:
    """The value of the quota called exactly ``name`` in ``region``, or None when not listed.

    One call (two where no value was ever applied) when the book knows the
    code and AWS confirms the name; otherwise the listing decides.
    """
    code = book.code_for(name)
    if code is not None:
        found, absent = _by_code(client, region, name, code, service_code)
        if found is not None:
            book.confirm(name, code)
            return found
        if absent and book.confirmed(name, code):
            # A code AWS has answered with this very name (in some region) and that this
            # region does not have: the quota is not offered here. No listing needed.
            return None
    info = find_quota(client, region, name, service_code=service_code)
    if info is None:
        if code is not None:
            book.forget(name)  # a learned code that AWS contradicts is not kept
        return None
    book.learn(name, info.code)  # confirmed by the listing, whether new or not
    return quota_value(client, region, info, service_code=service_code)


#: One code book per (matrix, cache file) for the life of the process, so that a
#: long-lived service reads the cache file once and shares what it learns.
_BOOKS: dict[tuple[frozenset[tuple[str, str]], str | None], QuotaCodeBook] = {}
_BOOKS_LOCK = threading.Lock()


def book_for(matrix: Matrix) -> QuotaCodeBook:
    """The code book of ``matrix``: its known codes and those learned in the cache directory."""
    path = codes_file()
    known = known_codes(matrix)
    key = (frozenset(known.items()), path)
    with _BOOKS_LOCK:
        book = _BOOKS.get(key)
        if book is None:
            book = QuotaCodeBook(known, path=path)
            _BOOKS.clear()  # one matrix at a time: a reloaded matrix replaces the old book
            _BOOKS[key] = book
    return book


def forget_books() -> None:
    """Drop the process's code books (tests; a cache directory that changed)."""
    with _BOOKS_LOCK:
        _BOOKS.clear()


def reader_for(book: QuotaCodeBook) -> Callable[[Any, str, str, str], QuotaValue | None]:
    """A :data:`compat.aws.checks.QuotaReader` that reads through ``book``."""

    def read(client: Any, region: str, name: str, service_code: str) -> QuotaValue | None:
        return read_quota(client, region, name, book, service_code=service_code)

    return read
