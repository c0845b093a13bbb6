"""The ``ledger`` console script."""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
from datetime import datetime, timedelta

from ledger.errors import LedgerError
from ledger.scope import Reach, console_scope
from ledger.settings import Settings
from ledger.case.values import ServiceType
from ledger.values import CST, DeadlineClass, Role, local_instant


def _open_ledger(settings: Settings):  # noqa: ANN202 - keeps start-up imports light
    from ledger.application import Ledger
    from ledger.store.migrate import migrate

    if settings.backend == "sqlite":
        migrate(settings)  # embedded mode: zero set-up
    return Ledger(settings)


def cmd_migrate(args: argparse.Namespace) -> int:
    from ledger.store.migrate import migrate

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


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def cmd_project(args: argparse.Namespace) -> int:
    """Run the projection runners in this process until interrupted."""
    import time

    from projections import PROJECTIONS
    from projections.runner import Runner

    settings = Settings.from_env()
    if settings.backend == "sqlite":
        _open_ledger(settings).close()  # migrate the embedded store
    runners = [Runner(settings, cls()).start() for cls in PROJECTIONS.values()]
    print(f"projecting {', '.join(PROJECTIONS)}; Ctrl-C to stop", file=sys.stderr)
    signal.signal(signal.SIGTERM, _interrupt)  # a supervisor's terminate: stop as after Ctrl-C
    try:
        while all(r.error is None for r in runners):
            if args.parent and os.getppid() != args.parent:
                break  # the server that started us is gone
            time.sleep(0.5)
    except KeyboardInterrupt:
        pass
    finally:
        for r in runners:
            r.stop()
    for r in runners:
        r.raise_if_failed()
    return 0


def cmd_rebuild(args: argparse.Namespace) -> int:
    from projections import PROJECTIONS, VIEW_ALIASES
    from projections.rebuild import content_hash, fold_as_of, rebuild, resolve_cutoff
    from projections.views import registry_csv, registry_order
    from ledger.values import Role

    settings = Settings.from_env()
    if settings.backend == "sqlite":
        _open_ledger(settings).close()
    projection = PROJECTIONS[VIEW_ALIASES[args.view]]()
    if args.as_of is None:
        from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeRemainingColumn

        with Progress(
            TextColumn(f"rebuild {projection.name}"), BarColumn(), TaskProgressColumn(),
            TextColumn("{task.completed}/{task.total} events"), TimeRemainingColumn(), transient=False,
        ) as bar:
            task = bar.add_task("rebuild", total=None)
            position = rebuild(settings, projection, lambda done, total: bar.update(task, completed=done, total=total))
        print(f"{projection.name}: rebuilt and swapped in at notification {position}")
        return 0
    try:
        cutoff, label = resolve_cutoff(settings, args.as_of)
    except ValueError:
        print(f"error: --as-of: 应为 ISO 8601 时间或通知序号：{args.as_of}", file=sys.stderr)
        return 2
    state = fold_as_of(settings, projection, cutoff)
    role = Role(args.role)
    if projection.name == "cases":
        data = registry_csv(registry_order(state.values()), role)
    elif projection.name == "supervision":
        from projections.views import reversals_csv

        state = {k: v for k, v in state.get("reviews", {}).items() if v["kind"]}
        data = reversals_csv(state.values())
    else:
        from projections.audit import AUDIT
        from projections.spreadsheet import csv_bytes

        data = csv_bytes(AUDIT.column_names, (state[n] for n in sorted(state)))
    out = args.csv or f"{args.view}-asof-{cutoff}.csv"
    with open(out, "wb") as f:
        f.write(data)
    print(f"{args.view} as of {label}: {len(state)} rows → {out}")
    print(f"cut-off: notification {cutoff}")
    print(f"sha256: {content_hash(data)}")
    return 0


def _views(settings: Settings):  # noqa: ANN202
    """The views, caught up first: in embedded mode no runner may be running."""
    from projections import PROJECTIONS
    from projections.runner import Runner
    from projections.views import Views

    if settings.backend == "sqlite":
        _open_ledger(settings).close()
    for cls in PROJECTIONS.values():
        runner = Runner(settings, cls())
        try:
            runner.catch_up()
        finally:
            runner.close()
    return Views(settings)


