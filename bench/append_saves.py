"""The group-commit statement (ledger_append_saves(), migration 0007) as the
event table grows: milliseconds per call for groups of ten saves, each a new
case's first event plus the next number of one shared counter, chained on
the save before it (as ``Ledger._save_numbered`` sends them). The time per
group should stay flat as the table grows: the function's checks must use
the primary key, not scan the table.

Usage: python bench/append_saves.py [--blocks 6] [--groups 300] [--dsn ...]
The last line is JSON.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import uuid
from pathlib import Path

import psycopg
from psycopg import sql

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ledger.settings import Settings  # noqa: E402
from ledger.store.migrate import migrate  # noqa: E402

CALL = (
    "SELECT save, notification_id FROM ledger_append_saves("
    "%b::uuid[], %b::bigint[], %b::text[], %b::bytea[], %b::int[], %b::int[][], %s, %s, %s)"
)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--blocks", type=int, default=6)
    parser.add_argument("--groups", type=int, default=300, help="per block")
    parser.add_argument("--dsn", default="postgresql://postgres@127.0.0.1:5432/test")
    args = parser.parse_args()
    schema = f"bench_{uuid.uuid4().hex[:8]}"
    migrate(Settings(backend="postgres", dsn=args.dsn, pg_schema=schema))
    counter, version, results = uuid.uuid4(), 0, []
    with psycopg.connect(args.dsn, autocommit=True) as conn:
        conn.execute(sql.SQL("SET search_path TO {}").format(sql.Identifier(schema)))
        try:
            for _ in range(args.blocks):
                started = time.perf_counter()
                for _ in range(args.groups):
                    ids, versions, topics, states, saves, afters = [], [], [], [], [], []
                    for save in range(1, 11):
                        version += 1
                        for originator_id, v, state in ((uuid.uuid4(), 1, b"c" * 300), (counter, version, b"n" * 200)):
                            ids.append(originator_id)
                            versions.append(v)
                            topics.append("bench:Event")
                            states.append(state)
                            saves.append(save)
                        afters.append([save - 1])  # chained on the save before (0: none)
                    rows = conn.execute(
                        CALL, (ids, versions, topics, states, saves, afters, "10s", "bench_append", ""), prepare=True
                    ).fetchall()
                    assert len(rows) == 20, rows
                per_group = (time.perf_counter() - started) / args.groups * 1000
                events = conn.execute("SELECT count(*) FROM ledger_events").fetchone()[0]
                results.append({"events_in_table": events, "ms_per_group": round(per_group, 3)})
                print(f"{events:>8} events in the table: {per_group:.3f} ms per ten-save group", flush=True)
        finally:
            conn.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(sql.Identifier(schema)))
    first, last = results[0]["ms_per_group"], results[-1]["ms_per_group"]
    print(json.dumps({"blocks": results, "last_vs_first": round(last / first, 2)}))


if __name__ == "__main__":
    main()
