"""Operating the ledger: migrate, serve, project, create the first administrator, the demo, the event contract."""

from __future__ import annotations

import argparse
import os
import signal
import sys
from datetime import datetime, timedelta

from ledger.settings import Settings
from ledger.values import CST


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


def cmd_serve(args: argparse.Namespace) -> int:
    """Migrate, start the projection runners, serve the API with uvicorn."""
    import uvicorn

    from ledger.store.migrate import migrate

    settings = Settings.from_env()
    migrate(settings)
    from ledger.application import Ledger
    from ledger.store.credentials import CredentialStore
    from ledger_http.app import create_app

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
    workers = args.workers
    if workers < 1:
        print("--workers: 至少一个进程", file=sys.stderr)
        return 2
    if workers > 1 and settings.backend != "postgres":
        print("--workers: 多个服务进程需要 PostgreSQL（LEDGER_DSN）；SQLite 只有一个写入者，多进程只会互相等待",
              file=sys.stderr)
        return 2
    print(f"工作台 (workbench): http://{args.host}:{args.port}/  (sign in with a login above)")
    print(f"API docs: http://{args.host}:{args.port}/schema/swagger  (login: POST /auth/login)")
    from ledger.cli.runtime import tune_gc

    tune_gc()
    from ledger_http.common.request_log import log_config

    # LEDGER_LOG_FORMAT=json: one JSON object a line, each with its request id (uvicorn's own format otherwise)
    fmt = os.environ.get("LEDGER_LOG_FORMAT", "text").strip().lower() or "text"
    logging = {"log_config": log_config(fmt)} if fmt != "text" else {}
    if workers == 1:
        app = create_app(settings, ledger=ledger, projections=projections)
        uvicorn.run(app, host=args.host, port=args.port, log_level="info", **logging)
        return 0
    # Several processes on one PostgreSQL: each worker builds its own app
    # (worker_app, below) without runners; this process keeps the one set of
    # projection runners for all of them, so a view is never folded twice.
    # The workers share nothing but the database: the same aggregate written
    # by two of them is a version conflict there (409 or a retry), and their
    # caches are kept fresh by the database's notifications.
    ledger.close()
    from projections.supervise import ProjectorProcess, RunnerThreads

    runners: ProjectorProcess | RunnerThreads | None = None
    if projections == "process":
        runners = ProjectorProcess(settings).start()
    elif projections == "thread":
        runners = RunnerThreads(settings).start()
    os.environ.update(settings.to_env())  # the workers (spawned) read the same settings
    try:
        uvicorn.run("ledger.cli.ops:worker_app", factory=True, workers=workers, host=args.host, port=args.port,
                    log_level="info", **logging)
    finally:
        if runners is not None:
            runners.stop()
    return 0


def worker_app():  # noqa: ANN201 - uvicorn's factory for `ledger serve --workers N`
    """One server process of several: the settings from the environment the
    parent set, no projection runners of its own (the parent runs them)."""
    from ledger.cli.runtime import tune_gc
    from ledger_http.app import create_app

    tune_gc()
    return create_app(Settings.from_env(), projections="off")
    return 0


def cmd_create_admin(args: argparse.Namespace) -> int:
    import getpass
    import os

    from ledger.application import Ledger
    from ledger.directory import UnitKind
    from ledger.directory.setup import ensure_unit, ensure_user
    from ledger.store.credentials import CredentialStore
    from ledger.store.migrate import migrate
    from ledger.values import Role

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


def cmd_events(args: argparse.Namespace) -> int:
    from ledger.contract import render

    print(render(), end="")
    return 0
