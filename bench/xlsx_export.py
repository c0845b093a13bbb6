"""The registry as an Excel workbook: time and peak memory.

Target (issue 16, item 8): the registry of 200,000 cases as XLSX in < 30 s
with peak RSS < 200 MB.

Measurements, each in a process of its own so that its peak RSS is its own:

1. ``workbook``: ``projections.workbook.registry_xlsx`` over --cases rows
   made directly in the shape ``Views.registry_rows`` returns (every column
   of the ``registry`` table; a mix of cases booked, accepted, served, rated,
   archived; individuals' ID numbers, masked for the dispatcher who exports),
   consumed from a generator: what the workbook costs by itself.
2. ``end_to_end`` (PostgreSQL, --e2e-cases, default 200,000): a real store
   filled as bench/projections.py fills its log (template cases recorded
   through the application, copied under fresh ids with COPY), the cases
   view rebuilt, the demo users seeded (a child at nice 10); then
   ``GET /registry?format=csv`` and ``?format=xlsx`` as the supervisor
   (bearer token), every row read back, the SHA-256 header checked:

   - ``in_process``: through ``litestar.testing.TestClient`` in a fresh
     process per format (the app as ``ledger serve`` makes it, projections
     off: the view is complete). Its peak RSS includes the test client's
     own copies of the body (it buffers the whole response twice);
   - ``served``: a real ``ledger serve`` (uvicorn), a fresh one for each
     export, the body streamed to a file by this process; the server's peak
     RSS (``VmHWM``, reset through ``/proc/PID/clear_refs`` just before the
     request) is what one export costs the server. CSV and XLSX alternate
     (--served-rounds of each, default 3); the figures are each format's
     median, with every run's time, peak and load average.

   Whole-registry exports read the view in keyset batches
   (``registry_stream``), so the server holds one batch of rows and the
   file being made; the ratio of each figure to the CSV export of the same
   rows in the same run says what Excel costs over CSV.

Usage: python bench/xlsx_export.py [--cases 200000] [--e2e-cases 200000] [--dsn ...] [--skip-e2e]
       [--schema NAME --keep]  (reuse a schema seeded by an earlier --keep run)
The last line is JSON.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import multiprocessing as mp
import os
import queue
import resource
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
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


def step_export(dsn: str, schema: str, fmt: str, q: Any) -> None:
    """``GET /registry?format=…`` as the supervisor, in a fresh process: the
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
    out: dict[str, Any] = {"rows": rows}
    with TestClient(app) as client:
        token = client.post("/auth/login", json={"username": "wujian", "password": DEMO_PASSWORD}).json()["access_token"]
        out["rss_before_mb"] = _peak_mb()
        t = time.perf_counter()
        r = client.get("/registry", params={"format": fmt}, headers={"Authorization": f"Bearer {token}"}, timeout=600)
        out["seconds"] = round(time.perf_counter() - t, 1)
        out["peak_rss_mb"] = _peak_mb()
    app.state.ledger.close()
    out["rss_growth_mb"] = round(out["peak_rss_mb"] - out["rss_before_mb"], 1)
    out["status"] = r.status_code
    out["sha256_ok"] = r.headers.get("X-Content-SHA256") == hashlib.sha256(r.content).hexdigest()
    out["file_mb"] = round(len(r.content) / 2**20, 1)
    q.put(out | read_back(r.content, fmt, rows))


def read_back(data: bytes, fmt: str, rows: int) -> dict[str, Any]:
    if fmt == "xlsx":
        return step_check(data, rows)
    import csv

    count = sum(1 for _ in csv.reader(io.StringIO(data.decode("utf-8-sig")))) - 1  # less the header
    return {"rows_read_back": count, "rows_ok": count == rows}


