"""The ``ledger`` console script."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime, timedelta

from ledger.errors import LedgerError
from ledger.settings import Settings
from ledger.values import CST, DeadlineClass


def _open_ledger(settings: Settings):  # noqa: ANN202 - keeps start-up imports light
    from ledger.application import Ledger
    from ledger.migrate import migrate

    if settings.backend == "sqlite":
        migrate(settings)  # embedded mode: zero set-up
    return Ledger(settings)


def cmd_migrate(args: argparse.Namespace) -> int:
    from ledger.migrate import migrate

    settings = Settings.from_env()
    applied = migrate(settings)
    where = settings.sqlite_path if settings.backend == "sqlite" else f"PostgreSQL schema {settings.pg_schema}"
    print(f"{where}: applied {len(applied)} migration(s){': ' + ', '.join(applied) if applied else ' (up to date)'}")
    ledger = _open_ledger(settings)
    years = sorted(ledger.calendar().schedules)
    print(f"working-day calendar: {len(years)} year(s) recorded ({years[0]}–{years[-1]})")
    return 0


def cmd_due(args: argparse.Namespace) -> int:
    try:
        start = datetime.fromisoformat(args.from_)
    except ValueError:
        print(f"error: --from: 不是 ISO 8601 时间：{args.from_}", file=sys.stderr)
        return 2
    if start.tzinfo is None:
        start = start.replace(tzinfo=CST)  # clerks type local times
    ledger = _open_ledger(Settings.from_env())
    due = ledger.due(start, DeadlineClass(args.deadline_class))
    out = {
        "class": due.deadline_class.value,
        "from": due.start.isoformat(),
        "target": due.target.isoformat(),
        "limit": due.limit.isoformat(),
        "provisional": due.provisional,
        "assumed_years": list(due.assumed_years),
    }
    print(f"{due.deadline_class.label}")
    if due.target != due.limit:
        print(f"目标时限 target: {out['target']}")
    print(f"最迟时限 limit:  {out['limit']}")
    if due.provisional:
        years = "、".join(str(y) for y in due.assumed_years)
        print(f"provisional: yes — {years}年的节假日安排尚未登记，暂按周一至周五计算")
    else:
        print("provisional: no")
    print(json.dumps(out, ensure_ascii=False))
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from ledger.demo import record_demo_case
    from ledger.history import describe, format_line

    settings = Settings.from_env()
    ledger = _open_ledger(settings)
    start = datetime.now(CST).replace(hour=9, minute=0, second=0, microsecond=0) - timedelta(days=14)
    case_id = record_demo_case(ledger, start)
    case = ledger.get_case(case_id)
    print(f"案件 {case_id}（{case.applicant.name}）— 状态：{case.state.label}")
    print(f"申请表编号 {case.application_number}；意见书编号 {case.opinion.number if case.opinion else '—'}；"
          f"归档编号 {case.archive_number}")
    if case.due:
        print(f"服务时限：目标 {case.due.target.isoformat()}，最迟 {case.due.limit.isoformat()}")
    print("\n办理记录（谁、何时、以何身份、依据什么）：")
    for event in ledger.history(case_id):
        print(format_line(describe(event)))
    print(f"\nstored in {settings.sqlite_path if settings.backend == 'sqlite' else 'PostgreSQL'}")
    return 0


def cmd_events(args: argparse.Namespace) -> int:
    from ledger.contract import render

    print(render(), end="")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="ledger", description="行政执法全流程指导服务 case ledger")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("migrate", help="apply migrations/ to the configured store (idempotent)").set_defaults(
        func=cmd_migrate
    )
    due = sub.add_parser("due", help="the due time(s) of a need accepted at a given time")
    due.add_argument("--from", dest="from_", required=True, help="ISO 8601 time, e.g. 2026-12-30T10:00:00+08:00")
    due.add_argument("--class", dest="deadline_class", required=True, choices=[d.value for d in DeadlineClass])
    due.set_defaults(func=cmd_due)
    sub.add_parser("demo", help="record a realistic case through its lifecycle and print its history").set_defaults(
        func=cmd_demo
    )
    sub.add_parser("events", help="print the stored-event contract (docs/EVENTS.md)").set_defaults(func=cmd_events)
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except LedgerError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
