"""Workbench page speed on PostgreSQL: the handler's time, server-side.

Targets (issue 15, item 9): over 200,000 cases, the home queues and the
registry pages answer with p99 < 150 ms; a case page with 200 events < 100 ms
(p99 too). The audit log is a list page like the registry: it is held to
150 ms as well.

The store is a database of its own (``bench_pages``, dropped and created
again by the run, dropped at the end unless --keep) beside the test suite's,
filled as bench/projections.py fills its log: template cases recorded
through the real application (every lifecycle path, ``templates()``), plus
cases waiting in the demo users' queues (booked: 待受理; dispatched to the
demo market regulator: 待服务), copied under fresh ids with COPY
(``fill``) until there are --cases cases; the demo units and users
(``seed_demo``); one case of 200 events (the demo story, then annotations
by the registrar, the dispatcher and the serving officer). Every view a
server keeps (``projections.PROJECTIONS``: cases, audit, the seal the case
page shows…) is then rebuilt from the log (``projections.rebuild``) and the
database vacuumed and analysed, as autovacuum would leave it. The seeding
runs in a forked child at nice 10: the machine is shared.

Besides the wall time, each page's Python CPU per request is given (this
process's, while the client waits): a wall time far above it is time spent
waiting on PostgreSQL or for a core on a busy machine.

The app is ``ledger serve``'s (``create_app``, projections off: the views are
complete), called in this process through Litestar's TestClient, signed in
like a browser (GET /login for the CSRF token, POST /login, session cookie).
A request's time is taken inside the app (around its ASGI handler, so the
session and CSRF middleware, the queries and the templates count; the test
client does not) from its arrival to its last body byte. Pages are requested
one at a time, in turns, after a warm-up; each answer is checked (status, and
the rows or timeline entries it shows).

Usage: python bench/pages.py [--cases 200000] [--samples 300] [--dsn ...] [--keep]
       python bench/pages.py --cases 5000 --samples 40    # quick smoke run
       python bench/pages.py --reuse [--samples N]        # measure again what --keep left
The last line is JSON.
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import multiprocessing as mp
import os
import queue
import re
import sys
import time
import uuid
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import psycopg
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict, make_conninfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # before bench/ itself: `projections` is the package, not bench/projections.py

from bench.projections import fill, templates
from ledger.application import Ledger
from ledger.case.commands import AcceptCase, AnnotateCase, DispatchCase
from ledger.case.values import Assignment, ServiceForm
from ledger.commands import Context
from ledger.demo import DISPATCHER, MARKET, MARKET_STAFF, REGISTRAR, record_demo_case, seed_demo
from ledger.settings import Settings
from ledger.store.credentials import CredentialStore
from ledger.store.migrate import migrate
from ledger.values import CST, DeadlineClass, Person
from projections import PROJECTIONS
from projections.rebuild import rebuild
from tests.builders import T0, book_cmd, fixed_clock

DATABASE = "bench_pages"
PASSWORD = "demo-password-2026"
LONG_CASE_EVENTS = 200
QUEUE_MS, CASE_MS = 150.0, 100.0


# ------------------------------------------------------------------ the store


def database_dsn(base: str, name: str) -> str:
    return make_conninfo(base, dbname=name)


def fresh_database(base: str, name: str) -> None:
    """Drop and create ``name`` beside the base DSN's database (never inside it)."""
    if conninfo_to_dict(base).get("dbname") == name:
        raise SystemExit(f"the base DSN already names {name}: give the test database's DSN")
    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def drop_database(base: str, name: str) -> None:
    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def ctx(actor: Any) -> Context:
    return Context(actor=actor, request_id=uuid.uuid4().hex)


def waiting_templates(settings: Settings, each: int = 30) -> list[list[tuple]]:
    """Cases waiting in the demo users' queues (``templates()`` records its
    open cases for the test suite's units, whom no demo user belongs to):
    booked (zhangmin's 待受理) and dispatched to the demo market regulator
    (wanglei's 待服务). Their stored events, as ``templates()`` gives them."""
    ledger = Ledger(settings, clock=fixed_clock())
    ids = []
    for i in range(each):
        ids.append(ledger.book(ctx(REGISTRAR), book_cmd()).case_id)
        cid = ledger.book(ctx(REGISTRAR), book_cmd()).case_id
        ledger.accept(ctx(REGISTRAR), AcceptCase(case_id=cid, business_time=T0 + timedelta(minutes=5),
                                                 deadline_class=DeadlineClass.GENERAL))
        ledger.dispatch(ctx(DISPATCHER), DispatchCase(
            case_id=cid, business_time=T0 + timedelta(hours=1), form=ServiceForm.ONSITE_VISIT, agreed_time=T0 + timedelta(days=2),
            assignments=(Assignment(unit=MARKET, staff=(Person(id=MARKET_STAFF.id, name=MARKET_STAFF.name),)),)))
        ids.append(cid)
    out = [[(s.originator_version, s.topic, s.state) for s in ledger.recorder.select_events(cid)] for cid in ids]
    ledger.close()
    return out


