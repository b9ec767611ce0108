"""The cache file of the job cache and the quota-code book (compat.aws.answer_cache): files the
previous version wrote are read, bad files are ignored without a traceback, saves are atomic
and two processes saving at once lose nothing."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from compat.aws.answer_cache import LOGGER
from compat.aws.job_cache import JobCache, JobShape
from compat.aws.quota_codes import QuotaCodeBook

T0 = 1_800_000_000.5
KEY_A = "arn:aws:sagemaker:us-west-2:123456789012:training-job/job-a@2026-01-01T00:00:00+00:00"
KEY_B = "arn:aws:sagemaker:us-west-2:123456789012:training-job/job-b@2026-01-01T00:00:00+00:00"
P3DN_NAME = "ml.p3dn.24xlarge for training job usage"

# Written by main at f4d6471 (JobCache.save and QuotaCodeBook.save), byte for byte.
PREVIOUS_JOBS = """{
 "jobs": {
  "KEY_A": {
   "spot": false,
   "plan": true,
   "instances": {
    "ml.p4d.24xlarge": 4
   },
   "seen_at": 1800000000.5
  },
  "KEY_B": {
   "spot": true,
   "plan": false,
   "instances": {
    "ml.p4d.24xlarge": 1,
    "ml.p3dn.24xlarge": 2
   },
   "seen_at": 1800000000.5
  }
 }
}
""".replace("KEY_A", KEY_A).replace("KEY_B", KEY_B)
PREVIOUS_CODES = """{
 "codes": {
  "ml.p3dn.24xlarge for training job usage": {
   "code": "L-11111111",
   "learned_at": 1800000000.5
  }
 }
}
"""


def _clock(at: float = T0 + 60) -> list[float]:
    return [at]


def test_files_the_previous_version_wrote_are_read(tmp_path: Path) -> None:
    jobs_path, codes_path = tmp_path / "training-jobs-v1.json", tmp_path / "quota-codes-v1.json"
    jobs_path.write_text(PREVIOUS_JOBS)
    codes_path.write_text(PREVIOUS_CODES)
    now = _clock()
    jobs = JobCache(str(jobs_path), clock=lambda: now[0])
    assert jobs.get(KEY_A) == JobShape(False, {"ml.p4d.24xlarge": 4}, plan=True)
    assert jobs.get(KEY_B) == JobShape(True, {"ml.p4d.24xlarge": 1, "ml.p3dn.24xlarge": 2})
    book = QuotaCodeBook({}, path=str(codes_path), clock=lambda: now[0])
    assert book.code_for(P3DN_NAME) == "L-11111111"
    assert book.confirmed(P3DN_NAME, "L-11111111")
    # An entry the oldest version wrote, before jobs had a training plan: not on a plan.
    old = json.loads(PREVIOUS_JOBS)
    del old["jobs"][KEY_A]["plan"]
    jobs_path.write_text(json.dumps(old))
    assert JobCache(str(jobs_path), clock=lambda: now[0]).get(KEY_A) == JobShape(
        False, {"ml.p4d.24xlarge": 4}
    )


def test_a_remembered_job_with_no_instances_is_described_again(tmp_path: Path) -> None:
    """The previous version remembered a job with InstancePreferences before SageMaker had
    selected its type (no instances): such an entry is not trusted."""
    path = tmp_path / "jobs.json"
    old = json.loads(PREVIOUS_JOBS)
    old["jobs"][KEY_A]["instances"] = {}
    path.write_text(json.dumps(old))
    now = _clock()
    jobs = JobCache(str(path), clock=lambda: now[0])
    assert jobs.get(KEY_A) is None
    assert jobs.get(KEY_B) is not None


def test_saving_keeps_the_layout_the_previous_version_reads(tmp_path: Path) -> None:
    """A file written now is the previous version's layout: an older process sharing the
    cache directory (or a downgrade) reads it too."""
    path = tmp_path / "jobs.json"
    jobs = JobCache(str(path), clock=lambda: T0)
    jobs.put(KEY_A, JobShape(False, {"ml.p4d.24xlarge": 4}, plan=True))
    jobs.put(KEY_B, JobShape(True, {"ml.p4d.24xlarge": 1, "ml.p3dn.24xlarge": 2}))
    jobs.save()
    assert json.loads(path.read_text()) == json.loads(PREVIOUS_JOBS)
    codes = tmp_path / "codes.json"
    book = QuotaCodeBook({}, path=str(codes), clock=lambda: T0)
    book.learn(P3DN_NAME, "L-11111111")
    book.save()
    assert json.loads(codes.read_text()) == json.loads(PREVIOUS_CODES)


def _entry(**fields: object) -> str:
    return json.dumps({"jobs": {KEY_A: fields}})


@pytest.mark.parametrize(
    ("content", "whole_file"),
    [
        pytest.param(PREVIOUS_JOBS[: len(PREVIOUS_JOBS) // 2], True, id="truncated"),
        pytest.param("", True, id="empty"),
        pytest.param(b"\xff\xfe\x00garbage", True, id="not-utf8"),
        pytest.param("[" * 100_000, True, id="absurdly-nested"),
        pytest.param("[1, 2, 3]", True, id="a-list"),
        pytest.param('"jobs"', True, id="a-string"),
        pytest.param('{"jobs": ["a", "b"]}', True, id="section-not-an-object"),
        pytest.param('{"version": 2, "entries": {}}', True, id="another-layout"),
        pytest.param('{"jobs": {"k": "v"}}', False, id="entry-not-an-object"),
        pytest.param(_entry(spot="no", instances={"ml.p4d.24xlarge": 1}, seen_at=T0), False,
                     id="spot-not-bool"),
        pytest.param(_entry(spot=False, instances=[["ml.p4d.24xlarge", 1]], seen_at=T0), False,
                     id="instances-a-list"),
        pytest.param(_entry(spot=False, instances={"ml.p4d.24xlarge": 1.5}, seen_at=T0), False,
                     id="count-not-int"),
        pytest.param(_entry(spot=False, instances={"ml.p4d.24xlarge": -1}, seen_at=T0), False,
                     id="count-negative"),
        pytest.param(_entry(spot=False, instances={}, seen_at=True), False, id="stamp-bool"),
        pytest.param(_entry(spot=False, instances={}, seen_at="yesterday"), False,
                     id="stamp-text"),
        pytest.param(_entry(spot=False, instances={}, seen_at=float("nan")), False,
                     id="stamp-nan"),
        pytest.param(_entry(spot=False, instances={}, seen_at=T0 + 10 * 24 * 3600), False,
                     id="stamp-in-the-future"),
    ],
)  # fmt: skip
def test_corrupt_truncated_or_foreign_files_are_ignored_quietly(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, content: str | bytes, whole_file: bool
) -> None:
    path = tmp_path / "jobs.json"
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content)
    caplog.set_level(logging.DEBUG, logger=LOGGER)
    now = _clock()
    jobs = JobCache(str(path), clock=lambda: now[0])
    assert jobs.get(KEY_A) is None
    assert len(jobs) == 0
    assert all(r.levelno == logging.DEBUG for r in caplog.records)  # at most a debug message
    if whole_file:
        assert any("ignoring" in r.getMessage() for r in caplog.records)
    # The next save replaces it with a good file.
    jobs.put(KEY_A, JobShape(False, {"ml.p4d.24xlarge": 2}))
    jobs.save()
    assert JobCache(str(path), clock=lambda: now[0]).get(KEY_A) == JobShape(
        False, {"ml.p4d.24xlarge": 2}
    )


def test_a_directory_or_an_unwritable_place_costs_calls_not_a_traceback(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger=LOGGER)
    (tmp_path / "adir").mkdir()
    assert len(JobCache(str(tmp_path / "adir"))) == 0
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    book = QuotaCodeBook({}, path=str(blocker / "codes.json"))  # its directory is a file
    book.learn(P3DN_NAME, "L-11111111")
    book.save()
    assert book.code_for(P3DN_NAME) == "L-11111111"  # kept for the process
    assert any("cannot save" in r.getMessage() for r in caplog.records)


def test_a_save_is_a_rename_the_old_file_survives_a_failed_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "jobs.json"
    path.write_text(PREVIOUS_JOBS)
    now = _clock()
    jobs = JobCache(str(path), clock=lambda: now[0])
    jobs.put("arn:aws:sagemaker:us-west-2:123456789012:training-job/new@x", JobShape(False, {}))

    def refuse(src: str, dst: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", refuse)
    jobs.save()  # no exception
    assert path.read_text() == PREVIOUS_JOBS  # untouched: the new content never replaced it
    assert sorted(p.name for p in tmp_path.iterdir()) == ["jobs.json", "jobs.json.lock"]


def test_expiry_the_newest_kept_and_drops_that_stay_dropped(tmp_path: Path) -> None:
    path = str(tmp_path / "codes.json")
    now = _clock(T0)
    book = QuotaCodeBook({}, path=path, ttl=100, clock=lambda: now[0])
    book.learn("a", "L-A")
    book.learn("b", "L-B")
    book.save()
    other = QuotaCodeBook({}, path=path, ttl=100, clock=lambda: now[0])  # another process
    now[0] += 10
    book.forget("a")  # AWS contradicted it here
    book.save()
    other.save()  # nothing changed there: it does not bring "a" back
    assert QuotaCodeBook({}, path=path, ttl=100, clock=lambda: now[0]).code_for("a") is None
    other.learn("a", "L-A2")  # learned again, later, elsewhere: that wins
    other.save()
    assert QuotaCodeBook({}, path=path, ttl=100, clock=lambda: now[0]).code_for("a") == "L-A2"
    now[0] += 95  # "b" (T0) is 105 s old
    assert QuotaCodeBook({}, path=path, ttl=100, clock=lambda: now[0]).code_for("b") is None

    jobs_path = str(tmp_path / "jobs.json")
    jobs = JobCache(jobs_path, clock=lambda: now[0])
    from compat.aws import job_cache

    for i in range(job_cache.MAX_JOBS + 5):
        now[0] += 1
        jobs.put(f"k{i:05d}", JobShape(False, {"ml.p4d.24xlarge": 1}))
    jobs.save()
    kept = json.loads(Path(jobs_path).read_text())["jobs"]
    assert len(kept) == job_cache.MAX_JOBS
    assert "k00000" not in kept  # the oldest went
    assert f"k{job_cache.MAX_JOBS + 4:05d}" in kept


def test_saves_can_be_spaced_out(tmp_path: Path) -> None:
    path = tmp_path / "jobs.json"
    now = _clock(T0)
    jobs = JobCache(str(path), clock=lambda: now[0])
    jobs.put(KEY_A, JobShape(False, {"ml.p4d.24xlarge": 1}))
    jobs.save(at_most_every=5)  # the first save is not held back
    jobs.put(KEY_B, JobShape(False, {"ml.p4d.24xlarge": 1}))
    now[0] += 1
    jobs.save(at_most_every=5)  # too soon: kept for later
    assert set(json.loads(path.read_text())["jobs"]) == {KEY_A}
    now[0] += 5
    jobs.save(at_most_every=5)
    assert set(json.loads(path.read_text())["jobs"]) == {KEY_A, KEY_B}


_WRITER = textwrap.dedent(
    """
    import sys
    from compat.aws.job_cache import JobCache, JobShape
    path, who, rounds = sys.argv[1], sys.argv[2], int(sys.argv[3])
    cache = JobCache(path)
    for i in range(rounds):
        cache.put(f"{who}-{i}", JobShape(False, {"ml.p4d.24xlarge": i}))
        cache.save()
    """
)


def test_two_processes_saving_at_once_neither_corrupt_nor_lose_entries(tmp_path: Path) -> None:
    path = tmp_path / "jobs.json"
    rounds = 60
    env = {**os.environ, "AWS_EC2_METADATA_DISABLED": "true"}
    writers = [
        subprocess.Popen([sys.executable, "-c", _WRITER, str(path), who, str(rounds)], env=env)
        for who in ("one", "two")
    ]
    reads = 0
    while any(w.poll() is None for w in writers):
        try:
            text = path.read_text()
        except FileNotFoundError:
            continue
        json.loads(text)  # a reader never sees half a file
        reads += 1
        time.sleep(0.001)
    assert [w.wait() for w in writers] == [0, 0]
    saved = json.loads(path.read_text())["jobs"]
    assert set(saved) == {f"{who}-{i}" for who in ("one", "two") for i in range(rounds)}
    assert saved["two-7"]["instances"] == {"ml.p4d.24xlarge": 7}
    assert reads > 0
