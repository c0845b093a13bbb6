"""The working-day calendar: due times, recorded years."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime

from ledger.cli.ops import _open_ledger
from ledger.settings import Settings
from ledger.values import DeadlineClass, local_instant


def cmd_due(args: argparse.Namespace) -> int:
    try:
        start = datetime.fromisoformat(args.from_)
    except ValueError:
        print(f"error: --from: 不是 ISO 8601 时间：{args.from_}", file=sys.stderr)
        return 2
    ledger = _open_ledger(Settings.from_env())
    due = ledger.due(local_instant("from", start), DeadlineClass(args.deadline_class))
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
        from ledger.workdays import assumed_note

        print(f"provisional: yes — {assumed_note(due.assumed_years)}")
    else:
        print("provisional: no")
    print(json.dumps(out, ensure_ascii=False))
    return 0


def cmd_calendar(args: argparse.Namespace) -> int:
    import getpass
    import uuid

    import msgspec

    from ledger.calendar.commands import RecordYearSchedule
    from ledger.commands import Context
    from ledger.values import Actor, Role
    from ledger.workdays import YearSchedule

    ledger = _open_ledger(Settings.from_env())
    if args.action == "show":
        schedules = ledger.calendar(for_update=False).schedules
        for year in sorted(schedules) if args.year is None else [args.year]:
            s = schedules.get(year)
            if s is None:
                from ledger.workdays import statutory_holidays

                days = "、".join(f"{d.isoformat()}{name}" for d, name in statutory_holidays(year))
                print(f"{year}: 未登记（周一至周五工作，法定节假日休息：{days or '无'}；调休未知，时限标记为暂定 provisional）")
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
        Context(actor=actor, request_id=uuid.uuid4().hex),
        RecordYearSchedule(schedule=schedule, basis=args.basis),
    )
    print(f"{schedule.year}年工作日安排已登记（notification {result.notification_id}）；相关暂定时限已重新计算")
    return 0