def long_case(ledger: Ledger, events: int = LONG_CASE_EVENTS) -> uuid.UUID:
    """The demo story (archived, with a correction), then annotations by the
    registrar, the dispatcher and the serving officer until ``events``."""
    start = datetime.now(CST).replace(hour=9, minute=0, second=0, microsecond=0) - timedelta(days=30)
    case_id = record_demo_case(ledger, start)
    version = len(ledger.history(case_id))
    authors = (REGISTRAR, DISPATCHER, MARKET_STAFF)
    while version < events:
        about = version if version % 10 == 0 else None  # now and then about an earlier entry
        ledger.annotate(ctx(authors[version % 3]),
                        AnnotateCase(case_id=case_id, note=f"第{version + 1}条批注：已电话核实整改进度", about_version=about))
        version += 1
    return case_id


def step_seed(settings: Settings, cases: int, q: Any) -> None:
    """Everything the pages read, in a child at nice 10 (see the docstring)."""
    os.nice(10)
    out: dict[str, Any] = {}
    t = time.perf_counter()
    tmpl = templates(settings)
    tmpl += waiting_templates(settings)
    ledger = Ledger(settings)
    credentials = CredentialStore(settings)
    seed_demo(ledger, credentials)
    out["long_case"] = str(long_case(ledger))
    credentials.close()
    ledger.close()
    out["record_seconds"] = round(time.perf_counter() - t, 1)
    with psycopg.connect(settings.dsn) as conn:
        recorded = conn.execute("SELECT count(*) FROM ledger_events WHERE originator_version = 1 "
                                "AND topic LIKE 'ledger.case:GuidanceCase.%'").fetchone()[0]
    t = time.perf_counter()
    out["copies"] = fill(settings, max(cases - recorded, 0), tmpl, copies=True) if cases > recorded else 0
    out["copy_seconds"] = round(time.perf_counter() - t, 1)
    for name, projection in PROJECTIONS.items():  # every view a server keeps (the case page shows the seal's)
        t = time.perf_counter()
        rebuild(settings, projection())
        out[f"rebuild_{name}_seconds"] = round(time.perf_counter() - t, 1)
    t = time.perf_counter()
    with psycopg.connect(settings.dsn, autocommit=True) as conn:
        conn.execute("VACUUM (ANALYZE)")  # as autovacuum leaves a store after bulk inserts: visibility map, statistics
    out["vacuum_analyze_seconds"] = round(time.perf_counter() - t, 1)
    q.put(out | described(settings, out["long_case"]))


def described(settings: Settings, long_case: str | None = None) -> dict[str, Any]:
    """What the store holds; the case with the most events (``--reuse``) unless named."""
    with psycopg.connect(settings.dsn) as conn:
        if long_case is None:
            long_case = str(conn.execute(
                "SELECT originator_id FROM ledger_events WHERE topic LIKE 'ledger.case:GuidanceCase.%' "
                "GROUP BY originator_id ORDER BY count(*) DESC LIMIT 1").fetchone()[0])
        return {
            "cases": conn.execute("SELECT count(*) FROM registry").fetchone()[0],
            "events": conn.execute("SELECT count(*) FROM ledger_events").fetchone()[0],
            "audit_rows": conn.execute("SELECT count(*) FROM audit_log").fetchone()[0],
            "long_case": long_case,
            "long_case_events": conn.execute("SELECT count(*) FROM ledger_events WHERE originator_id = %s",
                                             (long_case,)).fetchone()[0],
            "queue_sizes": dict(conn.execute("SELECT stage, count(*) FROM work_queue GROUP BY stage").fetchall()),
        }


def in_child(step: Any, *args: Any) -> Any:
    """``step(*args, q)`` in a forked child (as bench/projections.py's ``run``),
    but a child that dies ends the run instead of leaving it waiting."""
    q: Any = mp.Queue()
    p = mp.get_context("fork").Process(target=step, args=(*args, q))
    p.start()
    while True:
        try:
            result = q.get(timeout=2)
            break
        except queue.Empty:
            if not p.is_alive() and q.empty():
                raise SystemExit(f"{step.__name__} failed (exit code {p.exitcode}): see its traceback above") from None
    p.join()
    return result


