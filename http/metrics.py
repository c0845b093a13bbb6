"""``GET /metrics``: the server's figures in Prometheus text format.

Each app has its own ``CollectorRegistry`` (several apps in one test process,
or one process serving two stores, must not add to each other's counters).
What is counted as it happens: requests by method, route template and status
with their latency (a histogram), commands by kind and outcome with theirs.
What is read when scraped (``StoreCollector``): group-commit groups and the
saves they carried, the projection lag per view in events and in seconds,
the runners' restarts, the connection pools' use, the access log's writes.

Who may scrape: the holder of ``LEDGER_METRICS_TOKEN`` (a bearer token), or,
when no token is set, a client on this host only (127.0.0.1 / ::1): the
figures name routes and views, not data, but they are no one else's business.
"""

from __future__ import annotations

import hmac
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from typing import Any

from litestar import Request, Response, get
from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector

from ledger.store.sql import ViewDB
from projections import PROJECTIONS

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
LOCAL = frozenset({"127.0.0.1", "::1", "localhost"})
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)


class Metrics:
    """The app's registry and its instruments."""

    def __init__(self, state: Any) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.requests = Counter("ledger_http_requests", "HTTP requests answered, by route template and status",
                                ("method", "route", "status"), registry=self.registry)
        self.latency = Histogram("ledger_http_request_duration_seconds", "Time to answer, by route template",
                                 ("method", "route"), buckets=LATENCY_BUCKETS, registry=self.registry)
        self.commands = Counter("ledger_commands", "Ledger commands run (not idempotent replays), by kind and outcome",
                                ("kind", "outcome"), registry=self.registry)
        self.command_latency = Histogram("ledger_command_duration_seconds", "Time to run a command, by kind",
                                         ("kind",), buckets=LATENCY_BUCKETS, registry=self.registry)
        self.registry.register(StoreCollector(state))

    def observe_request(self, method: str, route: str, status: int, seconds: float) -> None:
        self.requests.labels(method, route, str(status)).inc()
        self.latency.labels(method, route).observe(seconds)

    @contextmanager
    def command(self, kind: str) -> Iterator[None]:
        started = time.perf_counter()
        try:
            yield
        except Exception as e:
            self.commands.labels(kind, type(e).__name__).inc()
            raise
        else:
            self.commands.labels(kind, "ok").inc()
        finally:
            self.command_latency.labels(kind).observe(time.perf_counter() - started)

    def exposition(self) -> bytes:
        return generate_latest(self.registry)


@contextmanager
def counting_command(state: Any, command: Any) -> Iterator[None]:
    """Count and time ``command`` in the app's metrics (if it has them)."""
    metrics = getattr(state, "metrics", None)
    if metrics is None:
        yield
        return
    with metrics.command(type(command).__name__):
        yield


def _seconds_since(value: Any) -> float:
    moment = datetime.fromisoformat(value.replace("Z", "+00:00")) if isinstance(value, str) else value
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return max((datetime.now(timezone.utc) - moment).total_seconds(), 0.0)


