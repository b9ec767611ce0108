"""What a training job holds, remembered so that a job is described once, not on every run.

``ListTrainingJobs`` gives no instance type, so counting usage describes each
running job (``DescribeTrainingJob``). A job's ``ResourceConfig`` (instance
type and count, or instance groups) and ``EnableManagedSpotTraining`` never
change after it is created, so what one description said is kept by job ARN
in the cache directory: a CI preflight that runs every few minutes describes
only the jobs that started since the last run. Entries expire after a while,
and the file holds at most :data:`MAX_JOBS` jobs (the oldest go first).
"""

from __future__ import annotations

import contextlib
import json
import os
import threading
import time
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

#: Remembered jobs are trusted this long (seconds): longer than SageMaker's 28-day run limit.
DEFAULT_TTL = 30 * 24 * 3600
#: The most jobs the file keeps.
MAX_JOBS = 5000
_FILE = "training-jobs-v1.json"


@dataclass(frozen=True, slots=True)
class JobShape:
    """The instances one training job holds, and whether they count as spot or run on
    a training plan's reserved capacity (which counts against neither quota)."""

    spot: bool
    instances: Mapping[str, int]
    plan: bool = False

    def counter(self) -> Counter[str]:
        return Counter(dict(self.instances))


def jobs_file() -> str | None:
    """Where job shapes are kept: the matrix cache directory (None when caching is off)."""
    from compat.matrix.store import cache_dir

    directory = cache_dir()
    return None if directory is None else os.path.join(directory, _FILE)


class JobCache:
    """Job ARN -> :class:`JobShape`, thread-safe; ``path`` None keeps them for the process."""

    def __init__(
        self, path: str | None = None, *, ttl: float = DEFAULT_TTL, clock: Any = time.time
    ) -> None:
        self._path = path
        self._ttl = ttl
        self._clock = clock
        self._lock = threading.Lock()
        self._jobs: dict[str, tuple[JobShape, float]] = self._read()
        self._dirty = False

    def _read(self) -> dict[str, tuple[JobShape, float]]:
        if self._path is None:
            return {}
        try:
            with open(self._path, encoding="utf-8") as fh:
                data = json.load(fh)
        except (OSError, ValueError):
            return {}
        now = self._clock()
        jobs: dict[str, tuple[JobShape, float]] = {}
        entries = data.get("jobs") if isinstance(data, dict) else None
        for arn, item in (entries or {}).items():
            if not isinstance(item, dict):
                continue
            at, spot, instances = item.get("seen_at"), item.get("spot"), item.get("instances")
            if not isinstance(at, int | float) or now - at >= self._ttl:
                continue
            if not isinstance(spot, bool) or not isinstance(instances, dict):
                continue
            if not all(isinstance(k, str) and type(v) is int for k, v in instances.items()):
                continue
            plan = item.get("plan", False)
            if not isinstance(plan, bool):
                continue
            jobs[str(arn)] = (JobShape(spot, dict(instances), plan), float(at))
        return jobs

    def get(self, arn: str) -> JobShape | None:
        with self._lock:
            found = self._jobs.get(arn)
        return None if found is None else found[0]

    def put(self, arn: str, shape: JobShape) -> None:
        with self._lock:
            self._jobs[arn] = (shape, self._clock())
            self._dirty = True

    def save(self) -> None:
        """Write the newest jobs atomically; an unwritable cache only costs calls next time."""
        from compat.matrix.atomic import write_text_atomic

        with self._lock:
            if self._path is None or not self._dirty:
                return
            newest = sorted(self._jobs.items(), key=lambda kv: kv[1][1], reverse=True)[:MAX_JOBS]
            body = {
                "jobs": {
                    arn: {
                        "spot": shape.spot,
                        "plan": shape.plan,
                        "instances": dict(shape.instances),
                        "seen_at": at,
                    }
                    for arn, (shape, at) in sorted(newest)
                }
            }
            self._dirty = False
        with contextlib.suppress(OSError):
            write_text_atomic(self._path, json.dumps(body, indent=1) + "\n")


_CACHES: dict[str | None, JobCache] = {}
_CACHES_LOCK = threading.Lock()


def job_cache() -> JobCache:
    """The process's job cache for the current cache directory."""
    path = jobs_file()
    with _CACHES_LOCK:
        cache = _CACHES.get(path)
        if cache is None:
            cache = _CACHES[path] = JobCache(path)
    return cache


def forget_job_caches() -> None:
    """Drop the process's job caches (tests; a cache directory that changed)."""
    with _CACHES_LOCK:
        _CACHES.clear()
