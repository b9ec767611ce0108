"""What AWS answered, kept in a JSON file in the cache directory until it expires.

The job cache (:mod:`compat.aws.job_cache`: what a training job holds) and
the learned quota codes (:mod:`compat.aws.quota_codes`) both remember
answers that save calls on the next run. :class:`AnswerCache` is their one
file format and its rules:

- the file is ``{section: {key: {...value's fields, stamp: seconds since the epoch}}}``,
  the layout both caches have written since their first version, so their files are read as
  they are; a new layout gets a new file name (``-v2``) and the old file is left unread;
- an entry older than ``ttl`` (or stamped in the future) is not used; a file or entry that
  is corrupt, truncated, too large or of another shape is ignored, with a debug message
  (``--debug`` shows it), never an exception: a cache only ever costs calls;
- a save writes a temporary file and renames it over the old one, so a reader sees the old
  file or the new, never half; under an exclusive lock on ``<file>.lock`` (where the
  platform has ``fcntl``), it merges what other processes saved meanwhile (the newer stamp
  of a key wins; a key dropped here stays dropped unless saved again since), so two
  processes sharing the cache directory (shards of a scan, parallel CI jobs) lose nothing;
- at most ``limit`` entries are kept, the newest.

Thread-safe. ``path`` None keeps the answers for the process only.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Mapping
from typing import Any, Generic, TypeVar

V = TypeVar("V")

#: A file larger than this is not read (a cache of this size was not written by us).
MAX_FILE_BYTES = 32 * 1024 * 1024
#: Seconds a stamp may lie in the future (clocks of processes that share the directory).
CLOCK_SKEW = 300.0
#: The logger whose debug messages ``--debug`` shows (:mod:`compat.cli.debuglog`).
LOGGER = "compat.matrix.cache"


def _debug(message: str, *args: object) -> None:
    import logging  # imported only when there is something to say

    logging.getLogger(LOGGER).debug(message, *args)


@contextlib.contextmanager
def _exclusive(path: str) -> Iterator[None]:
    """Hold an exclusive lock on ``path + '.lock'`` across processes (no-op without fcntl)."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not POSIX: the rename still keeps the file whole
        yield
        return
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with open(path + ".lock", "a", encoding="utf-8") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


