"""Read replicas (issue 20 §4): with LEDGER_READ_DSN the queries read the
views from a streaming replica, commands and the projection runners use the
primary, and a read with ``wait_for`` waits until the replica has replayed
the write, so a user always sees their own change.

The replica is real: pg_basebackup -R of the suite's private cluster, run as
a hot standby on another port. Pausing its replay (pg_wal_replay_pause) makes
the routing visible: a booking still succeeds (the primary took it, and its
runners put it in the primary's registry), while the API's registry, read
from the paused replica, does not show it until replay resumes.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import psycopg
import pytest

from ledger.demo import OFFICE
from ledger.settings import Settings
from ledger.store.sql import ViewDB
from tests.e2e import payloads as p
from tests.ops.cluster import Cluster, ClusterError
from tests.ops.server import Server, seed_users, server_env, token, until
from tests.serving import free_port

DB = "replica_test"


@pytest.fixture(scope="module")
def primary_and_replica(private_cluster: Cluster) -> Iterator[tuple[Settings, Cluster]]:
    dsn = private_cluster.create_database(DB)
    try:
        standby = private_cluster.replica("standby", free_port()).start()
    except ClusterError as e:
        pytest.fail(f"could not make a streaming replica of the private cluster: {e}")
    settings = Settings(backend="postgres", dsn=dsn, read_dsn=standby.dsn(DB))
    try:
        seed_users(settings, (p.REGISTRAR, "张敏", "registrar", OFFICE))
        yield settings, standby
    finally:
        standby.stop()


@pytest.fixture(scope="module")
def api(primary_and_replica: tuple[Settings, Cluster],
        tmp_path_factory: pytest.TempPathFactory) -> Iterator[httpx.Client]:
    settings, _ = primary_and_replica
    server = Server(tmp_path_factory.mktemp("replica"), server_env(settings)).start()
    try:
        with httpx.Client(base_url=server.base, timeout=30,
                          headers={"Authorization": f"Bearer {token(server.base, p.REGISTRAR)}"}) as client:
            yield client
    finally:
        server.stop()


def _one(dsn: str, statement: str, params: tuple[Any, ...] = ()) -> Any:
    with psycopg.connect(dsn, autocommit=True, connect_timeout=10) as conn:
        return conn.execute(statement, params).fetchone()[0]


def _in_registry(api: httpx.Client, case_id: str, **params: Any) -> bool:
    r = api.get("/registry", params={"limit": 1000, **params})
    assert r.status_code == 200, r.text
    return any(row["case_id"] == case_id for row in r.json())


def test_queries_read_the_replica_commands_write_the_primary_and_wait_for_waits_for_replay(
    api: httpx.Client, primary_and_replica: tuple[Settings, Cluster],
) -> None:
    settings, _ = primary_and_replica
    assert _one(settings.read_dsn, "SELECT pg_is_in_recovery()") is True
    _one(settings.read_dsn, "SELECT pg_wal_replay_pause()::text")
    try:
        booked = api.post("/cases", json=p.book(name="淄博只读副本测试有限公司"))
        # the command went to the primary (a standby refuses writes), and so did the runners
        assert booked.status_code == 201, booked.text
        case_id, nid = booked.json()["case_id"], booked.json()["notification_id"]
        position = "SELECT COALESCE(MAX(position), 0) FROM view_tracking WHERE view = 'cases'"
        until(lambda: _one(settings.dsn, position) >= nid, 10, "the primary's registry to fold the booking")
        assert _one(settings.dsn, "SELECT count(*) FROM registry WHERE case_id = %s", (case_id,)) == 1
        # the API reads the paused replica: not there yet
        assert not _in_registry(api, case_id)
        answers: list[tuple[bool, float]] = []

        def read_own_write() -> None:
            started = time.monotonic()
            answers.append((_in_registry(api, case_id, wait_for=nid), time.monotonic() - started))

        reader = threading.Thread(target=read_own_write)
        reader.start()
        time.sleep(1.5)
        assert not answers, "the read did not wait for the replica"
    finally:
        _one(settings.read_dsn, "SELECT pg_wal_replay_resume()::text")
    reader.join(10)
    ((seen, took),) = answers
    assert seen, "the read with wait_for did not show the user's own booking"
    assert 1.5 <= took < 5, took

    # replay running: the queries' transactions are the replica's, the commands' events the primary's
    def committed(dsn: str) -> int:
        return int(_one(dsn, "SELECT xact_commit FROM pg_stat_database WHERE datname = %s", (DB,)))

    def booked_on(dsn: str) -> int:
        return int(_one(dsn, "SELECT count(*) FROM ledger_events WHERE topic = 'ledger.case:GuidanceCase.Applied'"))

    before = committed(settings.read_dsn)
    for _ in range(20):
        assert api.get("/registry", params={"limit": 5}).status_code == 200
        assert api.get("/queues/acceptance").status_code == 200
    # the standby's own statistics count the 40 queries' transactions (flushed within a second)
    until(lambda: committed(settings.read_dsn) >= before + 40, 10, "the replica to count the queries")
    # the replica's server connections are the app's reading pool (a standby has no writers)
    readers = _one(settings.read_dsn, "SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND "
                                      "backend_type = 'client backend' AND pid <> pg_backend_pid()", (DB,))
    assert readers >= 1
    events = booked_on(settings.dsn)
    r = api.post("/cases", json=p.book(name="淄博主库写入测试有限公司"))
    assert r.status_code == 201, r.text
    assert booked_on(settings.dsn) == events + 1  # written to the primary
    assert _in_registry(api, r.json()["case_id"], wait_for=r.json()["notification_id"])
    assert booked_on(settings.read_dsn) == events + 1  # and replayed on the replica


def test_the_read_replica_is_a_setting_for_the_queries_only() -> None:
    settings = Settings.from_env({"LEDGER_DSN": "postgresql://ledger@primary/ledger",
                                  "LEDGER_READ_DSN": " postgresql://ledger@replica/ledger "})
    assert settings.read_dsn == "postgresql://ledger@replica/ledger"
    assert Settings.from_env(settings.to_env()) == settings  # a child process (the projector) gets it too
    assert ViewDB(settings, replica=True).read_dsn == settings.read_dsn  # the queries' (projections/views.py)
    assert ViewDB(settings).read_dsn == settings.dsn  # everyone else's: runners, commands, idempotency keys
    assert ViewDB(Settings.from_env({"LEDGER_DSN": settings.dsn}), replica=True).read_dsn == settings.dsn
    assert Settings.from_env({"LEDGER_READ_DSN": "postgresql://x/y"}).read_dsn == ""  # SQLite has no replicas