def cmd_registry(args: argparse.Namespace) -> int:
    from ledger.case.values import ServiceType
    from ledger.values import Role
    from projections.views import REGISTER_COLUMNS, registry_csv

    views = _views(Settings.from_env())
    try:
        if args.register:
            year, q = (int(x) for x in args.register.split("-Q")) if args.register != "all" else (None, None)
            rows = views.guidance_register(console_scope(Reach.CASES), year, q, unit=args.unit, limit=None)
            print("\t".join(label for _, label in REGISTER_COLUMNS))
            for r in rows:
                print("\t".join(str(r[k]) for k, _ in REGISTER_COLUMNS))
            return 0
        filters = dict(unit=args.unit, service_type=ServiceType(args.service_type) if args.service_type else None)
        scope = console_scope(Reach.CASES, Role(args.role))
        rows = views.registry_rows(scope, **filters)
        data = registry_csv(rows, scope.role)
        if args.csv:
            with open(args.csv, "wb") as f:
                f.write(data)
            print(f"{len(rows)} rows → {args.csv}")
        else:
            sys.stdout.write(data.decode("utf-8-sig"))
        return 0
    finally:
        views.close()


def cmd_queue(args: argparse.Namespace) -> int:
    views = _views(Settings.from_env())
    try:
        for r in views.queue(console_scope(Reach.CASES), args.stage, unit=args.unit):
            flag = "【逾期】" if r["overdue"] else ("【将到期】" if r["due_soon"] else "")
            due = f" 时限 {r['due_at']}{'（暂定）' if r['provisional'] else ''}" if r["due_at"] else ""
            print(f"{flag}{r['form_number'] or '未编号'} {r['applicant_name']} {r['units'] or ''}{due} 自 {r['since']}")
        return 0
    finally:
        views.close()


def cmd_audit(args: argparse.Namespace) -> int:
    views = _views(Settings.from_env())
    try:
        rows = views.audit(console_scope(Reach.AUDIT), actor_id=args.actor, unit=args.unit, case_id=args.case, action=args.action,
                           recorded_from=args.since, recorded_to=args.until, limit=args.limit)
        for r in rows:
            print(json.dumps(r, ensure_ascii=False))
        return 0
    finally:
        views.close()


def cmd_stats(args: argparse.Namespace) -> int:
    views = _views(Settings.from_env())
    try:
        print(json.dumps(views.stats(console_scope(Reach.CASES), args.by), ensure_ascii=False, indent=1))
        return 0
    finally:
        views.close()


def cmd_serve(args: argparse.Namespace) -> int:
    """Migrate, start the projection runners, serve the API with uvicorn."""
    import uvicorn

    from ledger.store.migrate import migrate

    settings = Settings.from_env()
    migrate(settings)
    from ledger.application import Ledger
    from ledger_http.app import create_app
    from ledger.store.credentials import CredentialStore

    ledger = Ledger(settings)
    ledger.ensure_calendar()
    if args.demo:
        from ledger.demo import DEMO_PASSWORD, seed_demo

        credentials = CredentialStore(settings)
        users = seed_demo(ledger, credentials)
        credentials.close()
        print("demo users (password: %s):" % DEMO_PASSWORD)
        for username, role, unit in users:
            print(f"  {username:<10} {role:<14} {unit}")
    projections = args.projections or ("process" if settings.backend == "postgres" else "thread")
    app = create_app(settings, ledger=ledger, projections=projections)
    print(f"API docs: http://{args.host}:{args.port}/schema/swagger  (login: POST /auth/login)")
    from ledger.cli.runtime import tune_gc

    tune_gc()
    uvicorn.run(app, host=args.host, port=args.port, log_level="info")
    return 0


def cmd_create_admin(args: argparse.Namespace) -> int:
    import getpass
    import os

    from ledger.application import Ledger
    from ledger.directory.setup import ensure_unit, ensure_user
    from ledger.directory import UnitKind
    from ledger.store.migrate import migrate
    from ledger.values import Role
    from ledger.store.credentials import CredentialStore

    settings = Settings.from_env()
    migrate(settings)
    password = os.environ.get("LEDGER_ADMIN_PASSWORD") or getpass.getpass("password (≥10 characters): ")
    ledger = Ledger(settings)
    ensure_unit(ledger, args.unit, UnitKind.COORDINATION)
    credentials = CredentialStore(settings)
    try:
        created = ensure_user(ledger, credentials, args.username, args.name, Role.ADMINISTRATOR, args.unit, password)
    finally:
        credentials.close()
    print(f"administrator {args.username} {'created' if created else 'already exists (unchanged)'}")
    return 0


