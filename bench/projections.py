"""Read-side benchmark on PostgreSQL over >= 1,000,000 stored events.

Measures, in one run:
  - raw notification read + decode speed (our EventSource, 5,000 per page)
  - rebuild (= catch-up from zero) throughput of the `cases` view (folded in
    partition processes, LEDGER_REBUILD_PROCESSES) and the `audit` view
  - registry query latency (p50/p99) with all events stored and projected
  - the 登记簿 of one unit's quarter and of every unit's, paged (p50/p99, RSS)
  - the as-of registry for the instant halfway through the log (from the cases
    view's stored history + CSV + hash), and the same cut folded from the log
    the old way: the two SHA-256 must be equal
  - building the seal (SHA-256 chain) and `verify` over the whole log
and the peak memory (max RSS) of each, every step in its own forked process.

The log is filled quickly and honestly: ~150 template cases are recorded
through the real application (every lifecycle path: joint/single service,
phone follow-up, rectification, reversal, refusal, withdrawal, correction),
then their stored events are copied under fresh case ids with COPY until the
target count is reached (form numbers repeat; the read side does not care).

Usage: python bench/projections.py [--events 1000000] [--dsn ...] [--keep] [--steps rebuild,register]
The last line is JSON.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import random
import resource
import statistics
import sys
import time
import uuid
from datetime import timedelta
from pathlib import Path

import psycopg
from psycopg import sql

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ledger.application import Ledger  # noqa: E402
from ledger.case.commands import AcceptCase, RefuseCase
from ledger.case.values import Referral
from ledger.demo import record_demo_case  # noqa: E402
from ledger.scope import Reach, console_scope  # noqa: E402
from ledger.settings import Settings  # noqa: E402
from ledger.store.migrate import migrate  # noqa: E402
from ledger.store.sql import ViewDB  # noqa: E402
from ledger.values import DeadlineClass, Role
from projections.audit import AuditProjection  # noqa: E402
from projections.cases import CasesProjection  # noqa: E402
from projections.cases.as_of import registry_csv_as_of  # noqa: E402
from projections.cases.export import registry_csv, registry_order
from projections.partitioned import processes
from projections.rebuild import content_hash, fold_as_of, rebuild, resolve_cutoff  # noqa: E402
from projections.runner import EventSource, no_gc  # noqa: E402
from projections.views import Views
from tests.builders import (  # noqa: E402
    NOW,
    REGISTRAR,
    T0,
    book_cmd,
    ctx,
    fixed_clock,
    rated_case,
)

EVERY = console_scope(Reach.CASES)  # the console reads every unit


def templates(settings: Settings) -> list[list[tuple]]:
    """Record template cases through the real application; return their stored events."""
    ledger = Ledger(settings, clock=fixed_clock())
    ids = []
    for i in range(150):
        kind = i % 5
        if kind == 0:
            ids.append(record_demo_case(ledger, NOW - timedelta(days=14)))
        elif kind in (1, 2):
            ids.append(rated_case(ledger, joint=kind == 2))
        elif kind == 3:
            cid = ledger.book(ctx(REGISTRAR), book_cmd()).case_id
            ledger.refuse(ctx(REGISTRAR), RefuseCase(case_id=cid, business_time=T0 + timedelta(hours=1),
                          reason="不属于指导服务范围", notice="请向市场监管部门咨询",
                          referral=Referral(body="市市场监督管理局", how_to_reach="12315")))
            ids.append(cid)
        else:
            cid = ledger.book(ctx(REGISTRAR), book_cmd()).case_id
            ledger.accept(ctx(REGISTRAR), AcceptCase(case_id=cid, business_time=T0 + timedelta(minutes=5),
                          deadline_class=DeadlineClass.GENERAL))
            ids.append(cid)
    out = []
    for cid in ids:
        out.append([(s.originator_version, s.topic, s.state)
                    for s in ledger.recorder.select_events(cid)])
    ledger.close()
    return out


def fill(settings: Settings, target: int, tmpl: list[list[tuple]] | None = None, *, copies: bool = False) -> int:
    """Copy template cases (``templates()`` unless given) under fresh ids until
    ``target`` events are stored; with ``copies``, make ``target`` copies
    (bench/pages.py counts cases). Returns the events (or copies) stored."""
    tmpl = tmpl if tmpl is not None else templates(settings)
    with psycopg.connect(settings.dsn) as conn:
        conn.execute(sql.SQL("SET search_path TO {}").format(sql.Identifier(settings.pg_schema)))
        stored = 0 if copies else conn.execute("SELECT count(*) FROM ledger_events").fetchone()[0]
        with conn.cursor() as cur:
            with cur.copy("COPY ledger_events (originator_id, originator_version, topic, state) FROM STDIN") as cp:
                i = 0
                while stored < target:
                    events = tmpl[i % len(tmpl)]
                    cid = uuid.uuid4()
                    for version, topic, state in events:
                        cp.write_row((cid, version, topic, state))
                    stored += 1 if copies else len(events)
                    i += 1
        conn.commit()
        conn.execute("ANALYZE ledger_events")
        conn.commit()
    return stored


def _peak_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def step_read(settings: Settings, q: mp.Queue) -> None:
    db = ViewDB(settings)
    src = EventSource(db)
    t = time.perf_counter()
    n = pos = 0
    raw_t = 0.0
    with db.reading() as cur:
        while True:
            t0 = time.perf_counter()
            rows = src.read(cur, pos, 2**62, 5000)
            raw_t += time.perf_counter() - t0
            if not rows:
                break
            with no_gc():
                src.decode(rows, lambda topic: True)
            n += len(rows)
            pos = rows[-1][0]
    total = time.perf_counter() - t
    q.put({"events": n, "read_decode_per_s": round(n / total), "raw_read_per_s": round(n / raw_t),
           "peak_rss_mb": _peak_mb()})


def step_rebuild(settings: Settings, which: str, q: mp.Queue) -> None:
    projection = CasesProjection() if which == "cases" else AuditProjection()
    t = time.perf_counter()
    position = rebuild(settings, projection)
    elapsed = time.perf_counter() - t
    # the cases view is folded by partition processes (projections/partitioned.py): their peak too
    children = round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, 1)
    q.put({"position": position, "seconds": round(elapsed, 1), "events_per_s": round(position / elapsed),
           "peak_rss_mb": _peak_mb(), "partition_processes": processes() if which == "cases" else 0,
           "largest_partition_process_rss_mb": children})


def step_rebuild_log_order(settings: Settings, q: mp.Queue) -> None:
    """The cases rebuild the way every other view is rebuilt (the log in
    notification order, batch by batch, one process), for comparison."""
    import projections.rebuild as rebuilding

    rebuilding.partitionable = lambda *_: False  # in this forked step's process only
    t = time.perf_counter()
    position = rebuild(settings, CasesProjection())
    elapsed = time.perf_counter() - t
    q.put({"position": position, "seconds": round(elapsed, 1), "events_per_s": round(position / elapsed),
           "peak_rss_mb": _peak_mb()})


def step_seal(settings: Settings, q: mp.Queue) -> None:
    from projections.seal import SealProjection

    t = time.perf_counter()
    position = rebuild(settings, SealProjection())
    elapsed = time.perf_counter() - t
    q.put({"position": position, "seconds": round(elapsed, 1), "events_per_s": round(position / elapsed),
           "peak_rss_mb": _peak_mb()})


def step_verify(settings: Settings, q: mp.Queue) -> None:
    from projections.seal import verify

    t = time.perf_counter()
    finding = verify(settings)
    elapsed = time.perf_counter() - t
    q.put({"intact": finding.intact, "position": finding.position, "seconds": round(elapsed, 1),
           "events_per_s": round(finding.position / elapsed), "peak_rss_mb": _peak_mb()})


def step_query(settings: Settings, q: mp.Queue) -> None:
    views = Views(settings)
    rnd = random.Random(7)
    total = views.db
    with total.reading() as cur:
        n_cases = cur.scalar("SELECT count(*) FROM registry")
    units = ["市场监督管理局", "消防救援支队", "市市场监督管理局"]
    lat: list[float] = []
    by_kind: dict[str, list[float]] = {}
    # what clerks do: a page among the first twenty (50 rows each) of the
    # whole registry, of a unit's cases, or of a state within a period
    for i in range(300):
        kind = i % 3
        offset = 50 * rnd.randrange(0, 20)
        t = time.perf_counter()
        if kind == 0:
            views.registry(console_scope(Reach.CASES, Role.AUDITOR), limit=50, offset=offset)
        elif kind == 1:
            views.registry(console_scope(Reach.CASES, Role.REGISTRAR), unit=rnd.choice(units), limit=50, offset=offset)
        else:
            views.registry(console_scope(Reach.CASES, Role.SUPERVISOR), state="archived", applied_from="2026-11-01", limit=50, offset=offset)
        lat.append((time.perf_counter() - t) * 1000)
        by_kind.setdefault(("all", "unit", "state+period")[kind], []).append(lat[-1])
    lat.sort()
    views.close()
    q.put({"cases": n_cases, "queries": len(lat), "p50_ms": round(statistics.median(lat), 2),
           "p99_ms": round(lat[int(len(lat) * 0.99) - 1], 2),
           "max_ms_by_kind": {k: round(max(v), 2) for k, v in by_kind.items()}, "peak_rss_mb": _peak_mb()})


def step_register(settings: Settings, q: mp.Queue) -> None:
    """The 行政指导事项登记簿: pages (100 lines) among the first twenty of one
    unit's quarter and of every unit's, as a bounded SQL query each."""
    views = Views(settings)
    with views.db.reading() as cur:
        quarter, served = cur.execute(
            "SELECT served_quarter, count(*) FROM registry WHERE served_quarter IS NOT NULL "
            "GROUP BY served_quarter ORDER BY count(*) DESC LIMIT 1").fetchone()
        unit = cur.scalar("SELECT unit FROM registry_unit GROUP BY unit ORDER BY count(*) DESC LIMIT 1")
    year, qn = (int(x) for x in quarter.split("-Q"))
    rss_before = _peak_mb()
    rnd = random.Random(11)
    by_kind: dict[str, list[float]] = {"unit+quarter": [], "all+quarter": [], "unit+year": []}
    for i in range(600):
        kind = ("unit+quarter", "all+quarter", "unit+year")[i % 3]
        offset = 100 * rnd.randrange(0, 20)
        t = time.perf_counter()
        page = views.guidance_register(
            EVERY, year, None if kind == "unit+year" else qn, unit=None if kind == "all+quarter" else unit,
            limit=100, offset=offset,
        )
        by_kind[kind].append((time.perf_counter() - t) * 1000)
        assert page and page[0]["seq"] == offset + 1
    rss_after = _peak_mb()
    # the way it was: every registry row into Python, filtered there (once)
    from projections.cases.export import case_register_row, quarter_bounds, register_lines

    t = time.perf_counter()
    start, end = quarter_bounds(year, qn)
    served_rows = sorted((r for r in views.registry_rows(EVERY) if r["served_at"] and start <= r["served_at"] < end),
                         key=lambda r: (r["served_at"], r["case_id"]))
    whole = register_lines(map(case_register_row, served_rows))
    old_ms = (time.perf_counter() - t) * 1000
    views.close()
    lat = sorted(x for v in by_kind.values() for x in v)
    q.put({"old_way_all_rows_ms": round(old_ms, 1), "old_way_lines": len(whole), "old_way_peak_rss_mb": _peak_mb(),
           "rss_after_mb": rss_after, "quarter": quarter, "served_in_quarter": served, "unit": unit, "queries": len(lat),
           "p50_ms": round(statistics.median(lat), 2), "p99_ms": round(lat[int(len(lat) * 0.99) - 1], 2),
           "p99_ms_by_kind": {k: round(sorted(v)[int(len(v) * 0.99) - 1], 2) for k, v in by_kind.items()},
           "rss_before_mb": rss_before})


def step_as_of(settings: Settings, q: mp.Queue) -> None:
    with psycopg.connect(settings.dsn) as conn:
        conn.execute(sql.SQL("SET search_path TO {}").format(sql.Identifier(settings.pg_schema)))
        head = conn.execute("SELECT max(notification_id) FROM ledger_events").fetchone()[0]
        halfway = conn.execute("SELECT recorded_at FROM ledger_events WHERE notification_id >= %s "
                               "ORDER BY notification_id LIMIT 1", (head // 2,)).fetchone()[0]
    t = time.perf_counter()
    cutoff, label = resolve_cutoff(settings, halfway.isoformat())
    # from the cases view's stored history (the view is caught up by the rebuild step), the CSV
    # made in parts by forked processes (projections/cases/as_of.py), as the CLI and the API make it
    data, count = registry_csv_as_of(settings, console_scope(Reach.CASES, Role.SUPERVISOR), cutoff)
    digest = content_hash(data)
    elapsed = time.perf_counter() - t
    q.put({"cutoff": cutoff, "rows": count, "seconds": round(elapsed, 2), "csv_bytes": len(data),
           "sha256": digest, "peak_rss_mb": _peak_mb(), "parts": processes(),
           "largest_part_process_rss_mb": round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, 1)})


def step_as_of_fold(settings: Settings, q: mp.Queue) -> None:
    """The same cut, the old way (the log folded in memory), for comparison."""
    with psycopg.connect(settings.dsn) as conn:
        conn.execute(sql.SQL("SET search_path TO {}").format(sql.Identifier(settings.pg_schema)))
        head = conn.execute("SELECT max(notification_id) FROM ledger_events").fetchone()[0]
        halfway = conn.execute("SELECT recorded_at FROM ledger_events WHERE notification_id >= %s "
                               "ORDER BY notification_id LIMIT 1", (head // 2,)).fetchone()[0]
    t = time.perf_counter()
    cutoff, label = resolve_cutoff(settings, halfway.isoformat())
    rows = fold_as_of(settings, CasesProjection(), cutoff)
    data = registry_csv(registry_order(rows.values()), Role.SUPERVISOR)
    digest = content_hash(data)
    elapsed = time.perf_counter() - t
    q.put({"cutoff": cutoff, "rows": len(rows), "seconds": round(elapsed, 2), "csv_bytes": len(data),
           "sha256": digest, "peak_rss_mb": _peak_mb()})


def run(step, *args) -> dict:
    q: mp.Queue = mp.Queue()
    p = mp.get_context("fork").Process(target=step, args=(*args, q))
    p.start()
    result = q.get()
    p.join()
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--dsn", default="postgresql://postgres@127.0.0.1:5432/test")
    parser.add_argument("--keep", action="store_true", help="keep the schema afterwards")
    parser.add_argument("--steps", default="read,rebuild,seal,verify,query,register,as_of",
                        help="comma-separated steps to run (rebuild is needed before query and register)")
    args = parser.parse_args()
    steps = set(args.steps.split(","))
    schema = f"bench_{uuid.uuid4().hex[:8]}"
    settings = Settings(backend="postgres", dsn=args.dsn, pg_schema=schema)
    migrate(settings)
    out: dict = {"store": "postgres", "schema": schema}
    try:
        t = time.perf_counter()
        out["events"] = fill(settings, args.events)
        out["fill_seconds"] = round(time.perf_counter() - t, 1)
        print(f"stored {out['events']} events in {out['fill_seconds']} s", flush=True)
        plan = [
            ("read", "read_decode", step_read, ()),
            ("rebuild", "rebuild_cases_log_order", step_rebuild_log_order, ()),
            ("rebuild", "rebuild_cases", step_rebuild, ("cases",)),
            ("rebuild", "rebuild_audit", step_rebuild, ("audit",)),
            ("seal", "seal", step_seal, ()),
            ("verify", "verify", step_verify, ()),
            ("query", "registry_query", step_query, ()),
            ("register", "guidance_register", step_register, ()),
            ("as_of", "as_of_halfway", step_as_of, ()),
            ("as_of", "as_of_halfway_folded", step_as_of_fold, ()),
        ]
        for step, key, fn, extra in plan:
            if step in steps:
                out[key] = run(fn, settings, *extra)
                print(f"{key}:", out[key], flush=True)
        if "read" in steps and "rebuild" in steps:
            rd = out["read_decode"]["read_decode_per_s"]
            out["rebuild_cases_vs_read_decode"] = round(out["rebuild_cases"]["events_per_s"] / rd, 3)
            out["rebuild_cases_log_order_vs_read_decode"] = round(
                out["rebuild_cases_log_order"]["events_per_s"] / rd, 3)
            out["rebuild_audit_vs_read_decode"] = round(out["rebuild_audit"]["events_per_s"] / rd, 3)
        if "as_of" in steps:  # the same cut, the same bytes: from the history and folded
            history, folded = out["as_of_halfway"], out["as_of_halfway_folded"]
            out["as_of_history_equals_fold"] = history["sha256"] == folded["sha256"]
            out["as_of_history_vs_fold_seconds"] = round(history["seconds"] / max(folded["seconds"], 0.001), 3)
    finally:
        if not args.keep:
            with psycopg.connect(args.dsn, autocommit=True) as conn:
                conn.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(sql.Identifier(schema)))
    print(json.dumps(out, ensure_ascii=False))


if __name__ == "__main__":
    main()
