"""The seal: an untouched ledger verifies; real tampering (as a superuser with
the immutability trigger disabled) is named at the exact first bad event; the
application role cannot change history; bundles verify offline."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import psycopg
import pytest
from psycopg import sql

from ledger.application import Ledger
from ledger.demo import record_demo_case
from ledger.settings import Settings
from projections.runner import Runner
from projections.seal import SealProjection, current_digest, export_case, extends, take_checkpoint, verify
from tests.builders import NOW, REGISTRAR, book_cmd, ctx, fixed_clock

VERIFIER = Path(__file__).resolve().parents[2] / "tools" / "verify_bundle.py"


def seal(settings: Settings) -> None:
    runner = Runner(settings, SealProjection(checkpoint_every=5))
    try:
        runner.catch_up()
    finally:
        runner.close()


def recorded(settings: Settings, cases: int = 2) -> list:
    ledger = Ledger(settings, clock=fixed_clock())
    try:
        return [record_demo_case(ledger, NOW - timedelta(days=14)) for _ in range(cases)]
    finally:
        ledger.close()


def superuser(settings: Settings) -> psycopg.Connection:
    conn = psycopg.connect(settings.dsn, autocommit=True)
    conn.execute(sql.SQL("SET search_path TO {}").format(sql.Identifier(settings.pg_schema)))
    conn.execute("ALTER TABLE ledger_events DISABLE TRIGGER USER")
    return conn


def test_an_untouched_ledger_verifies_clean(store_settings):
    recorded(store_settings)
    seal(store_settings)
    finding = verify(store_settings)
    position, digest = current_digest(store_settings)
    assert finding.intact and finding.problem is None
    assert (finding.position, finding.digest) == (position, digest)
    # from a checkpoint the operator trusts, too
    assert verify(store_settings, from_position=5).intact


def test_todays_log_extends_a_digest_taken_earlier(store_settings):
    recorded(store_settings, cases=1)
    seal(store_settings)
    position, digest = take_checkpoint(store_settings)
    recorded(store_settings, cases=1)
    seal(store_settings)
    assert extends(store_settings, position, digest) == (True, digest)
    assert extends(store_settings, position, "0" * 64)[0] is False
    assert current_digest(store_settings)[0] > position


@pytest.mark.postgres
def test_an_altered_field_of_one_event_is_named(pg_settings):
    case_ids = recorded(pg_settings)
    seal(pg_settings)
    with superuser(pg_settings) as conn:
        nid = conn.execute(
            "SELECT min(notification_id) FROM ledger_events WHERE topic LIKE %s AND originator_id = %s",
            ("%GuidanceCase.Served", case_ids[1]),
        ).fetchone()[0]
        conn.execute(
            "UPDATE ledger_events SET state = convert_to(replace(convert_from(state, 'UTF8'), '王磊', '王二'), 'UTF8') "
            "WHERE notification_id = %s",
            (nid,),
        )
    finding = verify(pg_settings)
    assert not finding.intact
    assert (finding.position, finding.problem, finding.case_id) == (nid, "altered", str(case_ids[1]))


@pytest.mark.postgres
def test_a_deleted_row_is_named(pg_settings):
    case_ids = recorded(pg_settings)
    seal(pg_settings)
    with superuser(pg_settings) as conn:
        nid = conn.execute(
            "SELECT notification_id FROM ledger_events WHERE originator_id = %s AND originator_version = 3",
            (case_ids[0],),
        ).fetchone()[0]
        conn.execute("DELETE FROM ledger_events WHERE notification_id = %s", (nid,))
    finding = verify(pg_settings)
    assert (finding.intact, finding.position, finding.problem) == (False, nid, "removed")
    assert finding.case_id == str(case_ids[0])


@pytest.mark.postgres
def test_two_rows_with_swapped_contents_are_named_at_the_first(pg_settings):
    recorded(pg_settings)
    seal(pg_settings)
    with superuser(pg_settings) as conn:
        a, b = 12, 20
        rows = {
            n: conn.execute("SELECT topic, state FROM ledger_events WHERE notification_id = %s", (n,)).fetchone()
            for n in (a, b)
        }
        for n, m in ((a, b), (b, a)):
            conn.execute("UPDATE ledger_events SET topic = %s, state = %s WHERE notification_id = %s", (*rows[m], n))
    finding = verify(pg_settings)
    assert (finding.intact, finding.position) == (False, 12)


@pytest.mark.postgres
def test_a_forged_row_inserted_into_a_gap_is_named(pg_settings):
    recorded(pg_settings, cases=1)
    with superuser(pg_settings) as conn:
        head = conn.execute("SELECT max(notification_id) FROM ledger_events").fetchone()[0]
        # a gap, as a rolled-back save leaves one
        conn.execute("SELECT setval('ledger_events_notification_id_seq', %s)", (head + 3,))
    recorded(pg_settings, cases=1)
    seal(pg_settings)
    with superuser(pg_settings) as conn:
        conn.execute(
            "INSERT INTO ledger_events (originator_id, originator_version, topic, state, notification_id) "
            "SELECT gen_random_uuid(), 1, topic, state, %s FROM ledger_events WHERE notification_id = 1",
            (head + 2,),
        )
    finding = verify(pg_settings)
    assert (finding.intact, finding.position, finding.problem) == (False, head + 2, "inserted")


@pytest.mark.postgres
def test_the_application_role_may_insert_and_select_but_not_update_or_delete(pg_settings):
    login = "ledger_app_test_login"
    with psycopg.connect(pg_settings.dsn, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (login,)).fetchone()
        if not exists:
            conn.execute(sql.SQL("CREATE ROLE {} LOGIN IN ROLE ledger_app").format(sql.Identifier(login)))
    dsn = pg_settings.dsn.replace("postgres@", f"{login}@", 1)
    app_settings = Settings(backend="postgres", dsn=dsn, pg_schema=pg_settings.pg_schema)
    ledger = Ledger(app_settings, clock=fixed_clock())
    try:
        ledger.book(ctx(REGISTRAR), book_cmd())  # takes the table lock through ledger_lock_events()
    finally:
        ledger.close()
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(sql.SQL("SET search_path TO {}").format(sql.Identifier(pg_settings.pg_schema)))
        assert conn.execute("SELECT count(*) FROM ledger_events").fetchone()[0] >= 1
        for statement in ("UPDATE ledger_events SET topic = 'x'", "DELETE FROM ledger_events", "TRUNCATE ledger_events"):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute(statement)


def test_a_case_bundle_verifies_offline_and_a_forged_bundle_does_not(store_settings, tmp_path):
    case_ids = recorded(store_settings)
    seal(store_settings)
    bundle = export_case(store_settings, case_ids[0])
    path = tmp_path / "bundle.json"
    path.write_text(json.dumps(bundle), encoding="utf-8")
    head = current_digest(store_settings)[1]
    ok = subprocess.run([sys.executable, str(VERIFIER), str(path), "--head-digest", head], capture_output=True, text=True)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "intact: 10 event(s)" in ok.stdout
    # change one byte of one of the case's own events
    forged = json.loads(path.read_text(encoding="utf-8"))
    own = next(e for e in forged["entries"] if "state_base64" in e)
    import base64

    state = bytearray(base64.b64decode(own["state_base64"]))
    state[-2] ^= 1
    own["state_base64"] = base64.b64encode(bytes(state)).decode()
    path.write_text(json.dumps(forged), encoding="utf-8")
    bad = subprocess.run([sys.executable, str(VERIFIER), str(path)], capture_output=True, text=True)
    assert bad.returncode == 1 and "does not arrive" in bad.stdout
