"""HTTP write benchmark: the apply → accept → dispatch → serve → rate → archive
flow on PostgreSQL, at concurrency 32, against `ledger serve`'s app under
uvicorn (1 worker), with group commit on and off (LEDGER_GROUP_COMMIT), beside
raw psycopg single-row INSERT transactions/s measured in the same run.

The server runs as `ledger serve` does on PostgreSQL: the HTTP worker, and the
projection runners in its child process (--projections thread puts them back
in the worker, off leaves them out). Each of 32 concurrent clients runs whole
flows (6 commands, each with its own token: registrar, dispatcher, unit
staff) over its own keep-alive connection, with a lean HTTP/1.1 client so
that the load generator takes little of the machine's 2 cores; latency is per
command. Each mode gets a fresh server on a fresh schema. With --rounds 2 the
modes run in the order on, off, off, on, so that a drift in the machine's
load weighs on both alike.

Per mode it reports commands/s, p50/p99, the CPU used by the server process
per command (1 worker = at most one core for Python), by the projector child,
this client and PostgreSQL (in cores), and with group commit on, how many
saves the server made and in how many transactions.

With --workers 1,2 (the default) each mode runs once with one server
process and once as `ledger serve --workers 2` (two uvicorn workers beside
one projector process), so the two figures come from one run; with several
workers "server" counts the CPU of the parent and all its workers.

Usage: python bench/http_flow.py [--seconds 20] [--concurrency 32] [--rounds 1]
       [--modes on,off] [--workers 1,2] [--projections process|thread|off] [--dsn ...]
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
import msgspec
import psycopg
from psycopg import sql

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ledger.settings import Settings  # noqa: E402
from ledger.store.migrate import migrate  # noqa: E402
from tests.builders import VALID_USCC  # noqa: E402

SERVER = """
import sys, uvicorn
from ledger.application import Ledger
from ledger.demo import seed_demo
from ledger.settings import Settings
from ledger_http.app import create_app
settings = Settings.from_env()
ledger = Ledger(settings)
ledger.ensure_calendar()
app = create_app(settings, ledger=ledger, projections=sys.argv[2])
seed_demo(ledger, app.state.credentials)
def stats():  # at shutdown: uvicorn re-raises SIGTERM once it has stopped
    gc = getattr(ledger.recorder, "group_commit", None)
    if gc is not None:
        print("GROUPS", gc.requests, gc.groups, gc.largest_group, ledger.recorder.conflicts, flush=True)
app.on_shutdown.append(stats)
from ledger.cli.runtime import tune_gc
tune_gc()  # as ledger serve does
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