def _status_kb(pid: int, field: str) -> int:
    with open(f"/proc/{pid}/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith(field + ":"))


@contextmanager
def ledger_serve(dsn: str, schema: str) -> Iterator[tuple[Any, Any, dict[str, str]]]:
    """A fresh ``ledger serve`` (projections off) on the schema: its process,
    a client, and the supervisor's bearer token, after one small registry
    read (the first request's imports are no export's)."""
    import subprocess
    import tempfile

    import httpx

    from ledger.demo import DEMO_PASSWORD
    from tests.serving import free_port

    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("LEDGER_")}
    env |= e2e_settings(dsn, schema).to_env() | {"LEDGER_SECRET": os.environ["LEDGER_SECRET"]}
    log = tempfile.TemporaryFile()
    proc = subprocess.Popen([sys.executable, "-m", "ledger.cli", "serve", "--projections", "off", "--port", str(port)],
                            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=log)
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=600) as client:
            for _ in range(600):
                if proc.poll() is not None:
                    log.seek(0)
                    raise RuntimeError(f"ledger serve exited: {log.read()[-2000:].decode(errors='replace')}")
                try:
                    if client.get("/health").status_code == 200:
                        break
                except httpx.HTTPError:
                    time.sleep(0.1)
            token = client.post("/auth/login", json={"username": "wujian", "password": DEMO_PASSWORD}).json()["access_token"]
            auth = {"Authorization": f"Bearer {token}"}
            client.get("/registry", params={"limit": 10}, headers=auth).raise_for_status()
            yield proc, client, auth
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        log.close()


def served_export(dsn: str, schema: str, fmt: str) -> tuple[dict[str, Any], bytes]:
    """One export from a fresh server: the server's RSS before it and at its
    peak (``VmHWM`` reset just before the request), the body streamed to a file."""
    import tempfile

    with ledger_serve(dsn, schema) as (proc, client, auth):
        with open(f"/proc/{proc.pid}/clear_refs", "w") as f:
            f.write("5")  # the peak RSS starts again from the current RSS
        before = _status_kb(proc.pid, "VmRSS")
        load = os.getloadavg()[0]
        digest = hashlib.sha256()
        with tempfile.TemporaryFile() as body:
            t = time.perf_counter()
            with client.stream("GET", "/registry", params={"format": fmt}, headers=auth) as r:
                for chunk in r.iter_bytes(1 << 16):
                    digest.update(chunk)
                    body.write(chunk)
            seconds = time.perf_counter() - t
            peak = _status_kb(proc.pid, "VmHWM")
            body.seek(0)
            data = body.read()
    return {"seconds": round(seconds, 1), "rss_before_mb": round(before / 1024, 1), "peak_rss_mb": round(peak / 1024, 1),
            "rss_growth_mb": round((peak - before) / 1024, 1), "load_average": round(load, 2), "status": r.status_code,
            "sha256": digest.hexdigest(), "sha256_ok": r.headers.get("X-Content-SHA256") == digest.hexdigest(),
            "file_mb": round(len(data) / 2**20, 1)}, data


def served(dsn: str, schema: str, rows: int, rounds: int) -> dict[str, Any]:
    """Both exports from a real ``ledger serve``, a fresh server for each
    (an export's peak is then its own, not what an earlier one left), CSV and
    XLSX alternating; each format's median."""
    import statistics

    runs: dict[str, list[dict[str, Any]]] = {"csv": [], "xlsx": []}
    for i in range(rounds):
        for fmt in (("csv", "xlsx") if i % 2 == 0 else ("xlsx", "csv")):  # neither always first
            run, data = served_export(dsn, schema, fmt)
            # every row read back from the first file; a later one must be the same bytes
            first = runs[fmt][0] if runs[fmt] else None
            runs[fmt].append(run | (read_back(data, fmt, rows) if first is None else {
                "rows_read_back": first["rows_read_back"], "rows_ok": first["rows_ok"] and run["sha256"] == first["sha256"]}))
            del data
    out: dict[str, Any] = {}
    for fmt, measured in runs.items():
        median = {k: round(statistics.median(m[k] for m in measured), 1)
                  for k in ("seconds", "rss_before_mb", "peak_rss_mb", "rss_growth_mb")}
        out[fmt] = median | {"runs_seconds": [m["seconds"] for m in measured],
                             "runs_peak_rss_mb": [m["peak_rss_mb"] for m in measured],
                             "runs_load_average": [m["load_average"] for m in measured],
                             "rows_read_back": measured[0]["rows_read_back"], "file_mb": measured[0]["file_mb"],
                             "all_ok": all(m["status"] == 200 and m["sha256_ok"] and m["rows_ok"] for m in measured)}
    return out | ratios(out)


