"""Idempotency keys that survive faults (issue 20, point 10), on SQLite and PostgreSQL.

A process that dies between claiming a key and storing the answer is
simulated in the table itself: the answer taken away and the claim made
old (the events were written), or the command made to fail without the claim
being released (nothing was written). The retry must get the first answer
in the one case and run the command in the other — never 409 for ever.
"""

from __future__ import annotations

import argparse
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from ledger.cli.idempotency import cmd_idempotency_purge
from ledger.store.sql import ViewDB
from ledger_http.common.idempotency import IdempotencyStore
from tests.e2e import payloads as p
from tests.e2e.conftest import Api


def _sql(api: Api, statement: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    db = ViewDB(api.settings)
    conn = db.connect()
    try:
        with db.transaction(conn) as cur:
            cur.execute(statement, params)
            return cur.fetchall() if cur.cursor.description else []
    finally:
        conn.close()
        db.close()


def _ago(**delta: float) -> str:
    return (datetime.now(timezone.utc) - timedelta(**delta)).isoformat()


def _book(api: Api, key: str, body: dict[str, Any]) -> Any:
    return api.post(p.REGISTRAR, "/cases", body, headers={"Idempotency-Key": key})


def _died_after_the_events(api: Api, key: str) -> None:
    """The answer was never stored: the row as the claim it was."""
    _sql(api, "UPDATE idempotency SET status = NULL, response = NULL WHERE key = %s", (key,))


def _later(api: Api, monkeypatch: pytest.MonkeyPatch, **delta: float) -> None:
    """The retry comes ``delta`` after the claim (the server's clock moved on)."""
    store = api.app.state.idempotency
    monkeypatch.setattr(store, "clock", lambda: datetime.now(timezone.utc) + timedelta(**delta))


def test_a_stale_claim_whose_events_were_written_is_answered_from_the_ledger(
    store_api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    api = store_api
    body = p.book()
    first = _book(api, "died-after-saving", body)
    assert first.status_code == 201, first.text
    head = api.head()

    _died_after_the_events(api, "died-after-saving")
    _later(api, monkeypatch, seconds=10)
    waiting = _book(api, "died-after-saving", body)  # the command may still be running: not yet resolved
    assert waiting.status_code == 409 and "正在处理中" in waiting.json()["message"]

    _later(api, monkeypatch, hours=1)  # older than the request bound
    retry = _book(api, "died-after-saving", body)
    assert retry.status_code == 201, retry.text
    answer, was = retry.json(), first.json()
    assert {k: answer[k] for k in ("case_id", "version", "notification_id")} == {
        k: was[k] for k in ("case_id", "version", "notification_id")}
    assert answer["record_id"] is None and answer["pending"] is False
    assert api.head() == head  # answered, not booked again
    # the recovered answer is stored: the next retry gets it without looking again
    assert _sql(api, "SELECT status FROM idempotency WHERE key = %s", ("died-after-saving",)) == [(200,)]
    assert _book(api, "died-after-saving", body).json() == answer

    # a numbered command (受理 issues the application form's number): the number is recovered too
    path, accept = f"/cases/{answer['case_id']}/accept", p.accept()
    accepted = api.post(p.REGISTRAR, path, accept, headers={"Idempotency-Key": "accept-then-died"})
    assert accepted.status_code == 200 and accepted.json()["number"], accepted.text
    _died_after_the_events(api, "accept-then-died")
    head = api.head()
    _later(api, monkeypatch, hours=2)
    recovered = api.post(p.REGISTRAR, path, accept, headers={"Idempotency-Key": "accept-then-died"})
    assert recovered.status_code == 200 and api.head() == head
    assert {k: recovered.json()[k] for k in ("case_id", "version", "notification_id", "number")} == {
        k: accepted.json()[k] for k in ("case_id", "version", "notification_id", "number")}


def test_a_stale_claim_without_events_is_released_and_the_retry_runs(
    store_api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    api = store_api
    body = p.book()
    head = api.head()

    def died(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("the process dies before writing anything")

    with monkeypatch.context() as m:  # the claim is left behind, as by a process that died
        m.setattr(IdempotencyStore, "_failed", lambda self, conn, actor_id, key, known: None)
        m.setattr(api.ledger, "execute", died)
        assert _book(api, "died-before-saving", body).status_code == 500
    assert _sql(api, "SELECT response FROM idempotency WHERE key = %s", ("died-before-saving",)) == [(None,)]
    assert _book(api, "died-before-saving", body).status_code == 409  # fresh: perhaps still running

    _later(api, monkeypatch, hours=1)
    retry = _book(api, "died-before-saving", body)
    assert retry.status_code == 201, retry.text
    assert api.head() == retry.json()["notification_id"] > head  # booked once, now
    assert _book(api, "died-before-saving", body).json() == retry.json()


def test_a_claim_its_process_knows_failed_on_an_outage_is_resolved_at_once(store_api: Api) -> None:
    api = store_api
    body = p.book()
    first = _book(api, "lost-the-answer", body)
    assert first.status_code == 201
    # status 503: the command failed on an outage after its events may have committed (the answer unknown)
    _sql(api, "UPDATE idempotency SET status = 503, response = NULL WHERE key = %s", ("lost-the-answer",))
    retry = _book(api, "lost-the-answer", body)
    assert retry.status_code == 201 and retry.json()["notification_id"] == first.json()["notification_id"]


def test_keys_expire_after_the_retention_period(store_api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    api = store_api
    assert api.settings.idempotency_days == 7  # the default
    used = _book(api, "last-month", p.book())
    assert used.status_code == 201
    _sql(api, "UPDATE idempotency SET created_at = %s WHERE key = %s", (_ago(days=8), "last-month"))
    # expired: the key is new again (not 422 key_reused, not the old answer)
    other = _book(api, "last-month", p.book(name="淄博另一家餐饮有限公司"))
    assert other.status_code == 201 and other.json()["case_id"] != used.json()["case_id"]

    for key, age in (("old-1", 8.0), ("old-2", 30.0), ("recent", 6.9)):
        _sql(api, "INSERT INTO idempotency (actor_id, key, request_hash, status, response, created_at) "
                  "VALUES (%s, %s, %s, 200, NULL, %s)", ("someone", key, "x", _ago(days=age)))
    for name, value in api.settings.to_env().items():
        monkeypatch.setenv(name, value)
    assert cmd_idempotency_purge(argparse.Namespace()) == 0  # `ledger idempotency purge`
    left = {k for (k,) in _sql(api, "SELECT key FROM idempotency WHERE actor_id = %s", ("someone",))}
    assert left == {"recent"}
