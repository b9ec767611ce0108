"""What a training job holds, remembered so that a job is described once, not on every run.

``ListTrainingJobs`` gives no instance type, so counting usage describes each
running job (``DescribeTrainingJob``). A job's ``ResourceConfig`` (instance
type and count, or instance groups) and ``EnableManagedSpotTraining`` never
change after it is created, so what one description said is kept in the
cache directory (:class:`compat.aws.answer_cache.AnswerCache`), keyed by the
job's ARN (which names its account and region) and creation time: a CI
preflight that runs every few minutes describes only the jobs that started
since the last run, and a re-scan of many accounts only theirs. Entries
expire after a while, and the file holds at most :data:`MAX_JOBS` jobs (the
oldest go first).
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from compat.aws.answer_cache import AnswerCache

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
    import os

    from compat.matrix.store import cache_dir

    directory = cache_dir()
    return None if directory is None else os.path.join(directory, _FILE)


class JobCache(AnswerCache[JobShape]):
    """Job key -> :class:`JobShape`, thread-safe; ``path`` None keeps them for the process.

    The file is ``{"jobs": {key: {"spot", "plan", "instances", "seen_at"}}}``.
    """

    def __init__(
        self,
        path: str | None = None,
        *,
        ttl: float = DEFAULT_TTL,
        clock: Callable[[], float] = time.time,
    ) -> None:
        super().__init__(
            path, section="jobs", stamp="seen_at", ttl=ttl, limit=MAX_JOBS, clock=clock
        )

    def encode(self, value: JobShape) -> dict[str, Any]:
        return {"spot": value.spot, "plan": value.plan, "instances": dict(value.instances)}

    def decode(self, fields: Mapping[str, Any]) -> JobShape | None:
        spot, plan = fields.get("spot"), fields.get("plan", False)
        instances = fields.get("instances")
        if not isinstance(spot, bool) or not isinstance(plan, bool):
            return None
        if not isinstance(instances, dict):
            return None
        if not all(isinstance(k, str) and type(v) is int and v >= 0 for k, v in instances.items()):
            return None
        if not instances:
            # Nothing known: the previous version kept such an entry for a job whose type
            # SageMaker had not selected yet (InstancePreferences). Describe it again.
            return None
        return JobShape(spot, dict(instances), plan)


_CACHES: dict[str | None, JobCache] = {}
_CACHES_LOCK = threading.Lock()
_AT_EXIT: list[bool] = []


def job_cache() -> JobCache:
    """The process's job cache for the current cache directory.

    What is left unsaved (a scan saves at most every few seconds) is saved when the
    process exits.
    """
    path = jobs_file()
    with _CACHES_LOCK:
        cache = _CACHES.get(path)
        if cache is None:
            cache = _CACHES[path] = JobCache(path)
        if not _AT_EXIT:
            import atexit

            atexit.register(save_job_caches)
            _AT_EXIT.append(True)
    return cache


def save_job_caches() -> None:
    """Save what the process's job caches learned (at exit; before they are forgotten)."""
    with _CACHES_LOCK:
        caches = list(_CACHES.values())
    for cache in caches:
        cache.save()


def forget_job_caches() -> None:
    """Save, then drop the process's job caches (tests; a cache directory that changed)."""
    save_job_caches()
    with _CACHES_LOCK:
        _CACHES.clear()
