"""Who saw personal data (issue 20, point 9): every response that shows a
resident ID number in full is recorded — who, when, which record, through
what route — and nothing else is; supervisors and auditors search and export
the log; its chain names a tampered row."""

from __future__ import annotations

import csv
import io
import sqlite3
from collections.abc import Iterator
from concurrent.futures import Future
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest

from ledger.cli import main as ledger_cli
from ledger.settings import Settings
from ledger.store.access_log import Access, AccessLog, masked_text, utc_now
from tests.e2e import payloads as p
from tests.e2e.conftest import Api, running_api
from tests.e2e.payloads import AUDITOR, DISPATCHER, MARKET_STAFF, REGISTRAR, SUPERVISOR, VALID_RIC
from tests.e2e.test_guidance_documents_pages import signed_in


@pytest.fixture(scope="module")
def api(seeded_sqlite: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    """One app for the module, on a copy of the seeded store."""
    target = tmp_path_factory.mktemp("access") / "ledger.sqlite3"
    with closing(sqlite3.connect(seeded_sqlite)) as src, closing(sqlite3.connect(target)) as dst:
        src.backup(dst)
    with pytest.MonkeyPatch.context() as mp, running_api(
        Settings(backend="sqlite", sqlite_path=str(target)), mp, seed=False
    ) as a:
        yield a


@pytest.fixture(scope="module")
def person(api: Api) -> str:
    """An individual's case, dispatched to the market regulator."""
    cid = api.book(individual=True)["case_id"]
    api.ok(REGISTRAR, f"/cases/{cid}/accept", p.accept())
    api.ok(DISPATCHER, f"/cases/{cid}/dispatch", p.dispatch())
    return cid


def log_rows(api: Api, **filters: Any) -> list[dict[str, Any]]:
    r = api.get(SUPERVISOR, "/access-log", params=filters)
    assert r.status_code == 200, r.text
    return r.json()


def count(api: Api) -> int:
    return api.app.state.access_log.head()[0]


def test_an_unmasked_read_by_a_registrar_is_logged_with_who_when_and_which_case(api: Api, person: str) -> None:
    before = count(api)
    r = api.get(REGISTRAR, f"/cases/{person}", headers={"X-Request-ID": "req-registrar-1"})
    assert r.status_code == 200 and VALID_RIC in r.text
    assert r.headers["x-request-id"] == "req-registrar-1"
    assert count(api) == before + 1
    row = log_rows(api, record=person)[0]
    assert (row["username"], row["role"], row["unit"]) == (REGISTRAR, "registrar", p.OFFICE)
    assert row["route"] == "/cases/{case_id}" and row["path"] == f"/cases/{person}"
    assert row["request_id"] == "req-registrar-1" and row["status"] == 200 and row["method"] == "GET"
    assert person in row["record"] and row["at"] >= "2026"


def test_a_masked_read_by_unit_staff_is_not_logged(api: Api, person: str) -> None:
    before = count(api)
    r = api.get(MARKET_STAFF, f"/cases/{person}")
    assert r.status_code == 200 and VALID_RIC not in r.text
    assert api.get(MARKET_STAFF, f"/cases/{person}/history").status_code == 200
    assert count(api) == before


def test_an_organisations_case_discloses_no_one(api: Api) -> None:
    cid = api.book()["case_id"]
    before = count(api)
    assert api.get(REGISTRAR, f"/cases/{cid}").status_code == 200
    assert count(api) == before


def test_an_export_with_ids_is_logged_once(api: Api, person: str) -> None:
    before = count(api)
    r = api.get(REGISTRAR, "/registry", params={"format": "csv"})
    assert r.status_code == 200 and VALID_RIC in r.content.decode("utf-8-sig")
    assert count(api) == before + 1
    row = log_rows(api, route="/registry")[0]
    assert row["query"] == "format=csv" and row["username"] == REGISTRAR
    # the same export by unit staff holds masked numbers: no row
    masked = api.get(MARKET_STAFF, "/registry", params={"format": "csv"})
    assert masked.status_code == 200 and VALID_RIC not in masked.content.decode("utf-8-sig")
    assert count(api) == before + 1


def test_a_workbench_page_showing_the_id_is_logged_under_the_page_route(api: Api, person: str) -> None:
    client = signed_in(api, SUPERVISOR)
    before = count(api)
    r = client.get(f"/w/cases/{person}")
    assert r.status_code == 200 and VALID_RIC in r.text
    assert count(api) == before + 1
    row = api.app.state.access_log.search(limit=1)[0]
    assert row["username"] == SUPERVISOR and row["route"].startswith("/w/cases/") and person in row["record"]
    assert row["unit"] == p.USERS[SUPERVISOR][2]
    page = client.get("/w/access-log", params={"record": person})
    assert page.status_code == 200 and "个人信息访问记录" in page.text and f"/w/cases/{person}" in page.text
    bad = client.get("/w/access-log", params={"since": "昨天"})
    assert bad.status_code == 422 and "时刻格式应为" in bad.text
    exported = client.get("/w/access-log.csv", params={"username": SUPERVISOR})
    assert exported.status_code == 200
    lines = list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig"))))
    assert lines[0][:3] == ["序号", "访问时间", "账号"] and all(line[2] == SUPERVISOR for line in lines[1:])
    assert len(lines) > 1
    client.cookies.clear()


def test_supervisors_and_auditors_search_and_export_the_log_others_are_refused(api: Api, person: str) -> None:
    api.get(REGISTRAR, f"/cases/{person}")
    assert api.get(AUDITOR, "/access-log", params={"username": REGISTRAR}).json()[0]["username"] == REGISTRAR
    assert api.get(REGISTRAR, "/access-log").status_code == 403
    assert api.get(MARKET_STAFF, "/access-log").status_code == 403
    xlsx = api.get(AUDITOR, "/access-log", params={"format": "xlsx", "record": person})
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"
    assert api.get(SUPERVISOR, "/access-log", params={"role": "nobody"}).status_code == 400
    newest = log_rows(api, limit=2)
    assert newest[0]["seq"] > newest[1]["seq"]
    # reading the log discloses no resident ID: it adds no row of its own
    before = count(api)
    log_rows(api)
    assert count(api) == before


def test_a_response_is_refused_with_503_when_its_access_cannot_be_logged(
    api: Api, person: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    def failing(access: Access) -> Future[int]:
        f: Future[int] = Future()
        f.set_exception(RuntimeError("database gone"))
        return f

    monkeypatch.setattr(api.app.state.access_log, "record", failing)
    r = api.get(REGISTRAR, f"/cases/{person}")
    assert r.status_code == 503 and VALID_RIC not in r.text and r.json()["code"] == "access_log_unavailable"
    assert api.get(MARKET_STAFF, f"/cases/{person}").status_code == 200  # masked reads go on


def test_a_resident_id_typed_into_a_query_is_masked_in_the_log() -> None:
    assert masked_text(f"id_number={VALID_RIC}&x=1") == f"id_number={VALID_RIC[:6]}{'*' * 8}{VALID_RIC[-4:]}&x=1"


def test_the_chain_detects_a_tampered_row(sqlite_settings: Settings, capsys: pytest.CaptureFixture[str],
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    log = AccessLog(sqlite_settings)
    try:
        rows = [Access(utc_now(), REGISTRAR, "registrar", p.OFFICE, "GET", "/cases/{case_id:uuid}", f"/cases/{i}", "",
                       f'{{"case_id": "{i}"}}', 200, f"r{i}") for i in range(5)]
        assert log.append(*rows[:2]) == [1, 2]
        assert [log.record(r).result(5) for r in rows[2:]] == [3, 4, 5]
        assert log.verify().intact and log.verify().rows == 5
        with closing(sqlite3.connect(sqlite_settings.sqlite_path)) as conn:
            with pytest.raises(sqlite3.DatabaseError, match="append-only"):
                conn.execute("UPDATE access_log SET username = 'nobody' WHERE seq = 3")
            conn.execute("DROP TRIGGER access_log_refuse_update")  # someone with the file gets past the trigger
            conn.execute("UPDATE access_log SET username = 'nobody' WHERE seq = 3")
            conn.commit()
        finding = log.verify()
        assert not finding.intact and finding.seq == 3 and "altered" in finding.detail
        monkeypatch.setenv("LEDGER_DSN", "")
        monkeypatch.setenv("LEDGER_SQLITE", sqlite_settings.sqlite_path)
        assert ledger_cli(["access-log", "verify"]) == 1
        assert "TAMPERED" in capsys.readouterr().out and True
        with closing(sqlite3.connect(sqlite_settings.sqlite_path)) as conn:
            conn.execute("DROP TRIGGER access_log_refuse_delete")
            conn.execute("DELETE FROM access_log WHERE seq >= 3")
            conn.commit()
        assert log.verify().intact  # a cut at the end is only seen against a kept head digest:
        kept = log.head()
        assert kept[0] == 2
        assert ledger_cli(["access-log", "verify"]) == 0 and "intact up to row 2" in capsys.readouterr().out
    finally:
        log.close()


def test_a_generated_request_id_is_the_one_the_commands_events_carry(api: Api) -> None:
    r = api.post(REGISTRAR, "/cases", p.book())
    assert r.status_code == 201
    rid = r.headers["x-request-id"]
    rows = api.get(SUPERVISOR, "/audit", params={"case_id": r.json()["case_id"], "wait_for": r.json()["notification_id"]})
    assert [row["request_id"] for row in rows.json()] == [rid]


@pytest.mark.postgres
def test_on_postgresql_concurrent_writers_share_one_chain_and_the_table_refuses_changes(pg_settings: Settings) -> None:
    import threading

    import psycopg
    from psycopg import sql

    logs = [AccessLog(pg_settings) for _ in range(2)]  # two processes' writers, as with several servers
    try:
        seqs: list[int] = []

        def write(log: AccessLog, n: int) -> None:
            futures = [log.record(Access(utc_now(), REGISTRAR, "registrar", p.OFFICE, "GET", "/registry", "/registry",
                                         "format=csv", "{}", 200, f"w{n}-{i}")) for i in range(25)]
            seqs.extend(f.result(10) for f in futures)

        threads = [threading.Thread(target=write, args=(log, n)) for n, log in enumerate(logs)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert sorted(seqs) == list(range(1, 51))
        assert logs[0].verify().intact and logs[0].head()[0] == 50
        assert sum(log.batches for log in logs) < 50  # batched: fewer transactions than rows
        with psycopg.connect(pg_settings.dsn, autocommit=True) as conn:
            conn.execute(sql.SQL("SET search_path TO {}").format(sql.Identifier(pg_settings.pg_schema)))
            with pytest.raises(psycopg.Error, match="immutable"):
                conn.execute("UPDATE access_log SET username = 'x' WHERE seq = 1")
            with pytest.raises(psycopg.Error, match="immutable"):
                conn.execute("DELETE FROM access_log WHERE seq = 50")
        assert len(logs[1].search(route="registry", limit=None)) == 50
    finally:
        for log in logs:
            log.close()


def test_a_document_showing_the_id_is_logged_once_and_a_masked_one_not(api: Api, person: str) -> None:
    before = count(api)
    r = api.get(REGISTRAR, f"/cases/{person}/documents/application", params={"format": "docx"})
    assert r.status_code == 200, r.text
    assert count(api) == before + 1
    row = api.app.state.access_log.search(limit=1)[0]
    assert row["route"] == "/cases/{case_id}/documents/{kind}" and '"kind": "application"' in row["record"]
    assert api.get(MARKET_STAFF, f"/cases/{person}/documents/application", params={"format": "docx"}).status_code == 200
    assert count(api) == before + 1