def ratios(by_format: dict[str, Any]) -> dict[str, Any]:
    csv, xlsx = by_format["csv"], by_format["xlsx"]
    return {"xlsx_over_csv_seconds": round(xlsx["seconds"] / csv["seconds"], 2) if csv["seconds"] else None,
            "xlsx_over_csv_peak_rss": round(xlsx["peak_rss_mb"] / csv["peak_rss_mb"], 2),
            "xlsx_met": xlsx["seconds"] < TARGET_SECONDS and xlsx["peak_rss_mb"] < TARGET_MB}


def seeded_rows(dsn: str, schema: str) -> int:
    import psycopg
    from psycopg import sql

    with psycopg.connect(dsn) as conn:
        exists = conn.execute("SELECT to_regclass(%s)", [f"{schema}.registry"]).fetchone()[0]
        if exists is None:
            return 0
        conn.execute(sql.SQL("SET search_path TO {}").format(sql.Identifier(schema)))
        return conn.execute("SELECT count(*) FROM registry").fetchone()[0]


def end_to_end(dsn: str, cases: int, schema: str | None, keep: bool, rounds: int) -> dict[str, Any]:
    import psycopg
    from psycopg import sql

    schema = schema or f"bench_xlsx_{uuid.uuid4().hex[:8]}"
    try:
        out: dict[str, Any] = {"e2e_cases": cases, "schema": schema}
        rows = seeded_rows(dsn, schema)
        if rows < cases:
            out |= run(step_seed, dsn, schema, cases)
            rows = seeded_rows(dsn, schema)
        else:
            out["seeded_before"] = True
        out["rows"] = rows
        in_process = {fmt: run(step_export, dsn, schema, fmt) for fmt in ("csv", "xlsx")}
        out["in_process"] = in_process | ratios(in_process)
        print(f"end to end, in process: {out['in_process']}", file=sys.stderr)
        out["served"] = served(dsn, schema, rows, rounds)
        print(f"end to end, served: {out['served']}", file=sys.stderr)
        return out
    finally:
        if not keep:
            with psycopg.connect(dsn, autocommit=True) as conn:
                conn.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(schema)))


def run(step: Any, *args: Any) -> dict[str, Any]:
    q: Any = mp.Queue()
    p = mp.get_context("fork").Process(target=step, args=(*args, q))
    p.start()
    while True:  # a child that dies without a result fails the run instead of hanging it
        try:
            result = q.get(timeout=1)
            break
        except queue.Empty:
            if not p.is_alive():
                raise RuntimeError(f"{step.__name__} exited with {p.exitcode} and no result") from None
    p.join()
    return result


def calibrate() -> float:
    """How fast this machine is right now (it is shared): a pure-Python loop
    of 10 million additions (0.28 s on an idle one)."""
    t = time.perf_counter()
    s = 0
    for i in range(10_000_000):
        s += i
    return round(time.perf_counter() - t, 2)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=200_000)
    parser.add_argument("--e2e-cases", type=int, default=200_000)
    parser.add_argument("--dsn", default=PG_DSN)
    parser.add_argument("--skip-e2e", action="store_true")
    parser.add_argument("--schema", help="the PostgreSQL schema of the end-to-end run (seeded unless it holds the cases)")
    parser.add_argument("--keep", action="store_true", help="keep the schema for the next run")
    parser.add_argument("--served-rounds", type=int, default=3)
    args = parser.parse_args()
    calibration = calibrate()
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
            out["end_to_end"] = end_to_end(args.dsn, args.e2e_cases, args.schema, args.keep, args.served_rounds)
    out["calibration_loop_seconds_at_start"] = calibration
    out["calibration_loop_seconds"] = calibrate()
    out["load_average"] = os.getloadavg()[0]
    print(json.dumps(out, ensure_ascii=False))


if __name__ == "__main__":
    main()