class StoreCollector(Collector):
    """The figures read at scrape time from the ledger, the views and the runners."""

    def __init__(self, state: Any) -> None:
        self.state = state

    def collect(self) -> Iterator[Any]:
        yield from self._group_commit()
        yield from self._lag()
        yield from self._runners()
        yield from self._pools()
        yield from self._access_log()

    def _group_commit(self) -> Iterator[Any]:
        gc = getattr(self.state.ledger.recorder, "group_commit", None)
        if gc is None:  # SQLite, or PostgreSQL with LEDGER_GROUP_COMMIT=0: one transaction per save
            return
        groups = CounterMetricFamily("ledger_group_commit_groups", "Transactions written by group commit")
        groups.add_metric([], gc.groups)
        saves = CounterMetricFamily("ledger_group_commit_saves", "Saves carried by those transactions "
                                    "(saves / groups = the mean group size)")
        saves.add_metric([], gc.requests)
        largest = GaugeMetricFamily("ledger_group_commit_largest_group", "The largest group so far (saves)")
        largest.add_metric([], gc.largest_group)
        queued = GaugeMetricFamily("ledger_group_commit_queued", "Saves waiting or being written now")
        queued.add_metric([], gc.queued)
        yield from (groups, saves, largest, queued)

    def _lag(self) -> Iterator[Any]:
        db: ViewDB = self.state.views.db
        events = GaugeMetricFamily("ledger_projection_lag_events", "Events recorded that the view has not processed",
                                   labels=["view"])
        seconds = GaugeMetricFamily("ledger_projection_lag_seconds",
                                    "Age of the oldest event the view has not processed (0: caught up)", labels=["view"])
        head_metric = GaugeMetricFamily("ledger_notification_head", "The last notification id in the ledger")
        with db.reading() as cur:
            head = int(cur.scalar(db.max_notification_sql()) or 0)
            tracked = dict(cur.execute("SELECT view, position FROM view_tracking").fetchall())
            key = "rowid" if db.backend == "sqlite" else "notification_id"
            # every view the runners keep, also one that has not yet run once (no tracking row: behind by all)
            for view in sorted(set(PROJECTIONS) | set(tracked)):
                position = tracked.get(view, 0)
                behind = max(head - int(position), 0)
                events.add_metric([view], behind)
                age = 0.0
                if behind:
                    first = cur.scalar(f"SELECT recorded_at FROM {db.events_table} WHERE {key} > %s "
                                       f"ORDER BY {key} LIMIT 1", (int(position),))
                    age = _seconds_since(first) if first is not None else 0.0
                seconds.add_metric([view], age)
        head_metric.add_metric([], head)
        yield from (head_metric, events, seconds)

    def _runners(self) -> Iterator[Any]:
        status = self.state.projections()
        restarts = CounterMetricFamily("ledger_projection_restarts", "Restarts of the projection runners "
                                       "(threads, or the projector process)", labels=["mode"])
        restarts.add_metric([status.get("mode", "off")], status.get("restarts", 0))
        failing = GaugeMetricFamily("ledger_projection_failing", "Runners failing now")
        failing.add_metric([], len(status.get("failing", ())))
        yield from (restarts, failing)

    def _pools(self) -> Iterator[Any]:
        size = GaugeMetricFamily("ledger_pool_connections", "Connections open in a pool", labels=["pool"])
        idle = GaugeMetricFamily("ledger_pool_connections_idle", "Connections open and idle", labels=["pool"])
        waiting = GaugeMetricFamily("ledger_pool_requests_waiting", "Requests waiting for a connection",
                                    labels=["pool"])
        pools = {
            "views": getattr(self.state.views.db, "_pool", None),
            "events": getattr(getattr(self.state.ledger.recorder, "datastore", None), "pool", None),
        }
        for name, pool in pools.items():
            if pool is None or not hasattr(pool, "get_stats"):
                continue  # SQLite opens a connection per read; the events pool of another library version
            stats = pool.get_stats()
            size.add_metric([name], stats.get("pool_size", 0))
            idle.add_metric([name], stats.get("pool_available", 0))
            waiting.add_metric([name], stats.get("requests_waiting", 0))
        yield from (size, idle, waiting)

    def _access_log(self) -> Iterator[Any]:
        access = getattr(self.state, "access_log", None)
        if access is None:
            return
        rows = CounterMetricFamily("ledger_access_log_rows", "Disclosures written to the access log by this process")
        rows.add_metric([], access.written)
        batches = CounterMetricFamily("ledger_access_log_batches", "Transactions that wrote them")
        batches.add_metric([], access.batches)
        yield from (rows, batches)


def allowed(request: Request[Any, Any, Any], token: str) -> bool:
    """The bearer of the token, or (no token set) a client on this host."""
    if token:
        given = request.headers.get("authorization", "")
        return given.startswith("Bearer ") and hmac.compare_digest(given[7:].encode(), token.encode())
    return (request.client.host if request.client else "") in LOCAL


@get("/metrics", operation_id="getMetrics", sync_to_thread=True, exclude_from_auth=True, include_in_schema=False)
def metrics(request: Request[Any, Any, Any]) -> Response[bytes]:
    """The server's metrics in Prometheus text format (for a token, or from this host)."""
    if not allowed(request, request.app.state.metrics_token):
        return Response(b"forbidden: set LEDGER_METRICS_TOKEN and send it as a bearer token, or scrape from localhost\n",
                        status_code=403, media_type="text/plain; charset=utf-8")
    return Response(request.app.state.metrics.exposition(), media_type=CONTENT_TYPE)