def _seal_caught_up(settings: Settings) -> None:
    from projections.runner import Runner
    from projections.seal import SealProjection

    if settings.backend == "sqlite":
        _open_ledger(settings).close()
    runner = Runner(settings, SealProjection())
    try:
        runner.catch_up()
    finally:
        runner.close()


def cmd_verify(args: argparse.Namespace) -> int:
    """Exit status: 0 intact, 1 tampered, 2 usage error."""
    from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

    from projections.seal import current_digest, verify

    settings = Settings.from_env()
    if args.seal_first:
        _seal_caught_up(settings)
    head, _ = current_digest(settings)
    with Progress(TextColumn("verify"), BarColumn(), TextColumn("{task.completed}/{task.total}"),
                  TimeRemainingColumn(), transient=True) as bar:
        task = bar.add_task("verify", total=max(head - args.from_position, 0))
        try:
            finding = verify(settings, from_position=args.from_position, from_digest=args.digest,
                             progress=lambda n: bar.advance(task, n))
        except ValueError as e:
            print(f"error: {e}", file=sys.stderr)
            return 2
    if finding.intact:
        print(f"intact up to notification {finding.position}, digest {finding.digest}")
        return 0
    print(f"TAMPERED: first bad event at notification {finding.position} ({finding.problem}); "
          f"case {finding.case_id or '—'}; {finding.detail}")
    return 1


def cmd_checkpoint(args: argparse.Namespace) -> int:
    from projections.seal import take_checkpoint

    settings = Settings.from_env()
    _seal_caught_up(settings)
    position, digest = take_checkpoint(settings, reason=args.reason)
    print(f"checkpoint at notification {position}: {digest}")
    return 0


def cmd_export_case(args: argparse.Namespace) -> int:
    from uuid import UUID

    from projections.seal import export_case

    settings = Settings.from_env()
    _seal_caught_up(settings)
    try:
        bundle = export_case(settings, UUID(args.case_id))
    except ValueError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    out = args.output or f"case-{args.case_id}.json"
    with open(out, "w", encoding="utf-8") as f:
        json.dump(bundle, f, ensure_ascii=False, indent=1)
    own = sum(1 for e in bundle["entries"] if "state_base64" in e)
    print(f"{out}: {own} event(s) of the case, chain to notification {bundle['head']['notification_id']}, "
          f"head digest {bundle['head']['digest']}")
    print("check offline with: python3 tools/verify_bundle.py " + out)
    return 0


