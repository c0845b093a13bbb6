"""A regular install works: the wheel, installed into a fresh virtual
environment, serves the demo from an unrelated folder (its migrations, samples
and other run-time files ship inside the package) and migrates PostgreSQL.

The venv sees the machine's site-packages for the dependencies (no network
needed); the test checks that the project itself is imported from the venv,
not from the source tree or its editable install."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

import httpx
import psycopg
import pytest
from psycopg import sql

from tests.serving import serving

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("wheel")
    dist = root / "dist"
    # built from a copy, so that the build leaves nothing in the work tree
    source = root / "source"
    shutil.copytree(REPO, source, ignore=shutil.ignore_patterns(
        ".git", "build", "dist", "*.egg-info", "__pycache__", ".venv", "*.sqlite3*", ".hypothesis", ".pytest_cache"))
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(dist), str(source)],
                   check=True, cwd=root)
    (wheel,) = dist.glob("guidance_ledger-*.whl")
    env_dir = root / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", str(env_dir)], check=True)
    subprocess.run([str(env_dir / "bin" / "pip"), "install", "-q", "--no-deps", "--force-reinstall", str(wheel)],
                   check=True, cwd=root, env={**os.environ, "PIP_DISABLE_PIP_VERSION_CHECK": "1"})
    return env_dir


def _elsewhere(tmp_path: Path) -> Path:
    folder = tmp_path / "an-office-pc"
    folder.mkdir()
    return folder


def test_the_installed_package_is_the_wheel_not_the_source_tree(venv: Path, tmp_path: Path) -> None:
    out = subprocess.run(
        [str(venv / "bin" / "python"), "-c",
         "import ledger, ledger_http.app, ledger_migrations, projections; "
         "print(ledger.__file__); print(ledger_migrations.__file__)"],
        cwd=_elsewhere(tmp_path), capture_output=True, text=True, check=True,
    )
    for line in out.stdout.split():
        assert line.startswith(str(venv)), f"imported from {line}, not from the installed wheel"


def test_the_installed_wheel_serves_the_demo_from_an_unrelated_folder(venv: Path, tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LEDGER_")}
    with serving([str(venv / "bin" / "ledger"), "serve", "--demo"], _elsewhere(tmp_path), env) as base:
        login = httpx.post(f"{base}/auth/login", json={"username": "zhangmin", "password": "demo-password-2026"})
        assert login.status_code == 200, login.text
        token = login.json()["access_token"]
        rows = httpx.get(f"{base}/registry", headers={"Authorization": f"Bearer {token}"}, timeout=30)
        assert rows.status_code == 200 and rows.json(), rows.text  # the demo cases
        # the workbench's templates and static files ship in the wheel too
        assert "用户名" in httpx.get(f"{base}/login").text
        assert httpx.get(f"{base}/static/workbench.css").status_code == 200


@pytest.mark.postgres
def test_ledger_migrate_from_the_installed_wheel_migrates_postgresql(venv: Path, tmp_path: Path, pg_dsn: str) -> None:
    schema = f"w_{uuid.uuid4().hex[:12]}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("LEDGER_")}
    env |= {"LEDGER_DSN": pg_dsn, "LEDGER_PG_SCHEMA": schema}
    try:
        done = subprocess.run([str(venv / "bin" / "ledger"), "migrate"], cwd=_elsewhere(tmp_path), env=env,
                              capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        with psycopg.connect(pg_dsn) as conn:
            tables = {r[0] for r in conn.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = %s", (schema,))}
        assert {"ledger_events", "credentials"} <= tables, tables
    finally:
        with psycopg.connect(pg_dsn, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(schema)))