# ------------------------------------------------------------------ the pages


class ServerClock:
    """Wraps the app's ASGI handler (what ``Litestar.__call__`` awaits, inside
    it the middleware and the route): the seconds from a request's arrival
    to its last body message."""

    def __init__(self, handler: Any) -> None:
        self.handler = handler
        self.last: float | None = None
        self.cpu: float | None = None  # of this whole process: the client waits meanwhile

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.handler(scope, receive, send)
            return
        start, cpu = time.perf_counter(), time.process_time()

        async def timed(message: Any) -> None:
            if message["type"] == "http.response.body" and not message.get("more_body"):
                self.last, self.cpu = time.perf_counter() - start, time.process_time() - cpu
            await send(message)

        await self.handler(scope, receive, timed)


CASE_LINK = re.compile(r'href="/w/cases/[0-9a-f-]{36}"')
TIMELINE_ENTRY = re.compile(r'<li id="v\d+"')
AUDIT_ROW = re.compile(r"<tr>\s*<td")


def page_plan(seed: dict[str, Any]) -> list[dict[str, Any]]:
    """The pages clerks open most: (name, user, path, target, what each entry
    looks like, how many entries it must show; None: at least one)."""
    deep = (seed["cases"] // 2) // 20 * 20
    plan = [
        ("home_registrar", "zhangmin", "/w/", QUEUE_MS, CASE_LINK, None),
        ("home_dispatcher", "liqiang", "/w/", QUEUE_MS, CASE_LINK, None),
        ("home_unit_staff", "wanglei", "/w/", QUEUE_MS, CASE_LINK, None),
        ("queue_page_dispatch", "liqiang", "/w/queues/dispatch", QUEUE_MS, CASE_LINK, None),
        ("registry_first_page", "zhangmin", "/w/registry", QUEUE_MS, CASE_LINK, None),
        ("registry_state_filter", "zhangmin", "/w/registry?state=refused", QUEUE_MS, CASE_LINK, None),
        ("registry_type_and_state_filter", "zhangmin",
         "/w/registry?service_type=compliance_guidance&state=rated", QUEUE_MS, CASE_LINK, None),
        (f"registry_deep_offset_{deep}", "zhangmin", f"/w/registry?offset={deep}", QUEUE_MS, CASE_LINK, None),
        ("registry_unit_staff", "wanglei", "/w/registry", QUEUE_MS, CASE_LINK, None),
        (f"case_page_{seed['long_case_events']}_events", "zhangmin", f"/w/cases/{seed['long_case']}", CASE_MS,
         TIMELINE_ENTRY, seed["long_case_events"]),
        ("audit_first_page", "zhengshen", "/w/audit", QUEUE_MS, AUDIT_ROW, None),
        ("audit_action_filter", "zhengshen", "/w/audit?action=Served", QUEUE_MS, AUDIT_ROW, None),
    ]
    return [dict(zip(("name", "user", "path", "target_ms", "marker", "rows"), p)) for p in plan]


def percentile(values: list[float], p: float) -> float:
    """Nearest rank: the smallest value with at least p of the samples at or below it."""
    ordered = sorted(values)
    return ordered[max(math.ceil(p * len(ordered)) - 1, 0)]


def measure(settings: Settings, seed: dict[str, Any], samples: int, warmup: int) -> dict[str, Any]:
    from litestar.testing import TestClient

    from ledger.cli.runtime import tune_gc
    from ledger_http.app import create_app

    logging.getLogger("httpx").setLevel(logging.WARNING)  # a line per request otherwise
    os.environ.setdefault("LEDGER_SECRET", uuid.uuid4().hex)  # required on PostgreSQL (tokens)
    ledger = Ledger(settings)
    app = create_app(settings, ledger=ledger, projections="off")  # the views are complete: no runner
    clock = ServerClock(app.asgi_handler)
    app.asgi_handler = clock
    plan = page_plan(seed)
    results: dict[str, Any] = {}
    with TestClient(app, base_url="http://127.0.0.1:8000") as client:
        tune_gc()  # as `ledger serve` does once the app is up
        jars = {}
        for user in sorted({p["user"] for p in plan}):  # sign in as a browser does
            client.cookies = httpx.Cookies()
            form = client.get("/login")
            token = re.search(r'name="_csrf_token" value="([^"]+)"', form.text).group(1)
            r = client.post("/login", data={"username": user, "password": PASSWORD, "_csrf_token": token},
                            follow_redirects=False)
            if r.status_code not in (302, 303) or not r.headers["location"].startswith("/w"):
                raise SystemExit(f"sign-in of {user} failed: {r.status_code} {r.text[:200]}")
            jars[user] = httpx.Cookies(client.cookies)
        timings: dict[str, list[float]] = {p["name"]: [] for p in plan}
        cpu: dict[str, list[float]] = {p["name"]: [] for p in plan}
        for round_ in range(warmup + samples):
            for p in plan:  # in turns, so that a drift in the machine's load weighs on every page alike
                client.cookies = jars[p["user"]]
                clock.last = None
                r = client.get(p["path"], follow_redirects=False)
                jars[p["user"]] = client.cookies
                if r.status_code != 200:
                    raise SystemExit(f"{p['name']}: {r.status_code} {r.headers.get('location', '')} {r.text[:300]}")
                if round_ == 0:
                    shown = len(p["marker"].findall(r.text))
                    if shown == 0 or (p["rows"] is not None and shown != p["rows"]):
                        raise SystemExit(f"{p['name']} shows {shown} entries, expected {p['rows'] or 'some'}: "
                                         "the page would not measure what it claims")
                    results[p["name"]] = {"path": p["path"], "user": p["user"], "shown": shown, "bytes": len(r.content)}
                if round_ >= warmup:
                    timings[p["name"]].append(clock.last * 1000)
                    cpu[p["name"]].append(clock.cpu * 1000)
    ledger.close()
    for p in plan:
        lat = timings[p["name"]]
        p99 = percentile(lat, 0.99)
        results[p["name"]].update({
            "samples": len(lat), "p50_ms": round(percentile(lat, 0.50), 1), "p95_ms": round(percentile(lat, 0.95), 1),
            "p99_ms": round(p99, 1), "max_ms": round(max(lat), 1), "target_p99_ms": p["target_ms"],
            # Python CPU per request: apart from the machine's load (PostgreSQL's share is not in it)
            "cpu_p50_ms": round(percentile(cpu[p["name"]], 0.50), 1), "cpu_p99_ms": round(percentile(cpu[p["name"]], 0.99), 1),
            "met": p99 < p["target_ms"],
        })
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=200_000)
    parser.add_argument("--samples", type=int, default=300, help="timed requests per page")
    parser.add_argument("--warmup", type=int, default=5, help="untimed rounds first")
    parser.add_argument("--dsn", default=os.environ.get("LEDGER_DSN") or "postgresql://postgres@127.0.0.1:5432/test",
                        help="a PostgreSQL server's DSN; the benchmark uses its own database there")
    parser.add_argument("--database", default=DATABASE)
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--reuse", action="store_true",
                        help="measure the database a run with --keep left (no seeding; --cases is ignored)")
    args = parser.parse_args()
    dsn = database_dsn(args.dsn, args.database)
    settings = Settings.from_env({"LEDGER_DSN": dsn})
    out: dict[str, Any] = {"store": "postgres", "database": args.database, "cpus": os.cpu_count(),
                           "loadavg_before": [round(x, 2) for x in os.getloadavg()]}
    if not args.reuse:
        fresh_database(args.dsn, args.database)
    try:
        if args.reuse:
            seed = described(settings)
        else:
            migrate(settings)
            t = time.perf_counter()
            seed = in_child(step_seed, settings, args.cases)
            seed["seed_seconds"] = round(time.perf_counter() - t, 1)
        print("seeded:" if not args.reuse else "reused:", seed, flush=True)
        out["seed"] = seed
        out["cases"], out["events"] = seed["cases"], seed["events"]
        out["pages"] = measure(settings, seed, args.samples, args.warmup)
        for name, r in out["pages"].items():
            print(f"{name:40} n={r['samples']:<4} p50 {r['p50_ms']:7.1f}  p95 {r['p95_ms']:7.1f}  p99 {r['p99_ms']:7.1f} ms"
                  f"  cpu p50 {r['cpu_p50_ms']:5.1f}  (target {r['target_p99_ms']:.0f}: {'met' if r['met'] else 'MISSED'}; {r['shown']} shown)", flush=True)
        out["all_met"] = all(r["met"] for r in out["pages"].values())
        out["missed"] = [name for name, r in out["pages"].items() if not r["met"]]
    finally:
        if not (args.keep or args.reuse):
            drop_database(args.dsn, args.database)
    out["loadavg_after"] = [round(x, 2) for x in os.getloadavg()]
    print(json.dumps(out, ensure_ascii=False))


if __name__ == "__main__":
    main()
