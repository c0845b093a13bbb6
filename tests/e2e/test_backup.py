"""Backups (issue 20, point 8): ``ledger backup FILE`` and ``ledger restore
FILE`` between SQLite and PostgreSQL, into an empty store only; after a
restore the chain verifies and its digest is the one printed at backup; the
passwords, idempotency answers and access log come along; a damaged file
restores nothing."""

from __future__ import annotations

import gzip
import io
import re
import sqlite3
import uuid
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path
from typing import Any

import psycopg
import pytest
from psycopg import sql

from ledger.application import Ledger
from ledger.cli import main as ledger_cli
from ledger.demo import DEMO_PASSWORD, seed_demo
from ledger.settings import Settings
from ledger.store.access_log import Access, AccessLog, utc_now
from ledger.store.backup import BackupError, restore
from ledger.store.credentials import CredentialStore
from ledger.store.migrate import migrate
from projections.seal import next_digest
from tests.builders import REGISTRAR, book_cmd, ctx
from tests.e2e.payloads import REGISTRAR as REGISTRAR_LOGIN


def use(monkeypatch: pytest.MonkeyPatch, settings: Settings) -> None:
    """Point the console script at ``settings`` (it reads the environment)."""
    for key, value in settings.to_env().items():
        monkeypatch.setenv(key, value)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    code = ledger_cli(list(argv))
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def printed_digest(output: str) -> str:
    found = re.search(r"digest ([0-9a-f]{64})", output)
    assert found, output
    return found.group(1)


