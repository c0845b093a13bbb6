"""Reading the views at the console: registry, 登记簿, queues, audit, statistics, reversals; rebuilds and as-of exports."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from typing import Any

from ledger.cli.ops import _open_ledger
from ledger.scope import Reach, console_scope
from ledger.settings import Settings

EXPORT_ROWS = 100_000_000  # an export holds every matching row


def _write_xlsx(path: str, data: bytes, rows: int, what: str) -> None:
    """Write an Excel export and say what it holds and its SHA-256 (to cite it)."""
    from projections.rebuild import content_hash

    with open(path, "wb") as f:
        f.write(data)
    print(f"{rows} {what} → {path}")
    print(f"sha256: {content_hash(data)}")


def cmd_rebuild(args: argparse.Namespace) -> int:
    from ledger.values import Role
    from projections import PROJECTIONS, VIEW_ALIASES
    from projections.rebuild import content_hash, fold_as_of, rebuild, resolve_cutoff

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
    if projection.name not in ("cases", "supervision", "audit", "guidance"):
        print(f"error: --as-of: the {args.view} view is rebuilt, not exported as of a moment", file=sys.stderr)
        return 2
    role = Role(args.role)
    if projection.name == "cases":  # from the registry's history, streamed (projections/cases/as_of.py)
        from projections.cases.as_of import registry_rows_as_of

        return _cases_as_of(args, settings, registry_rows_as_of(settings, cutoff), role, cutoff, label)
    if projection.name == "supervision":  # from the review list's history (projections/supervision/as_of.py)
        from projections.supervision.as_of import reviews_as_of

        state = {"reviews": {r["review_id"]: r for r in reviews_as_of(settings, cutoff)}}
    else:
        state = fold_as_of(settings, projection, cutoff)
    if projection.name == "guidance":  # the acts in the platform layout (docs/PLATFORM-EXPORT.md)
        from projections.guidance import EXPORTS_KEY

        state = {k: v for k, v in state.items() if k != EXPORTS_KEY}
        rows = sorted(state.values(), key=lambda r: (r["started_at"] or "", r["guidance_id"]))
    if args.xlsx:
        from projections import workbook

        if projection.name == "supervision":
            data = workbook.reversals_xlsx([v for v in state.get("reviews", {}).values() if v["kind"]], cutoff=cutoff)
        elif projection.name == "guidance":
            from projections.guidance.export import platform_xlsx

            data = platform_xlsx(rows, role)
        elif projection.name == "audit":
            from projections.audit import AUDIT

            rows = (dict(zip(AUDIT.column_names, state[n], strict=True)) for n in sorted(state))
            data = workbook.audit_xlsx(rows, cutoff=cutoff)
        else:
            print(f"error: --xlsx: the {args.view} view has no workbook", file=sys.stderr)
            return 2
        print(f"{args.view} as of {label}")
        print(f"cut-off: notification {cutoff}")
        _write_xlsx(args.xlsx, data, len(state), "rows")
        return 0
    if projection.name == "supervision":
        from projections.supervision.export import reversals_csv

        state = {k: v for k, v in state.get("reviews", {}).items() if v["kind"]}
        data = reversals_csv(state.values())
    elif projection.name == "guidance":
        from projections.guidance.export import platform_csv

        data = platform_csv(rows, role)
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


def _cases_as_of(args: argparse.Namespace, settings: Any, rows: Iterator[dict], role: Any, cutoff: int,
                 label: str) -> int:
    from ledger.scope import Reach, console_scope
    from projections import workbook
    from projections.cases.as_of import registry_csv_as_of
    from projections.rebuild import content_hash

    count = 0

    def counted() -> Iterator[dict]:
        nonlocal count
        for row in rows:
            count += 1
            yield row

    if args.xlsx:
        data = workbook.registry_xlsx(counted(), role, cutoff=cutoff)
        print(f"{args.view} as of {label}")
        print(f"cut-off: notification {cutoff}")
        _write_xlsx(args.xlsx, data, count, "rows")
        return 0
    data, count = registry_csv_as_of(settings, console_scope(Reach.CASES, role), cutoff)  # in parts when large
    out = args.csv or f"{args.view}-asof-{cutoff}.csv"
    with open(out, "wb") as f:
        f.write(data)
    print(f"{args.view} as of {label}: {count} rows → {out}")
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
    from projections.cases.export import REGISTER_COLUMNS, registry_csv

    views = _views(Settings.from_env())
    try:
        if args.register:
            year, q = (int(x) for x in args.register.split("-Q")) if args.register != "all" else (None, None)
            rows = views.guidance_register(console_scope(Reach.CASES), year, q, unit=args.unit, limit=None)
            if args.xlsx:
                from projections.workbook import register_xlsx

                _write_xlsx(args.xlsx, register_xlsx(rows, unit=args.unit, year=year, quarter=q), len(rows), "lines")
                return 0
            print("\t".join(label for _, label in REGISTER_COLUMNS))
            for r in rows:
                print("\t".join(str(r[k]) for k, _ in REGISTER_COLUMNS))
            return 0
        filters = dict(unit=args.unit, service_type=ServiceType(args.service_type) if args.service_type else None)
        scope = console_scope(Reach.CASES, Role(args.role))
        rows = views.registry_rows(scope, **filters)
        if args.xlsx:
            from projections.workbook import registry_xlsx

            _write_xlsx(args.xlsx, registry_xlsx(rows, scope.role), len(rows), "rows")
            return 0
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
        limit = args.limit or (EXPORT_ROWS if args.xlsx else 500)
        rows = views.audit(console_scope(Reach.AUDIT), actor_id=args.actor, unit=args.unit, case_id=args.case, action=args.action,
                           recorded_from=args.since, recorded_to=args.until, limit=limit)
        if args.xlsx:
            from projections.workbook import audit_xlsx

            _write_xlsx(args.xlsx, audit_xlsx(rows), len(rows), "events")
            return 0
        for r in rows:
            print(json.dumps(r, ensure_ascii=False))
        return 0
    finally:
        views.close()


def cmd_stats(args: argparse.Namespace) -> int:
    views = _views(Settings.from_env())
    try:
        rows = views.stats(console_scope(Reach.CASES), args.by)
        if args.xlsx:
            from projections.workbook import stats_xlsx

            _write_xlsx(args.xlsx, stats_xlsx(rows, args.by), len(rows), "groups")
            return 0
        print(json.dumps(rows, ensure_ascii=False, indent=1))
        return 0
    finally:
        views.close()


def cmd_reversals(args: argparse.Namespace) -> int:
    """The supervision review list of reversed penalties (CSV) or its statistics."""
    from projections.supervision.export import reversals_csv
    from projections.views import Views

    views = Views(Settings.from_env())
    try:
        if args.stats:
            for row in views.reversal_stats(console_scope(Reach.SUPERVISION), args.stats, unit=args.unit):
                print(json.dumps(row, ensure_ascii=False))
            return 0
        rows = views.reversals(console_scope(Reach.SUPERVISION), unit=args.unit, status=args.status, limit=1_000_000)
        if args.xlsx:
            from projections.workbook import reversals_xlsx

            _write_xlsx(args.xlsx, reversals_xlsx(rows), len(rows), "reversals")
            return 0
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