class Connection:
    """One keep-alive HTTP/1.1 connection: a lean client, so that the load
    generator takes little of the machine's two cores (httpx took about 1.5 ms
    of CPU per request, as much as a third of what the server needs)."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def post(self, path: str, body: bytes, headers: bytes) -> tuple[int, bytes]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        assert self.reader is not None
        self.writer.write(b"POST %s HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\n"
                          b"Content-Length: %d\r\n%s\r\n%s" % (path.encode(), self.host.encode(), len(body), headers, body))
        head = await self.reader.readuntil(b"\r\n\r\n")
        lines = head.split(b"\r\n")
        status = int(lines[0].split(b" ", 2)[1])
        fields = {k.strip().lower(): v.strip() for k, _, v in (line.partition(b":") for line in lines[1:] if line)}
        if b"content-length" not in fields:
            raise RuntimeError(f"response without Content-Length: {head!r}")
        payload = await self.reader.readexactly(int(fields[b"content-length"]))
        if fields.get(b"connection") == b"close":
            self.writer.close()
            self.writer = None
        return status, payload


async def flows(base: str, concurrency: int, seconds: float) -> dict:
    async with httpx.AsyncClient(base_url=base, timeout=30) as client:
        tokens = {}
        for user in ("zhangmin", "liqiang", "wanglei"):
            r = await client.post("/auth/login", json={"username": user, "password": "demo-password-2026"})
            tokens[user] = b"Authorization: Bearer %s\r\n" % r.json()["access_token"].encode()
    host, port = base.removeprefix("http://").split(":")
    latencies: list[float] = []
    errors: list[int] = []
    end = time.perf_counter() + seconds
    encode, decode = msgspec.json.encode, msgspec.json.decode

    async def worker() -> None:
        conn = Connection(host, int(port))

        async def call(user: str, path: str, body: dict) -> dict:
            t = time.perf_counter()
            status, payload = await conn.post(path, encode(body), tokens[user])
            latencies.append((time.perf_counter() - t) * 1000)
            if status >= 300:
                errors.append(status)
                raise RuntimeError(payload.decode())
            return decode(payload)

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


def run_async(coro):  # uvloop when installed, as uvicorn uses it in the server
    try:
        import uvloop
    except ImportError:
        return asyncio.run(coro)
    return uvloop.run(coro)


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def children_cpu_seconds(pid: int, deep: bool = False) -> float:
    """CPU time so far of the live child processes of ``pid`` (the projector;
    ``deep``: all descendants, the workers and the projector)."""
    parents, total = {pid}, 0.0
    stats = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        stats.append((int(stat.parent.name), int(fields[1]), (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")))
    changed = True
    while changed:
        changed = False
        for child, parent, seconds in stats:
            if parent in parents and child not in parents:
                parents.add(child)
                total += seconds
                changed = deep
    return total


def machine_busy_seconds() -> float:
    """CPU time the whole machine spent busy so far, all cores (Linux /proc/stat)."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = values[3] + values[4]  # idle + iowait
    return (sum(values[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def postgres_seconds() -> float:
    """CPU time of every PostgreSQL process so far (its backends serve the bench)."""
    total = 0.0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue
        if "(postgres)" in text:
            fields = text.rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def run_mode(args: argparse.Namespace, group_commit: bool, workers: int = 1) -> dict:
    """A fresh schema and server; the flow at full concurrency; the figures."""
    schema = f"bench_{uuid.uuid4().hex[:8]}"
    migrate(Settings(backend="postgres", dsn=args.dsn, pg_schema=schema))
    port = free_port()
    env = {**os.environ, "LEDGER_DSN": args.dsn, "LEDGER_PG_SCHEMA": schema, "LEDGER_SECRET": uuid.uuid4().hex,
           "LEDGER_GROUP_COMMIT": "1" if group_commit else "0"}
    if workers == 1:
        command = [sys.executable, "-c", SERVER, str(port), args.projections]
    else:  # the real command line: its parent runs the projector, uvicorn its workers
        command = [sys.executable, "-m", "ledger.cli", "serve", "--demo", "--workers", str(workers),
                   "--projections", args.projections, "--port", str(port)]
    # (ledger serve logs every request on stdout: not piped, or a full pipe would stop the workers)
    server = subprocess.Popen(command, env=env, cwd=ROOT, stdout=subprocess.PIPE if workers == 1 else subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL, text=True)
    try:
        for _ in range(100):
            try:
                if httpx.get(f"http://127.0.0.1:{port}/health").status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        cpu, kids = cpu_seconds(server.pid), children_cpu_seconds(server.pid, workers > 1)
        machine, pg, me = machine_busy_seconds(), postgres_seconds(), time.process_time()
        result = run_async(flows(f"http://127.0.0.1:{port}", args.concurrency, args.seconds))
        cpu, kids = cpu_seconds(server.pid) - cpu, children_cpu_seconds(server.pid, workers > 1) - kids
        if workers > 1:  # the workers are the server; the projector is its grandchild there
            cpu, kids = cpu + kids, 0.0
        machine, pg, me = machine_busy_seconds() - machine, postgres_seconds() - pg, time.process_time() - me
    finally:
        server.terminate()
        stdout, _ = server.communicate(timeout=30)
        stdout = stdout or ""
    # includes the logins and the runners' work; per command all the same
    result["server_cpu_ms_per_command"] = round(1000 * cpu / max(result["commands"], 1), 2)
    result["server_cpu_cores"] = round(cpu / result["seconds"], 2)
    result["projector_cpu_cores"] = round(kids / result["seconds"], 2)  # the runners' child process
    result["client_cpu_cores"] = round(me / result["seconds"], 2)
    result["postgres_cpu_cores"] = round(pg / result["seconds"], 2)
    # busy cores not used by the server, this client or PostgreSQL: other work on the machine
    result["other_cpu_cores"] = round(max(machine - cpu - kids - pg - me, 0) / result["seconds"], 2)
    for line in stdout.splitlines():
        if line.startswith("GROUPS "):
            saves, groups, largest, conflicts = map(int, line.split()[1:])
            result["saves"], result["transactions"], result["largest_group"] = saves, groups, largest
            result["conflicted_saves"] = conflicts  # lost a race on a form counter (or case): decided again
            result["saves_per_transaction"] = round(saves / max(groups, 1), 2)
    if args.keep_schema:
        result["schema"] = schema
    else:
        with psycopg.connect(args.dsn, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(sql.Identifier(schema)))
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=20, help="per mode and round")
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--rounds", type=int, default=1, help="2: on, off, off, on")
    parser.add_argument("--modes", default="on,off", help="group commit modes to run, in this order: on,off | on | off")
    parser.add_argument("--projections", default="process", choices=["process", "thread", "off"],
                        help="projection runners: in a child process (as `ledger serve` on PostgreSQL), "
                        "in threads of the server, or none")
    parser.add_argument("--workers", default="1,2", help="server processes to run each mode with: 1,2 | 1 | 2")
    parser.add_argument("--keep-schema", action="store_true")
    parser.add_argument("--dsn", default="postgresql://postgres@127.0.0.1:5432/test")
    args = parser.parse_args()
    modes = [m.strip() == "on" for m in args.modes.split(",")]
    worker_counts = [int(w) for w in args.workers.split(",")]
    out: dict = {"store": "postgres", "server": "uvicorn", "workers": worker_counts, "concurrency": args.concurrency,
                 "projections": args.projections, "seconds_per_mode": args.seconds,
                 "cpus": os.cpu_count(), "loadavg_before": [round(x, 2) for x in os.getloadavg()]}
    runs: dict[str, list[dict]] = {}
    for round_ in range(args.rounds):
        for workers in worker_counts:
            for group_commit in (modes if round_ % 2 == 0 else modes[::-1]):
                name = "group_commit_on" if group_commit else "group_commit_off"
                name += "" if workers == 1 else f"_{workers}_workers"
                result = run_mode(args, group_commit, workers)
                runs.setdefault(name, []).append(result)
                print(f"{name}:", result, flush=True)
    for name, results in runs.items():
        if results:
            out[name] = results[0] if len(results) == 1 else {
                "runs": results,
                "commands_per_s": round(statistics.mean(r["commands_per_s"] for r in results), 1),
            }
    schema = f"bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(args.dsn, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(schema)))
    try:
        out["raw_insert_per_s"] = round(raw_inserts(args.dsn, schema, 5), 1)
    finally:
        with psycopg.connect(args.dsn, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(sql.Identifier(schema)))
    for name in runs:
        if name in out:
            out[name]["commands_vs_raw_insert"] = round(out[name]["commands_per_s"] / out["raw_insert_per_s"], 3)
    if "group_commit_on" in out and "group_commit_off" in out:
        out["speedup"] = round(out["group_commit_on"]["commands_per_s"] / out["group_commit_off"]["commands_per_s"], 2)
    for name in list(out):
        if name.endswith("_workers") and name.rsplit("_", 2)[0] in out:
            one = out[name.rsplit("_", 2)[0]]
            out[f"{name}_vs_1"] = round(out[name]["commands_per_s"] / one["commands_per_s"], 2)
    out["loadavg_after"] = [round(x, 2) for x in os.getloadavg()]
    print("raw INSERT/s:", out["raw_insert_per_s"])
    print(json.dumps(out, ensure_ascii=False))


if __name__ == "__main__":
    main()
