"""HTTP write benchmark: the apply → accept → dispatch → serve → rate → archive
flow on PostgreSQL, at concurrency 32, against `ledger serve`'s app under
uvicorn (1 worker), beside raw psycopg single-row INSERT transactions/s
measured in the same run.

Each of 32 concurrent clients runs whole flows (6 commands, each with its own
token: registrar, dispatcher, unit staff); latency is per command.

Usage: python bench/http_flow.py [--seconds 20] [--concurrency 32] [--dsn ...]
The last line is JSON.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path

import httpx
import psycopg
from psycopg import sql

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ledger.migrate import migrate  # noqa: E402
from ledger.settings import Settings  # noqa: E402
from tests.builders import VALID_USCC  # noqa: E402

SERVER = """
import sys, uvicorn
from ledger.application import Ledger
from ledger.bootstrap import seed_demo
from ledger.settings import Settings
from ledger_http.app import create_app
settings = Settings.from_env()
ledger = Ledger(settings)
ledger.ensure_calendar()
app = create_app(settings, ledger=ledger, run_projections="--no-runners" not in sys.argv)
seed_demo(ledger, app.state.credentials)
uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), log_level="warning")
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def raw_inserts(dsn: str, schema: str, seconds: float) -> float:
    with psycopg.connect(dsn) as conn:
        conn.execute(sql.SQL("CREATE TABLE {}.raw_bench (id bigserial PRIMARY KEY, data bytea)").format(
            sql.Identifier(schema)))
        conn.commit()
        stmt = sql.SQL("INSERT INTO {}.raw_bench (data) VALUES (%s)").format(sql.Identifier(schema))
        n, end = 0, time.perf_counter() + seconds
        t = time.perf_counter()
        while time.perf_counter() < end:
            conn.execute(stmt, (b"x" * 600,))
            conn.commit()
            n += 1
        return n / (time.perf_counter() - t)


async def flows(base: str, concurrency: int, seconds: float) -> dict:
    async with httpx.AsyncClient(base_url=base, timeout=30) as client:
        tokens = {}
        for user in ("zhangmin", "liqiang", "wanglei"):
            r = await client.post("/auth/login", json={"username": user, "password": "demo-password-2026"})
            tokens[user] = {"Authorization": f"Bearer {r.json()['access_token']}"}
        latencies: list[float] = []
        errors: list[int] = []
        end = time.perf_counter() + seconds

        async def call(user: str, path: str, body: dict) -> dict:
            t = time.perf_counter()
            r = await client.post(path, json=body, headers=tokens[user])
            latencies.append((time.perf_counter() - t) * 1000)
            if r.status_code >= 300:
                errors.append(r.status_code)
                raise RuntimeError(r.text)
            return r.json()

        async def worker() -> None:
            while time.perf_counter() < end:
                try:
                    case = await call("zhangmin", "/cases", {
                        "applicant": {"kind": "organisation", "name": "基准测试有限公司", "id_number": VALID_USCC,
                                      "address": "人民路1号"},
                        "contact": {"name": "刘芳", "phone": "13953312345"},
                        "service_types": ["compliance_guidance"], "needs": "合规指导", "channel": "phone"})
                    cid = case["case_id"]
                    await call("zhangmin", f"/cases/{cid}/accept", {"deadline_class": "general"})
                    await call("liqiang", f"/cases/{cid}/dispatch", {
                        "assignments": [{"unit": "市市场监督管理局", "staff": [{"id": "u-wang", "name": "王磊"}]}],
                        "form": "by_phone"})
                    await call("wanglei", f"/cases/{cid}/serve", {
                        "place": "电话", "content": "合规指导", "findings": "无", "advice": "建立台账",
                        "staff": [{"id": "u-wang", "name": "王磊"}], "on_site": False})
                    await call("zhangmin", f"/cases/{cid}/rate", {
                        "response": "excellent", "attitude": "good", "usefulness": "good", "result": "excellent",
                        "method": "phone_follow_up"})
                    await call("zhangmin", f"/cases/{cid}/archive", {})
                except RuntimeError:
                    continue

        t = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        elapsed = time.perf_counter() - t
    latencies.sort()
    return {
        "commands": len(latencies), "errors": len(errors), "seconds": round(elapsed, 1),
        "commands_per_s": round(len(latencies) / elapsed, 1),
        "p50_ms": round(statistics.median(latencies), 1) if latencies else None,
        "p99_ms": round(latencies[int(len(latencies) * 0.99) - 1], 1) if latencies else None,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--no-runners", action="store_true", help="no projection runners in the server process")
    parser.add_argument("--dsn", default="postgresql://postgres@127.0.0.1:5432/test")
    args = parser.parse_args()
    schema = f"bench_{uuid.uuid4().hex[:8]}"
    settings = Settings(backend="postgres", dsn=args.dsn, pg_schema=schema)
    migrate(settings)
    port = free_port()
    env = {**os.environ, "LEDGER_DSN": args.dsn, "LEDGER_PG_SCHEMA": schema, "LEDGER_SECRET": uuid.uuid4().hex}
    server = subprocess.Popen([sys.executable, "-c", SERVER, str(port), *(["--no-runners"] if args.no_runners else [])], env=env, cwd=ROOT)
    out: dict = {"store": "postgres", "server": "uvicorn, 1 worker", "concurrency": args.concurrency,
                 "runners_in_process": not args.no_runners}
    try:
        for _ in range(100):
            try:
                if httpx.get(f"http://127.0.0.1:{port}/health").status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        out["flow"] = asyncio.run(flows(f"http://127.0.0.1:{port}", args.concurrency, args.seconds))
        print("flow:", out["flow"], flush=True)
    finally:
        server.terminate()
        server.wait(10)
    out["raw_insert_per_s"] = round(raw_inserts(args.dsn, schema, 5), 1)
    out["commands_vs_raw_insert"] = round(out["flow"]["commands_per_s"] / out["raw_insert_per_s"], 3)
    with psycopg.connect(args.dsn, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(sql.Identifier(schema)))
    print("raw INSERT/s:", out["raw_insert_per_s"])
    print(json.dumps(out, ensure_ascii=False))


if __name__ == "__main__":
    main()
