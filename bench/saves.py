"""Saves per second of the ledger on SQLite and PostgreSQL (single thread).

Measures three things per store in one run, so that their ratios hold on a
noisy shared machine:
  - book:      a new case, one event per save (validation of USCC and phone included)
  - annotate:  load a case, decide, save one event (load → decide → save)
  - accept:    load a case and its form counter, save both atomically
and, on PostgreSQL, raw single-row INSERT transactions/s beside them.

Usage: python bench/saves.py [--n 500] [--dsn postgresql://postgres@127.0.0.1:5432/test]
The last line is JSON.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path

import psycopg
from psycopg import sql

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # for tests.builders

from ledger.application import Ledger
from ledger.case.commands import AcceptCase, AnnotateCase
from ledger.settings import Settings
from ledger.store.migrate import migrate
from ledger.values import DeadlineClass
from tests.builders import REGISTRAR, T0, book_cmd, ctx, fixed_clock


def measure(ledger: Ledger, n: int) -> dict[str, float]:
    out: dict[str, float] = {}
    t = time.perf_counter()
    ids = [ledger.book(ctx(REGISTRAR), book_cmd()).case_id for _ in range(n)]
    out["book_per_s"] = n / (time.perf_counter() - t)
    t = time.perf_counter()
    for case_id in ids:
        ledger.annotate(ctx(REGISTRAR), AnnotateCase(case_id=case_id, note="基准测试批注"))
    out["annotate_per_s"] = n / (time.perf_counter() - t)
    t = time.perf_counter()
    for case_id in ids:
        ledger.accept(
            ctx(REGISTRAR),
            AcceptCase(case_id=case_id, business_time=T0 + timedelta(hours=1), deadline_class=DeadlineClass.GENERAL),
        )
    out["accept_per_s"] = n / (time.perf_counter() - t)
    return {k: round(v, 1) for k, v in out.items()}


def raw_inserts(dsn: str, schema: str, n: int) -> float:
    with psycopg.connect(dsn, autocommit=False) as conn:
        conn.execute(sql.SQL("CREATE TABLE {}.raw_bench (id bigserial PRIMARY KEY, data bytea)").format(
            sql.Identifier(schema)))
        conn.commit()
        payload = b"x" * 600
        t = time.perf_counter()
        for _ in range(n):
            conn.execute(sql.SQL("INSERT INTO {}.raw_bench (data) VALUES (%s)").format(sql.Identifier(schema)),
                         (payload,))
            conn.commit()
        return round(n / (time.perf_counter() - t), 1)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=500)
    parser.add_argument("--dsn", default="postgresql://postgres@127.0.0.1:5432/test")
    args = parser.parse_args()
    results: dict[str, object] = {"n": args.n}

    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(backend="sqlite", sqlite_path=str(Path(tmp) / "bench.sqlite3"))
        migrate(settings)
        ledger = Ledger(settings, clock=fixed_clock())
        ledger.ensure_calendar()
        results["sqlite"] = measure(ledger, args.n)
        ledger.close()
    print("sqlite:", results["sqlite"])

    schema = f"bench_{uuid.uuid4().hex[:8]}"
    settings = Settings(backend="postgres", dsn=args.dsn, pg_schema=schema)
    migrate(settings)
    try:
        ledger = Ledger(settings, clock=fixed_clock())
        ledger.ensure_calendar()
        results["postgres"] = measure(ledger, args.n)
        ledger.close()
        results["postgres_raw_insert_per_s"] = raw_inserts(args.dsn, schema, args.n)
    finally:
        with psycopg.connect(args.dsn, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(sql.Identifier(schema)))
    print("postgres:", results["postgres"], "raw INSERT/s:", results["postgres_raw_insert_per_s"])
    pg = results["postgres"]
    results["postgres_annotate_vs_raw"] = round(pg["annotate_per_s"] / results["postgres_raw_insert_per_s"], 3)
    print(json.dumps(results))


if __name__ == "__main__":
    main()