def cmd_catalogue(args: argparse.Namespace) -> int:
    """``ledger catalogue import|show``: an authority's four lists (四张清单)."""
    import getpass
    import uuid
    from datetime import date

    from ledger.catalogue.commands import PublishCatalogueEdition
    from ledger.commands import Context
    from ledger.catalogue import DEFAULT_LISTS, Edition
    from ledger.catalogue.importing import parse_items
    from ledger.errors import InvalidInput
    from ledger.values import Actor, Role

    ledger = _open_ledger(Settings.from_env())
    if args.action == "show":
        catalogue = ledger.catalogue(args.authority)
        if catalogue is None:
            print(f"error: {args.authority}尚未发布四张清单", file=sys.stderr)
            return 1
        day = date.fromisoformat(args.on) if args.on else datetime.now(CST).date()
        items = catalogue.items_on(day, list_code=args.list, version=args.version)
        print(f"{args.authority} 四张清单（{day} 施行中的事项 {len(items)} 项；法制审核：{'需要' if catalogue.legal_review_required else '重大决定时需要'}）")
        for i in items:
            fine = f"；罚款{i.item.fine_min_yuan}–{i.item.fine_max_yuan}元" if i.item.fine_min_yuan is not None else ""
            print(f"[{i.version}] {i.list.name} 第{i.item.number}项：{i.item.violation}")
            print(f"    适用条件：{'、'.join(i.item.conditions)}；违反：{i.item.breached}；依据：{i.item.penalty_basis}{fine}"
                  f"；有效期 {i.valid_from}–{i.valid_until or '至今'}")
        return 0
    try:
        with open(args.file, "rb") as f:
            data = f.read()
        catalogue = ledger.catalogue(args.authority)
        lists = catalogue.latest_lists() if catalogue else DEFAULT_LISTS
        edition = Edition(
            version=args.version,
            title=args.title,
            document_number=args.document_number,
            effective_from=date.fromisoformat(args.effective_from),
            effective_until=date.fromisoformat(args.effective_until) if args.effective_until else None,
            lists=lists,
            items=parse_items(data, lists, default_list=args.list),
            supersedes=args.supersedes,
        )
    except OSError as e:
        print(f"error: {args.file}: {e}", file=sys.stderr)
        return 2
    except InvalidInput as e:
        print(f"error: {args.file}: 未导入任何事项，请修改后重新导入：", file=sys.stderr)
        for err in e.errors:
            print(f"  {err.message}（{err.field}，{err.code}）", file=sys.stderr)
        return 1
    actor = Actor(id=args.actor_id or getpass.getuser(), name=args.actor_name or getpass.getuser(),
                  role=Role.ADMINISTRATOR, unit="系统管理")
    result = ledger.publish_catalogue_edition(
        Context(actor=actor, request_id=uuid.uuid4().hex),
        PublishCatalogueEdition(authority=args.authority, edition=edition, basis=args.basis),
    )
    print(f"{args.authority} 四张清单“{args.version}”已发布：{len(edition.items)} 项（notification {result.notification_id}）")
    return 0


