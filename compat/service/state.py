"""The matrix the service answers from, and how it is replaced without losing it.

A :class:`Snapshot` is one fully validated matrix with everything the
endpoints serve precomputed from it. :meth:`MatrixState.reload` builds a new
snapshot from the file and swaps it in only when that succeeded; a bad file
raises :class:`~compat.errors.MatrixError` listing every problem and leaves
the old snapshot serving. Requests read ``state.current`` once, so a swap in
the middle of a request cannot mix two matrices.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from compat.errors import MatrixError

if TYPE_CHECKING:
    from compat.matrix import Matrix
    from compat.query import Query

log = logging.getLogger("compat.service")

#: Most distinct resolve answers kept per matrix; the cache is emptied when full.
ANSWER_CACHE_SIZE = 4096


def _json(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False).encode("utf-8")


@dataclass(frozen=True)
class Snapshot:
    """One validated matrix and the responses that depend only on it."""

    matrix: Matrix
    sha256: str
    schema_version: int
    loaded_at: str
    matrix_json: bytes
    frameworks_json: bytes
    regions_json: bytes
    instance_types_json: bytes
    #: Rendered pages by region ("" for none), filled on first request.
    pages: dict[str, bytes] = field(default_factory=dict, compare=False)
    #: Resolve answers (the bytes sent) by query; bounded by ANSWER_CACHE_SIZE.
    answers: dict[Query, bytes] = field(default_factory=dict, compare=False)
    #: The page's view of the matrix (compat.service.page.PageModel), built on first use.
    page_model: list[Any] = field(default_factory=list, compare=False)

    @property
    def release_count(self) -> int:
        """Rows of the release tables, all frameworks together."""
        return sum(len(rows) for rows in self.matrix.compiled["releases"].values())


def load_snapshot(path: str) -> Snapshot:
    """Read ``path`` once, validate all of it, and precompute the catalog responses.

    The document served by GET /v1/matrix and the compiled tables used by
    resolve come from the same bytes, so they can never disagree.
    """
    from compat.catalog import list_frameworks, list_instance_types, list_regions
    from compat.matrix import Matrix, read_matrix_bytes, validate_and_compile

    data = read_matrix_bytes(path)
    digest = hashlib.sha256(data).hexdigest()
    document, compiled = validate_and_compile(data, path, digest)
    matrix = Matrix(compiled, path=path)
    return Snapshot(
        matrix=matrix,
        sha256=digest,
        schema_version=document.schema_version,
        loaded_at=datetime.now(timezone.utc).isoformat(timespec="seconds"),
        matrix_json=_json(document.model_dump(mode="json")),
        frameworks_json=_json([f.to_dict() for f in list_frameworks(matrix=matrix)]),
        regions_json=_json([r.to_dict() for r in list_regions(matrix=matrix)]),
        instance_types_json=_json([i.to_dict() for i in list_instance_types(matrix=matrix)]),
    )


@dataclass(frozen=True)
class ReloadResult:
    """What a successful reload did."""

    sha256: str
    previous_sha256: str
    changed: bool
    loaded_at: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "reloaded": True,
            "sha256": self.sha256,
            "previous_sha256": self.previous_sha256,
            "changed": self.changed,
            "loaded_at": self.loaded_at,
        }


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


class MatrixState:
    """The current snapshot of one matrix file; reloads are serialised by a lock."""

    def __init__(self, path: str | None = None) -> None:
        from compat.matrix import shipped_matrix_path

        self.path = path or shipped_matrix_path()
        self.current = load_snapshot(self.path)
        self._lock = threading.Lock()
        #: Called after every reload with (succeeded, the snapshot now served): metrics.
        self.listeners: list[Callable[[bool, Snapshot], None]] = []
        #: The last reload's outcome (see compat.service.models.LastReload); None before one.
        self.last_reload: dict[str, str] | None = None

    def reload(self) -> ReloadResult:
        """Load the file again; swap it in only when all of it is valid.

        Raises MatrixError (every problem listed) and keeps the old matrix otherwise.
        """
        with self._lock:
            previous = self.current
            try:
                fresh = load_snapshot(self.path)
            except MatrixError as exc:
                why = "; ".join([exc.message, *exc.problems])
                log.error(
                    "matrix reload failed; still serving sha256 %s: %s",
                    previous.sha256[:12],
                    why,
                )
                self.last_reload = {
                    "result": "failure",
                    "at": _now(),
                    "sha256": previous.sha256,
                    "error": why,
                }
                for listener in self.listeners:
                    listener(False, previous)
                raise
            self.current = fresh
            self.last_reload = {"result": "success", "at": _now(), "sha256": fresh.sha256}
            for listener in self.listeners:
                listener(True, fresh)
        log.info(
            "matrix reloaded from %s: sha256 %s -> %s, releases %d -> %d, regions %d -> %d",
            self.path,
            previous.sha256,
            fresh.sha256,
            previous.release_count,
            fresh.release_count,
            len(previous.matrix.compiled["regions"]),
            len(fresh.matrix.compiled["regions"]),
        )
        return ReloadResult(
            sha256=fresh.sha256,
            previous_sha256=previous.sha256,
            changed=fresh.sha256 != previous.sha256,
            loaded_at=fresh.loaded_at,
        )
