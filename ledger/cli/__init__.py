"""The ``ledger`` console script."""

from __future__ import annotations

import argparse
import sys

from ledger.case.values import ServiceType
from ledger.cli import access_log, backup, idempotency
from ledger.cli.calendar import cmd_calendar, cmd_due
from ledger.cli.catalogue import cmd_catalogue
from ledger.cli.documents import cmd_documents
from ledger.cli.integrity import cmd_checkpoint, cmd_export_case, cmd_verify
from ledger.cli.ops import cmd_create_admin, cmd_demo, cmd_events, cmd_migrate, cmd_project, cmd_serve
from ledger.cli.reads import cmd_audit, cmd_queue, cmd_rebuild, cmd_registry, cmd_reversals, cmd_stats
from ledger.errors import LedgerError
from ledger.values import DeadlineClass, Role


REBUILDABLE = ["registry", "queues", "cases", "audit", "supervision", "guidance", "register-reports", "documents",
               "network", "feedback", "legal-reviews", "mediations", "risk-points", "typical-cases", "risk-assessments"]


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
    # (the names of projections.VIEW_ALIASES, not imported here: the console starts without the read side)
    rb.add_argument("view", choices=REBUILDABLE)
    rb.add_argument("--as-of", help="ISO 8601 time (transaction time) or a notification id")
    rb.add_argument("--csv", help="where to write the as-of export (default <view>-asof-<id>.csv)")
    rb.add_argument("--xlsx", help="write the as-of export as an Excel workbook to this file instead")
    rb.add_argument("--role", default="supervisor", choices=[r.value for r in Role], help="whose masking applies")
    rb.set_defaults(func=cmd_rebuild)
    reg = sub.add_parser("registry", help="the registry (台账) as CSV, or the 行政指导事项登记簿")
    reg.add_argument("--unit")
    reg.add_argument("--service-type", choices=[t.value for t in ServiceType])
    reg.add_argument("--role", default="registrar", choices=[r.value for r in Role])
    reg.add_argument("--csv", help="write to this file instead of standard output")
    reg.add_argument("--register", help="print the 行政指导事项登记簿 for a quarter (2026-Q4) or 'all'")
    reg.add_argument("--xlsx", help="write the registry (or the 登记簿) as an Excel workbook to this file")
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
    au.add_argument("--limit", type=int, help="at most this many events (default 500; with --xlsx every one)")
    au.add_argument("--xlsx", help="write the events as an Excel workbook to this file")
    au.set_defaults(func=cmd_audit)
    st = sub.add_parser("stats", help="satisfaction and on-time rate")
    st.add_argument("--by", default="unit", choices=["unit", "service_type", "month", "quarter"])
    st.add_argument("--xlsx", help="write the figures as an Excel workbook to this file")
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
    sv.add_argument("--workers", type=int, default=1,
                    help="server processes on one PostgreSQL (default 1); the projection runners run once, beside them")
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
    rv.add_argument("--xlsx", help="write the review list as an Excel workbook to this file")
    rv.set_defaults(func=cmd_reversals)
    dc = sub.add_parser("documents", help="verify a document file against what the ledger issued")
    dc_sub = dc.add_subparsers(dest="action", required=True)
    dv = dc_sub.add_parser("verify", help="which case, records, time and person issued this file — or never")
    dv.add_argument("file")
    dc.set_defaults(func=cmd_documents)
    access_log.add_parser(sub)
    backup.add_parsers(sub)
    idempotency.add_parser(sub)
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except LedgerError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