def cmd_reversals(args: argparse.Namespace) -> int:
    """The supervision review list of reversed penalties (CSV) or its statistics."""
    from projections.views import Views, reversals_csv

    views = Views(Settings.from_env())
    try:
        if args.stats:
            for row in views.reversal_stats(console_scope(Reach.SUPERVISION), args.stats, unit=args.unit):
                print(json.dumps(row, ensure_ascii=False))
            return 0
        rows = views.reversals(console_scope(Reach.SUPERVISION), unit=args.unit, status=args.status, limit=1_000_000)
        data = reversals_csv(rows)
    finally:
        views.close()
    if args.csv:
        with open(args.csv, "wb") as f:
            f.write(data)
        print(f"{len(rows)} reversals → {args.csv}", file=sys.stderr)
    else:
        sys.stdout.write(data.decode("utf-8-sig"))
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
    pj = sub.add_parser("project", help="keep the read models up to date (runs until Ctrl-C)")
    pj.add_argument("--parent", type=int, help="exit when the process with this id (a server) is gone")
    pj.set_defaults(func=cmd_project)
    rb = sub.add_parser("rebuild", help="rebuild a read model, or export it as of a past moment")
    rb.add_argument("view", choices=["registry", "queues", "cases", "audit", "supervision"])
    rb.add_argument("--as-of", help="ISO 8601 time (transaction time) or a notification id")
    rb.add_argument("--csv", help="where to write the as-of export (default <view>-asof-<id>.csv)")
    rb.add_argument("--role", default="supervisor", choices=[r.value for r in Role], help="whose masking applies")
    rb.set_defaults(func=cmd_rebuild)
    reg = sub.add_parser("registry", help="the registry (台账) as CSV, or the 行政指导事项登记簿")
    reg.add_argument("--unit")
    reg.add_argument("--service-type", choices=[t.value for t in ServiceType])
    reg.add_argument("--role", default="registrar", choices=[r.value for r in Role])
    reg.add_argument("--csv", help="write to this file instead of standard output")
    reg.add_argument("--register", help="print the 行政指导事项登记簿 for a quarter (2026-Q4) or 'all'")
    reg.set_defaults(func=cmd_registry)
    qu = sub.add_parser("queue", help="a work queue")
    qu.add_argument("stage", choices=["acceptance", "dispatch", "service", "rating", "follow_up", "archiving"])
    qu.add_argument("--unit")
    qu.set_defaults(func=cmd_queue)
    au = sub.add_parser("audit", help="the audit log (JSON lines)")
    au.add_argument("--actor")
    au.add_argument("--unit")
    au.add_argument("--case")
    au.add_argument("--action")
    au.add_argument("--since", help="recorded at or after (UTC ISO)")
    au.add_argument("--until", help="recorded before (UTC ISO)")
    au.add_argument("--limit", type=int, default=500)
    au.set_defaults(func=cmd_audit)
    st = sub.add_parser("stats", help="satisfaction and on-time rate")
    st.add_argument("--by", default="unit", choices=["unit", "service_type", "month", "quarter"])
    st.set_defaults(func=cmd_stats)
    sv = sub.add_parser("serve", help="run the HTTP API and the projection runners")
    sv.add_argument(
        "--projections", choices=["process", "thread", "off"],
        help="where the runners run: a supervised child process (default on PostgreSQL), threads of the "
        "server (default on SQLite, whose single writer gains nothing from a second process), or off "
        "(a separate `ledger project` keeps the views)",
    )
    sv.add_argument("--host", default="127.0.0.1")
    sv.add_argument("--port", type=int, default=8000)
    sv.add_argument("--demo", action="store_true", help="seed demo units, users (one per role) and cases")
    sv.set_defaults(func=cmd_serve)
    ca = sub.add_parser("create-admin", help="create the first administrator (password from LEDGER_ADMIN_PASSWORD or prompt)")
    ca.add_argument("--username", default="admin")
    ca.add_argument("--name", default="系统管理员")
    ca.add_argument("--unit", default="系统管理")
    ca.set_defaults(func=cmd_create_admin)
    vf = sub.add_parser("verify", help="recompute the SHA-256 chain; name the first altered/removed/inserted event")
    vf.add_argument("--from", dest="from_position", type=int, default=0, help="start at a trusted checkpoint")
    vf.add_argument("--digest", help="the trusted digest at --from (default: the stored checkpoint)")
    vf.add_argument("--seal-first", action="store_true", help="seal events not yet sealed before verifying")
    vf.set_defaults(func=cmd_verify)
    cp = sub.add_parser("checkpoint", help="take a checkpoint of the chain now")
    cp.add_argument("--reason", default="on demand")
    cp.set_defaults(func=cmd_checkpoint)
    ex = sub.add_parser("export-case", help="write a case bundle that tools/verify_bundle.py checks offline")
    ex.add_argument("case_id")
    ex.add_argument("-o", "--output")
    ex.set_defaults(func=cmd_export_case)
    sub.add_parser("events", help="print the stored-event contract (docs/EVENTS.md)").set_defaults(func=cmd_events)
    cg = sub.add_parser("catalogue", help="an authority's four lists (四张清单): import an edition, or show items in force")
    cg_sub = cg.add_subparsers(dest="action", required=True)
    imp = cg_sub.add_parser("import", help="publish an edition from a CSV or XLSX file (docs/FOUR-LISTS.md)")
    imp.add_argument("file")
    imp.add_argument("--authority", required=True, help="the issuing unit, as registered")
    imp.add_argument("--version", required=True, help="e.g. 2025版")
    imp.add_argument("--title", required=True)
    imp.add_argument("--effective-from", required=True, help="YYYY-MM-DD")
    imp.add_argument("--effective-until", help="YYYY-MM-DD (last day in force)")
    imp.add_argument("--document-number", default="", help="发布文号, e.g. 市市监发〔2024〕52号")
    imp.add_argument("--supersedes", help="the edition this one replaces from --effective-from")
    imp.add_argument("--basis", help="legal basis of the publication")
    imp.add_argument("--list", help="the list of every row, for a file without a 清单 column (e.g. no_penalty)")
    imp.add_argument("--actor-id")
    imp.add_argument("--actor-name")
    shw = cg_sub.add_parser("show", help="the items in force on a day")
    shw.add_argument("--authority", required=True)
    shw.add_argument("--on", help="YYYY-MM-DD (default today)")
    shw.add_argument("--list", help="a list code, e.g. no_penalty")
    shw.add_argument("--version")
    cg.set_defaults(func=cmd_catalogue)
    rv = sub.add_parser("reversals", help="the supervision review list of reversed penalties (CSV), or --stats")
    rv.add_argument("--unit")
    rv.add_argument("--status", choices=["pending", "objected", "answered", "confirmed"])
    rv.add_argument("--stats", choices=["unit", "item", "month"])
    rv.add_argument("--csv", help="write to this file instead of standard output")
    rv.set_defaults(func=cmd_reversals)
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except LedgerError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