def events_of(settings: Settings) -> list[tuple[Any, ...]]:
    """The stored events as the chain sees them: (id, originator, version, topic, state)."""
    if settings.backend == "sqlite":
        with closing(sqlite3.connect(settings.sqlite_path)) as conn:
            rows = conn.execute("SELECT rowid, originator_id, originator_version, topic, state FROM stored_events "
                                "ORDER BY rowid").fetchall()
    else:
        with psycopg.connect(settings.dsn) as conn:
            conn.execute(sql.SQL("SET search_path TO {}").format(sql.Identifier(settings.pg_schema)))
            rows = conn.execute("SELECT notification_id, originator_id, originator_version, topic, state "
                                "FROM ledger_events ORDER BY notification_id").fetchall()
    return [(int(n), uuid.UUID(str(o)), int(v), t, bytes(s)) for n, o, v, t, s in rows]


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo store (users with passwords, cases), made once for the module
    without the HTTP app: a backup is the store's, not the server's."""
    path = tmp_path_factory.mktemp("backup-seed") / "ledger.sqlite3"
    settings = Settings(backend="sqlite", sqlite_path=str(path))
    migrate(settings)
    ledger, credentials = Ledger(settings), CredentialStore(settings)
    try:
        seed_demo(ledger, credentials)
    finally:
        credentials.close()
        ledger.close()
    return path


@pytest.fixture
def source(seeded: Path, tmp_path: Path) -> Settings:
    """A copy of the demo store plus an idempotent answer and two access-log rows."""
    target = tmp_path / "source.sqlite3"
    with closing(sqlite3.connect(seeded)) as src, closing(sqlite3.connect(target)) as dst:
        src.backup(dst)
    settings = Settings(backend="sqlite", sqlite_path=str(target))
    log = AccessLog(settings)
    log.append(*(Access(utc_now(), REGISTRAR_LOGIN, "registrar", "市司法局", "GET", "/cases/{case_id}", f"/cases/{i}",
                        "", "{}", 200, f"r{i}") for i in range(2)))
    log.close()
    with closing(sqlite3.connect(target)) as conn:
        conn.execute("INSERT INTO idempotency (actor_id, key, request_hash, status, response, created_at) "
                     "VALUES ('zhangmin', 'k-1', 'h', 201, X'7b7d', '2026-12-01T00:00:00+00:00')")
        conn.commit()
    return settings


@pytest.fixture
def other_schema(pg_dsn: str) -> Iterator[Settings]:
    """A second fresh PostgreSQL schema (not migrated: restore migrates)."""
    schema = f"t_{uuid.uuid4().hex[:12]}"
    yield Settings(backend="postgres", dsn=pg_dsn, pg_schema=schema)
    with psycopg.connect(pg_dsn, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(schema)))


def test_sqlite_to_sqlite_round_trip_keeps_events_passwords_answers_and_the_access_log(
    source: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    file = tmp_path / "ledger.jsonl.gz"
    use(monkeypatch, source)
    code, out = run(capsys, "backup", str(file))
    assert code == 0, out
    digest = printed_digest(out)
    assert "credentials" in out and "access_log 2" in out and "idempotency 1" in out
    target = Settings(backend="sqlite", sqlite_path=str(tmp_path / "restored.sqlite3"))
    use(monkeypatch, target)
    code, out = run(capsys, "restore", str(file))
    assert code == 0, out
    assert printed_digest(out) == digest and "chain intact" in out
    assert events_of(target) == events_of(source)
    credentials = CredentialStore(target)
    assert credentials.verify(REGISTRAR_LOGIN, DEMO_PASSWORD)
    credentials.close()
    log = AccessLog(target)
    assert log.verify().intact and log.head() == AccessLog(source).head()
    log.close()
    with closing(sqlite3.connect(target.sqlite_path)) as conn:
        assert conn.execute("SELECT status, response FROM idempotency WHERE key = 'k-1'").fetchone() == (201, b"{}")
    # the file is what it says: gzip'd JSON lines, a header first and a trailer last
    lines = gzip.decompress(file.read_bytes()).decode("utf-8").splitlines()
    assert '"format":"guidance-ledger-backup"' in lines[0] and '"version":1' in lines[0]
    assert lines[-1].startswith('{"t":"end"') and digest in lines[-1]
    # a second backup to the same name is refused (no silent overwrite)
    use(monkeypatch, source)
    assert run(capsys, "backup", str(file))[0] == 2


def test_restore_refuses_a_store_that_is_not_empty_and_writes_nothing(
    source: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    file = tmp_path / "b.jsonl.gz"
    use(monkeypatch, source)
    assert run(capsys, "backup", str(file))[0] == 0
    before = events_of(source)
    code, out = run(capsys, "restore", str(file))
    assert code == 1 and "只能恢复到空的存储" in out and "events" in out
    assert events_of(source) == before


def test_a_damaged_or_foreign_file_restores_nothing(source: Settings, tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    file = tmp_path / "b.jsonl.gz"
    use(monkeypatch, source)
    assert run(capsys, "backup", str(file))[0] == 0
    lines = gzip.decompress(file.read_bytes()).splitlines(keepends=True)
    target = Settings(backend="sqlite", sqlite_path=str(tmp_path / "t.sqlite3"))
    cut = io.BytesIO(gzip.compress(b"".join(lines[:-1])))  # the trailer lost
    with pytest.raises(BackupError, match="不完整"):
        restore(target, cut, next_digest)
    assert events_of(target) == []
    altered = lines[:]
    altered[3] = altered[3].replace(b'"v":1', b'"v":9') if b'"v":1' in altered[3] else altered[3].replace(b'"v":', b'"v":9')
    with pytest.raises(BackupError, match="摘要不符"):
        restore(target, io.BytesIO(gzip.compress(b"".join(altered))), next_digest)
    assert events_of(target) == []
    with pytest.raises(BackupError, match="不是本系统的备份"):
        restore(target, io.BytesIO(gzip.compress(b'{"hello": 1}\n')), next_digest)
    with pytest.raises(BackupError, match="无法读取"):
        restore(target, io.BytesIO(b"plain text"), next_digest)
    assert events_of(target) == []


@pytest.mark.postgres
def test_sqlite_to_postgres_then_postgres_to_postgres_and_back_keep_the_digest(
    source: Settings, pg_settings: Settings, other_schema: Settings, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    first = tmp_path / "from-sqlite.jsonl.gz"
    use(monkeypatch, source)
    code, out = run(capsys, "backup", str(first))
    assert code == 0, out
    sqlite_digest = printed_digest(out)
    # SQLite → PostgreSQL (pg_settings: a fresh migrated schema, empty)
    use(monkeypatch, pg_settings)
    code, out = run(capsys, "restore", str(first))
    assert code == 0, out
    assert printed_digest(out) == sqlite_digest
    assert events_of(pg_settings) == events_of(source)
    # the restored store goes on: the next event continues after the restored ones
    ledger = Ledger(pg_settings)
    try:
        result = ledger.execute(ctx(REGISTRAR), book_cmd())
    finally:
        ledger.close()
    assert result.notification_id == events_of(source)[-1][0] + 1
    # PostgreSQL → PostgreSQL, with an event written natively there
    second = tmp_path / "from-pg.jsonl.gz"
    code, out = run(capsys, "backup", str(second))
    assert code == 0, out
    pg_digest = printed_digest(out)
    assert pg_digest != sqlite_digest
    use(monkeypatch, other_schema)
    code, out = run(capsys, "restore", str(second))
    assert code == 0, out
    assert printed_digest(out) == pg_digest
    assert events_of(other_schema) == events_of(pg_settings)
    credentials = CredentialStore(other_schema)
    assert credentials.verify(REGISTRAR_LOGIN, DEMO_PASSWORD)
    credentials.close()
    log = AccessLog(other_schema)
    assert log.verify().intact and log.head()[0] == 2
    log.close()
    # and back to SQLite
    back = Settings(backend="sqlite", sqlite_path=str(tmp_path / "back.sqlite3"))
    use(monkeypatch, back)
    code, out = run(capsys, "restore", str(second))
    assert code == 0, out
    assert printed_digest(out) == pg_digest and events_of(back) == events_of(pg_settings)