class AnswerCache(ABC, Generic[V]):
    """Key -> value with the time it was learned; subclasses say how a value is written."""

    def __init__(
        self,
        path: str | None,
        *,
        section: str,
        stamp: str,
        ttl: float,
        limit: int | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.path = path
        self._section = section
        self._stamp = stamp
        self._ttl = ttl
        self._limit = limit
        self._clock = clock
        self._lock = threading.Lock()
        self._save_lock = threading.Lock()
        self._entries: dict[str, tuple[V, float]] = self._load()
        self._dropped: dict[str, float] = {}
        self._dirty = False
        self._saved_at: float | None = None

    # -- how a value is written; each subclass's own fields -------------------------------
    @abstractmethod
    def encode(self, value: V) -> dict[str, Any]:
        """The fields of ``value`` as JSON (without the stamp)."""

    @abstractmethod
    def decode(self, fields: Mapping[str, Any]) -> V | None:
        """The value that ``fields`` hold, or None when they are not a valid value."""

    # -- entries ----------------------------------------------------------------------------
    def get(self, key: str) -> V | None:
        """The value of ``key`` if it has not expired."""
        with self._lock:
            found = self._entries.get(key)
        if found is None or not self._fresh(found[1], self._clock()):
            return None
        return found[0]

    def put(self, key: str, value: V) -> None:
        """Remember ``value`` for ``key``, stamped now."""
        with self._lock:
            self._entries[key] = (value, self._clock())
            self._dropped.pop(key, None)
            self._dirty = True

    def drop(self, key: str) -> None:
        """Forget ``key`` here and, at the next save, in the file."""
        with self._lock:
            if self._entries.pop(key, None) is not None:
                self._dropped[key] = self._clock()
                self._dirty = True

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)

    # -- the file ---------------------------------------------------------------------------
    def save(self, *, at_most_every: float = 0.0) -> None:
        """Merge what changed into the file, atomically; nothing when nothing changed.

        ``at_most_every`` (seconds) skips a save that comes sooner than that after the last
        one (the changes stay for the next save). A file that cannot be written only costs
        calls next time (a debug message says so).
        """
        path = self.path
        if path is None:
            return
        with self._save_lock:  # one save at a time per cache; other processes: the file lock
            now = self._clock()
            with self._lock:
                if not self._dirty:
                    return
                if self._saved_at is not None and now - self._saved_at < at_most_every:
                    return
                mine = dict(self._entries)
                dropped = dict(self._dropped)
                self._dirty = False
                self._saved_at = now
            try:
                with _exclusive(path):
                    merged = self._merge(self._load(), mine, dropped)
                    self._write(path, merged)
            except OSError as exc:
                _debug("cannot save %s (%s): the next run asks AWS again", path, exc)
                return
        with self._lock:
            for key, (value, at) in merged.items():  # what other processes learned, too
                current = self._entries.get(key)
                if key not in self._dropped and (current is None or current[1] < at):
                    self._entries[key] = (value, at)

    def _merge(
        self,
        on_disk: dict[str, tuple[V, float]],
        mine: dict[str, tuple[V, float]],
        dropped: dict[str, float],
    ) -> dict[str, tuple[V, float]]:
        merged = dict(on_disk)
        for key, (value, at) in mine.items():
            if key not in merged or merged[key][1] <= at:
                merged[key] = (value, at)
        for key, at in dropped.items():
            if key in merged and merged[key][1] <= at:
                del merged[key]
        if self._limit is not None and len(merged) > self._limit:
            newest = sorted(merged.items(), key=lambda kv: kv[1][1], reverse=True)
            merged = dict(newest[: self._limit])
        return merged

    def _write(self, path: str, entries: dict[str, tuple[V, float]]) -> None:
        from compat.matrix.atomic import write_text_atomic

        body = {
            self._section: {
                key: {**self.encode(value), self._stamp: at}
                for key, (value, at) in sorted(entries.items())
            }
        }
        write_text_atomic(path, json.dumps(body, indent=1) + "\n")

    def _fresh(self, at: float, now: float) -> bool:
        return -CLOCK_SKEW <= now - at < self._ttl

    def _load(self) -> dict[str, tuple[V, float]]:
        """The file's entries that are valid and fresh; {} for a missing or unusable file."""
        path = self.path
        if path is None:
            return {}
        try:
            with open(path, "rb") as fh:
                if os.fstat(fh.fileno()).st_size > MAX_FILE_BYTES:
                    _debug("ignoring %s: larger than %d bytes", path, MAX_FILE_BYTES)
                    return {}
                data = json.loads(fh.read().decode("utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError, RecursionError) as exc:
            # ValueError: not JSON, truncated, not UTF-8; RecursionError: absurd nesting.
            _debug("ignoring %s (%s): the next save replaces it", path, exc)
            return {}
        entries = data.get(self._section) if isinstance(data, dict) else None
        if not isinstance(entries, dict):
            _debug("ignoring %s: no %r object (another program's file?); the next save "
                   "replaces it", path, self._section)  # fmt: skip
            return {}
        now = self._clock()
        kept: dict[str, tuple[V, float]] = {}
        for key, item in entries.items():
            if not isinstance(item, dict):
                continue
            at = item.get(self._stamp)
            if isinstance(at, bool) or not isinstance(at, int | float):
                continue
            at = float(at)
            if not math.isfinite(at) or not self._fresh(at, now):
                continue
            fields = {k: v for k, v in item.items() if k != self._stamp}
            try:
                value = self.decode(fields)
            except (TypeError, ValueError, AttributeError):
                value = None
            if value is not None:
                kept[str(key)] = (value, at)
        if len(kept) < len(entries):
            _debug("%s: %d of %d entries expired or unreadable", path, len(entries) - len(kept),
                   len(entries))  # fmt: skip
        return kept
