"""The registry as an Excel workbook: time and peak memory.

Target (issue 16, item 8): the registry of 200,000 cases as XLSX in < 30 s
with peak RSS < 200 MB.

Two measurements, each in a forked child so that its peak RSS
(``ru_maxrss``) is its own:

1. ``workbook``: ``projections.workbook.registry_xlsx`` over --cases rows
   made directly in the shape ``Views.registry_rows`` returns (every column
   of the ``registry`` table; a mix of cases booked, accepted, served, rated,
   archived; individuals' ID numbers, masked for the dispatcher who exports),
   consumed from a generator: what the workbook costs by itself.
2. ``end_to_end`` (PostgreSQL, --e2e-cases): a real store filled as
   bench/projections.py fills its log (template cases recorded through the
   application, copied under fresh ids), the cases view rebuilt, the demo
   users seeded (a child at nice 10); then, in a fresh process,
   ``GET /registry?format=xlsx`` through the app as the supervisor (bearer
   token), checked (status, SHA-256 header, every row read back). This path
   reads every row with one query first (as the CSV export does), so its
   memory grows with the registry: the figures (RSS before the request and
   at its peak) say by how much.

Usage: python bench/xlsx_export.py [--cases 200000] [--e2e-cases 20000] [--dsn ...] [--skip-e2e]
The last line is JSON.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import multiprocessing as mp
import os
import resource
import sys
import time
import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # before bench/ itself: `projections` is the package, not bench/projections.py

from ledger.values import CST, Role  # noqa: E402
from projections.cases import REGISTRY  # noqa: E402
from projections.workbook import registry_xlsx  # noqa: E402

TARGET_SECONDS, TARGET_MB = 30.0, 200.0
PG_DSN = os.environ.get("LEDGER_TEST_PG_DSN", "postgresql://postgres@127.0.0.1:5432/test")
UNITS = ["张店区市场监督管理局", "张店区消防救援大队", "张店区生态环境分局", "张店区城市管理局"]
STATES = ["archived", "rated", "served", "dispatched", "accepted", "applied", "refused", "withdrawn"]


def _peak_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def registry_rows(n: int) -> Iterator[dict[str, Any]]:
    """``n`` registry rows as the view returns them (every column), made on the fly."""
    start = datetime(2026, 1, 5, 9, 0, tzinfo=CST)
    blank = dict.fromkeys(REGISTRY.column_names)
    for i in range(n):
        state = STATES[0] if i % 10 < 5 else STATES[i % len(STATES)]
        applied = start + timedelta(minutes=7 * i)
        individual = i % 4 == 0
        row = dict(blank)
        row.update(
            case_id=str(uuid.UUID(int=i + 1)), version=9, state=state, applied_at=applied.isoformat(),
            applicant_name=("刘芳" if individual else f"淄博鲁味轩餐饮管理有限公司第{i % 997}分店"),
            applicant_kind="individual" if individual else "organisation",
            id_number="370303199001011234" if individual else "91370303MA3C1234XY",
            address="张店区人民西路88号", contact_name="刘芳", contact_phone="13953312345",
            service_types="compliance_guidance,rectification_assistance", needs="指导后厨台账和消防通道整改",
            channel="phone", urgency="normal", updated_at=(applied + timedelta(days=3)).isoformat(),
        )
        if state in ("refused",):
            row.update(refused_at=(applied + timedelta(hours=2)).isoformat(), refusal_reason="不属于指导服务范围")
        if state not in ("applied", "refused", "withdrawn"):
            due = applied + timedelta(days=5)
            row.update(form_number=f"2026年第{i + 1}号", accepted_at=(applied + timedelta(hours=1)).isoformat(),
                       deadline_class="general", due_limit=due.isoformat(), provisional=0)
        if state in ("dispatched", "served", "rated", "archived"):
            row.update(dispatched_at=(applied + timedelta(hours=3)).isoformat(), units=UNITS[i % 4],
                       staff="王磊、赵丽", service_form="onsite_visit")
        if state in ("served", "rated", "archived"):
            served = applied + timedelta(days=2)
            row.update(served_at=served.isoformat(), opinion_number=f"张市监指〔2026〕{i + 1}号",
                       advice="建立并如实填写进货查验记录", service_content="食品安全合规经营指导", on_time=1,
                       service_staff="王磊")
        if state in ("rated", "archived"):
            row.update(response_score=4, attitude_score=3, usefulness_score=3, result_score=4, phone_follow_up=i % 2,
                       last_follow_up="2026-03-02 上门回访：台账已建立", rectification="整改完成")
        if state == "archived":
            row.update(archive_number=f"张司档〔2026〕{i + 1}号", archived_at=(applied + timedelta(days=20)).isoformat())
        yield row


def step_workbook(cases: int, q: Any) -> None:
    t = time.perf_counter()
    cpu = time.process_time()
    for _ in registry_rows(cases):  # what making the rows costs by itself (a cursor's work in the server)
        pass
    generation = time.perf_counter() - t, time.process_time() - cpu
    t = time.perf_counter()
    cpu = time.process_time()
    data = registry_xlsx(registry_rows(cases), Role.DISPATCHER)
    seconds, cpu_seconds = time.perf_counter() - t, time.process_time() - cpu
    digest = hashlib.sha256(data).hexdigest()
    again = hashlib.sha256(registry_xlsx(registry_rows(min(cases, 2000)), Role.DISPATCHER)).hexdigest()
    twice = hashlib.sha256(registry_xlsx(registry_rows(min(cases, 2000)), Role.DISPATCHER)).hexdigest()
    q.put({"cases": cases, "seconds": round(seconds, 1), "cpu_seconds": round(cpu_seconds, 1),
           "generation_seconds": round(generation[0], 1), "generation_cpu_seconds": round(generation[1], 1),
           "export_cpu_seconds_without_generation": round(cpu_seconds - generation[1], 1),
           "peak_rss_mb": _peak_mb(), "xlsx_mb": round(len(data) / 2**20, 1), "sha256": digest,
           "same_bytes_again": again == twice} | step_check(data, cases))


def step_check(data: bytes, rows: int) -> dict[str, Any]:
    """Read the file back (openpyxl, read-only: streaming) and count its rows
    (after the peak RSS of the export was taken)."""
    import openpyxl

    book = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
    count = sum(sum(1 for _ in ws.iter_rows(min_row=2, values_only=True)) for ws in book.worksheets)
    book.close()
    return {"rows_read_back": count, "rows_ok": count == rows}


def e2e_settings(dsn: str, schema: str) -> Any:
    from ledger.settings import Settings

    os.environ.setdefault("LEDGER_SECRET", "bench-xlsx-secret-not-for-production-0123456789")
    return Settings(backend="postgres", dsn=dsn, pg_schema=schema)


def step_seed(dsn: str, schema: str, cases: int, q: Any) -> None:
    """The store of the end-to-end run, in a child at nice 10 (the machine is shared)."""
    from bench.projections import fill, templates
    from ledger.application import Ledger
    from ledger.demo import seed_demo
    from ledger.store.credentials import CredentialStore
    from ledger.store.migrate import migrate
    from projections.cases import CasesProjection
    from projections.rebuild import rebuild

    os.nice(10)
    settings = e2e_settings(dsn, schema)
    t = time.perf_counter()
    migrate(settings)
    fill(settings, cases, templates(settings), copies=True)
    ledger = Ledger(settings)
    credentials = CredentialStore(settings)
    seed_demo(ledger, credentials)
    credentials.close()
    ledger.close()
    rebuild(settings, CasesProjection())
    q.put({"seed_seconds": round(time.perf_counter() - t, 1)})


def step_export(dsn: str, schema: str, q: Any) -> None:
    """``GET /registry?format=xlsx`` as the supervisor, in a fresh process: the
    app as ``ledger serve`` makes it (projections off: the view is complete)."""
    import psycopg
    from litestar.testing import TestClient
    from psycopg import sql

    from ledger.demo import DEMO_PASSWORD
    from ledger_http.app import create_app

    settings = e2e_settings(dsn, schema)
    with psycopg.connect(dsn) as conn:
        conn.execute(sql.SQL("SET search_path TO {}").format(sql.Identifier(schema)))
        rows = conn.execute("SELECT count(*) FROM registry").fetchone()[0]
    app = create_app(settings, projections="off")
    out: dict[str, Any] = {"e2e_rows": rows}
    with TestClient(app) as client:
        token = client.post("/auth/login", json={"username": "wujian", "password": DEMO_PASSWORD}).json()["access_token"]
        out["e2e_rss_before_mb"] = _peak_mb()
        t = time.perf_counter()
        r = client.get("/registry", params={"format": "xlsx"}, headers={"Authorization": f"Bearer {token}"}, timeout=600)
        out["e2e_seconds"] = round(time.perf_counter() - t, 1)
        out["e2e_peak_rss_mb"] = _peak_mb()
    app.state.ledger.close()
    out["e2e_status"] = r.status_code
    out["e2e_sha256_ok"] = r.headers.get("X-Content-SHA256") == hashlib.sha256(r.content).hexdigest()
    out["e2e_xlsx_mb"] = round(len(r.content) / 2**20, 1)
    q.put(out | step_check(r.content, rows))


def end_to_end(dsn: str, cases: int) -> dict[str, Any]:
    import psycopg
    from psycopg import sql

    schema = f"bench_xlsx_{uuid.uuid4().hex[:8]}"
    try:
        return {"e2e_cases": cases} | run(step_seed, dsn, schema, cases) | run(step_export, dsn, schema)
    finally:
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(schema)))


def run(step: Any, *args: Any) -> dict[str, Any]:
    q: Any = mp.Queue()
    p = mp.get_context("fork").Process(target=step, args=(*args, q))
    p.start()
    result = q.get()
    p.join()
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=200_000)
    parser.add_argument("--e2e-cases", type=int, default=20_000)
    parser.add_argument("--dsn", default=PG_DSN)
    parser.add_argument("--skip-e2e", action="store_true")
    args = parser.parse_args()
    out = run(step_workbook, args.cases)
    print(f"workbook: {args.cases} rows in {out['seconds']} s, peak RSS {out['peak_rss_mb']} MB, "
          f"{out['xlsx_mb']} MB, sha256 {out['sha256'][:16]}…", file=sys.stderr)
    out["target_seconds"], out["target_mb"] = TARGET_SECONDS, TARGET_MB
    out["met"] = out["seconds"] < TARGET_SECONDS and out["peak_rss_mb"] < TARGET_MB
    if not args.skip_e2e:
        try:
            import psycopg

            psycopg.connect(args.dsn, connect_timeout=3).close()
        except Exception as e:  # noqa: BLE001 - report, do not fail the workbook figures
            out["end_to_end"] = f"skipped: PostgreSQL unreachable ({e.__class__.__name__})"
        else:
            e2e = end_to_end(args.dsn, args.e2e_cases)
            print(f"end to end: {e2e}", file=sys.stderr)
            out["end_to_end"] = e2e
    # how fast this machine is right now (it is shared): a pure-Python loop of 10 million additions
    t = time.perf_counter()
    s = 0
    for i in range(10_000_000):
        s += i
    out["calibration_loop_seconds"] = round(time.perf_counter() - t, 2)
    out["load_average"] = os.getloadavg()[0]
    print(json.dumps(out, ensure_ascii=False))


if __name__ == "__main__":
    main()
