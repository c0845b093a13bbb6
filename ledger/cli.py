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
    years = sorted(ledger.ensure_calendar().schedules)
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


def cmd_calendar(args: argparse.Namespace) -> int:
    import getpass
    import uuid

    import msgspec

    from ledger import commands as c
    from ledger.values import Actor, Role
    from ledger.workdays import YearSchedule

    ledger = _open_ledger(Settings.from_env())
    if args.action == "show":
        schedules = ledger.calendar(for_update=False).schedules
        for year in sorted(schedules) if args.year is None else [args.year]:
            s = schedules.get(year)
            if s is None:
                print(f"{year}: 未登记（按周一至周五计算，时限标记为暂定 provisional）")
                continue
            holidays = "、".join(f"{h.day.isoformat()}{h.name}" for h in s.holidays if h.day.weekday() < 5)
            makeup = "、".join(d.isoformat() for d in s.makeup_workdays)
            print(f"{year}（{s.source}）\n  节假日（工作日部分）：{holidays}\n  调休上班：{makeup or '无'}")
        return 0
    # record: a JSON file {"year", "holidays": [{"day", "name"}], "makeup_workdays": [...], "source"}
    try:
        with open(args.file, "rb") as f:
            schedule = msgspec.json.decode(f.read(), type=YearSchedule)
    except (OSError, msgspec.ValidationError, msgspec.DecodeError) as e:
        print(f"error: {args.file}: 工作日安排文件无效：{e}", file=sys.stderr)
        return 2
    actor = Actor(id=args.actor_id or getpass.getuser(), name=args.actor_name or getpass.getuser(),
                  role=Role.ADMINISTRATOR, unit=args.unit)
    result = ledger.record_year_schedule(
        c.Context(actor=actor, request_id=uuid.uuid4().hex),
        c.RecordYearSchedule(schedule=schedule, basis=args.basis),
    )
    print(f"{schedule.year}年工作日安排已登记（notification {result.notification_id}）；相关暂定时限已重新计算")
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
    cal = sub.add_parser("calendar", help="show or record the working-day calendar (an administrator's act)")
    cal_sub = cal.add_subparsers(dest="action", required=True)
    show = cal_sub.add_parser("show", help="the recorded year schedules")
    show.add_argument("--year", type=int)
    record = cal_sub.add_parser("record", help="record a year's schedule from a JSON file")
    record.add_argument("file")
    record.add_argument("--basis", required=True, help="the notice it comes from, e.g. 国办发明电〔2026〕7号")
    record.add_argument("--unit", default="系统管理")
    record.add_argument("--actor-id")
    record.add_argument("--actor-name")
    cal.set_defaults(func=cmd_calendar)
    sub.add_parser("events", help="print the stored-event contract (docs/EVENTS.md)").set_defaults(func=cmd_events)
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except LedgerError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
