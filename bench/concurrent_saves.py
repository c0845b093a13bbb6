"""The PostgreSQL write path alone: threads saving through the Ledger at once,
group commit on and off (LEDGER_GROUP_COMMIT), beside raw single-row INSERT
transactions/s measured in the same run. No HTTP, so that what is measured is
the recorder, not the web server's CPU (see bench/http_flow.py for that).

Each thread books new cases (one event per save, no shared aggregate, so no
conflicts) for --seconds. Reported per mode: saves/s, p50/p99 save latency,
and with group commit on, transactions and saves per transaction.

Usage: python bench/concurrent_saves.py [--threads 32] [--seconds 10] [--dsn ...]
The last line is JSON.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import threading
import time
import uuid
from pathlib import Path

import psycopg
from psycopg import sql

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # for tests.builders

from ledger.application import Ledger  # noqa: E402
from ledger.case import GuidanceCase  # noqa: E402
from ledger.settings import Settings  # noqa: E402
from ledger.store.migrate import migrate  # noqa: E402
from tests.builders import REGISTRAR, book_cmd, envelope, fixed_clock  # noqa: E402

CMD = book_cmd()


def new_case() -> GuidanceCase:
    return GuidanceCase.book(envelope(REGISTRAR), applicant=CMD.applicant, contact=CMD.contact,
                             service_types=CMD.service_types, needs=CMD.needs, channel=CMD.channel)


def run_mode(dsn: str, group_commit: bool, threads: int, seconds: float) -> dict:
    schema = f"bench_{uuid.uuid4().hex[:8]}"
    settings = Settings(backend="postgres", dsn=dsn, pg_schema=schema, group_commit=group_commit)
    migrate(settings)
    ledger = Ledger(settings, clock=fixed_clock(), env={"POSTGRES_POOL_SIZE": str(threads)})
    try:
        ledger.save(new_case())  # warm up the pool and prepared statements
        latencies: list[list[float]] = [[] for _ in range(threads)]
        barrier = threading.Barrier(threads + 1)
        end = 0.0

        def work(mine: list[float]) -> None:
            barrier.wait()
            while time.perf_counter() < end:
                case = new_case()
                t = time.perf_counter()
                ledger.save(case)
                mine.append(time.perf_counter() - t)

        workers = [threading.Thread(target=work, args=(latencies[i],)) for i in range(threads)]
        for w in workers:
            w.start()
        end = time.perf_counter() + seconds
        start = time.perf_counter()
        barrier.wait()
        for w in workers:
            w.join()
        elapsed = time.perf_counter() - start
        all_ms = sorted(x * 1000 for mine in latencies for x in mine)
        result = {
            "saves": len(all_ms), "saves_per_s": round(len(all_ms) / elapsed, 1),
            "p50_ms": round(statistics.median(all_ms), 2), "p99_ms": round(all_ms[int(len(all_ms) * 0.99) - 1], 2),
        }
        gc = getattr(ledger.recorder, "group_commit", None)
        if gc is not None:
            result["transactions"] = gc.groups
            result["saves_per_transaction"] = round(gc.requests / max(gc.groups, 1), 2)
            result["largest_group"] = gc.largest_group
        return result
    finally:
        ledger.close()
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(sql.Identifier(schema)))


def raw_inserts(dsn: str, seconds: float) -> float:
    schema = f"bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(dsn) as conn:
        conn.execute(sql.SQL("CREATE SCHEMA {0}; CREATE TABLE {0}.raw_bench (id bigserial PRIMARY KEY, data bytea)")
                     .format(sql.Identifier(schema)))
        conn.commit()
        stmt = sql.SQL("INSERT INTO {}.raw_bench (data) VALUES (%s)").format(sql.Identifier(schema))
        n, t = 0, time.perf_counter()
        while time.perf_counter() - t < seconds:
            conn.execute(stmt, (b"x" * 600,))
            conn.commit()
            n += 1
        rate = n / (time.perf_counter() - t)
        conn.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(sql.Identifier(schema)))
        conn.commit()
    return rate


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--dsn", default="postgresql://postgres@127.0.0.1:5432/test")
    args = parser.parse_args()
    out: dict = {"store": "postgres", "threads": args.threads, "seconds_per_mode": args.seconds}
    for name, on in (("group_commit_on", True), ("group_commit_off", False)):
        out[name] = run_mode(args.dsn, on, args.threads, args.seconds)
        print(f"{name}:", out[name], flush=True)
    out["raw_insert_per_s"] = round(raw_inserts(args.dsn, 5), 1)
    for name in ("group_commit_on", "group_commit_off"):
        out[name]["saves_vs_raw_insert"] = round(out[name]["saves_per_s"] / out["raw_insert_per_s"], 3)
    out["speedup"] = round(out["group_commit_on"]["saves_per_s"] / out["group_commit_off"]["saves_per_s"], 2)
    print("raw INSERT/s:", out["raw_insert_per_s"])
    print(json.dumps(out))


if __name__ == "__main__":
    main()
