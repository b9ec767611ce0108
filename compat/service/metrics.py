"""Prometheus metrics of one app, with the ``prometheus-client`` library.

- ``smddp_compat_http_requests_total{route,method,status}``
- ``smddp_compat_http_request_duration_seconds{route,method}`` (histogram)
- ``smddp_compat_matrix_info{sha256,schema_version}`` (1 for the matrix served)
- ``smddp_compat_matrix_reloads_total{result}`` (``success`` or ``failure``)

``route`` is the route's template (``/v1/resolve``, ``/static/{name}``) or
``unmatched``, never the raw path, so a scanner cannot blow up the series.
Each app has its own registry (several apps in one process never clash).
With several workers, ``serve`` points ``PROMETHEUS_MULTIPROC_DIR`` at a
fresh directory and a scrape adds up every worker's files; without that
variable a scrape sees the worker that answered it.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)

if TYPE_CHECKING:
    from compat.service.state import Snapshot

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
CONTENT_TYPE = CONTENT_TYPE_LATEST
#: Buckets for a service whose answers take a few milliseconds.
BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5)


class Metrics:
    """The four metric families of one app, and the text a scrape reads."""

    def __init__(self) -> None:
        self.multiprocess = bool(os.environ.get(MULTIPROC_ENV))
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "smddp_compat_http_requests_total",
            "HTTP requests answered, by route template, method and status.",
            ["route", "method", "status"],
            registry=self.registry,
        )
        self.duration = Histogram(
            "smddp_compat_http_request_duration_seconds",
            "Time to answer an HTTP request, by route template and method.",
            ["route", "method"],
            buckets=BUCKETS,
            registry=self.registry,
        )
        self.matrix_info = Gauge(
            "smddp_compat_matrix_info",
            "The matrix being served (value 1): its SHA-256 and schema version.",
            ["sha256", "schema_version"],
            registry=self.registry,
            multiprocess_mode="liveall",
        )
        self.reloads = Counter(
            "smddp_compat_matrix_reloads_total",
            "Matrix reloads, by result (success, failure).",
            ["result"],
            registry=self.registry,
        )
        self.reloads.labels("success")
        self.reloads.labels("failure")
        self._children: dict[tuple[str, str, int], tuple[Any, Any]] = {}
        self._info: tuple[str, str] | None = None

    def observe(self, route: str, method: str, status: int, seconds: float) -> None:
        key = (route, method, status)
        children = self._children.get(key)
        if children is None:
            children = (
                self.requests.labels(route, method, str(status)),
                self.duration.labels(route, method),
            )
            self._children[key] = children
        children[0].inc()
        children[1].observe(seconds)

    def matrix_loaded(self, snapshot: Snapshot) -> None:
        """The info series for the matrix now served (the previous one is removed)."""
        labels = (snapshot.sha256, str(snapshot.schema_version))
        if self._info is not None and self._info != labels:
            self.matrix_info.remove(*self._info)
        self.matrix_info.labels(*labels).set(1)
        self._info = labels

    def reloaded(self, ok: bool, snapshot: Snapshot) -> None:
        self.reloads.labels("success" if ok else "failure").inc()
        if ok:
            self.matrix_loaded(snapshot)

    def process_ended(self) -> None:
        """A worker that stops takes its live gauges (the matrix info) out of the shared files."""
        if self.multiprocess:
            from prometheus_client import multiprocess

            multiprocess.mark_process_dead(os.getpid())  # type: ignore[no-untyped-call]

    def exposition(self) -> bytes:
        """The Prometheus text format: this process's registry, or every worker's files."""
        if self.multiprocess:
            from prometheus_client import multiprocess

            registry = CollectorRegistry()
            multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
            return generate_latest(registry)
        return generate_latest(self.registry)
