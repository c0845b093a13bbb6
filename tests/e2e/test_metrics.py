"""Metrics and logs (issue 20, point 7): ``GET /metrics`` in Prometheus text
format for a token or from this host only — requests by route template and
status with latency histograms, commands by kind, group commit, projection
lag per view, runner restarts, connection pools — one registry per app; and
JSON log lines carrying the request id (``LEDGER_LOG_FORMAT=json``)."""

from __future__ import annotations

import io
import json
import logging
import os
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path
from typing import Any

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from ledger.settings import Settings
from ledger_http.app import create_app
from ledger_http.common.request_log import REQUEST_ID, JsonFormatter, log_config
from tests.e2e import payloads as p
from tests.e2e.conftest import Api, running_api
from tests.e2e.payloads import REGISTRAR
from tests.serving import free_port, wait_until_up

TOKEN = "metrics-token-for-tests-0123456789"


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of an exposition: (name, sorted labels) -> value."""
    out = {}
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            out[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return out


def scrape(api: Api, token: str = TOKEN) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    r = api.client.get("/metrics", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/plain; version=0.0.4")
    return samples(r.text)


def copy_of(seeded: Path, folder: Path) -> Settings:
    target = folder / "ledger.sqlite3"
    with closing(sqlite3.connect(seeded)) as src, closing(sqlite3.connect(target)) as dst:
        src.backup(dst)
    return Settings(backend="sqlite", sqlite_path=str(target))


@pytest.fixture(scope="module")
def api(seeded_sqlite: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    settings = copy_of(seeded_sqlite, tmp_path_factory.mktemp("metrics"))
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("LEDGER_METRICS_TOKEN", TOKEN)
        with running_api(settings, mp, seed=False) as a:
            yield a


def test_requests_are_counted_by_route_template_and_status_with_latency(api: Api) -> None:
    cid = api.book()["case_id"]
    assert api.get(REGISTRAR, f"/cases/{cid}").status_code == 200
    assert api.get(REGISTRAR, "/cases/00000000-0000-0000-0000-000000000000").status_code == 404
    m = scrape(api)
    route = (("method", "GET"), ("route", "/cases/{case_id}"))
    assert m[("ledger_http_requests_total", (*route[:1], route[1], ("status", "200")))] >= 1
    assert m[("ledger_http_requests_total", (*route[:1], route[1], ("status", "404")))] >= 1
    assert m[("ledger_http_request_duration_seconds_count", route)] >= 2
    assert m[("ledger_http_request_duration_seconds_bucket", tuple(sorted((*route, ("le", "+Inf")))))] >= 2
    assert m[("ledger_http_request_duration_seconds_sum", route)] > 0


def test_commands_are_counted_by_kind_and_outcome(api: Api) -> None:
    before = scrape(api).get(("ledger_commands_total", (("kind", "BookGuidance"), ("outcome", "ok"))), 0)
    cid = api.book()["case_id"]
    api.ok(REGISTRAR, f"/cases/{cid}/accept", p.accept())
    refused = api.post(REGISTRAR, f"/cases/{cid}/accept", p.accept())  # runs, and the case says no
    assert refused.status_code == 409, refused.text
    m = scrape(api)
    assert m[("ledger_commands_total", (("kind", "BookGuidance"), ("outcome", "ok")))] == before + 1
    assert m[("ledger_commands_total", (("kind", "AcceptCase"), ("outcome", "ok")))] >= 1
    assert sum(v for (name, labels), v in m.items()
               if name == "ledger_commands_total" and dict(labels) == {"kind": "AcceptCase", **dict(labels)}
               and dict(labels)["outcome"] != "ok") >= 1
    assert m[("ledger_command_duration_seconds_count", (("kind", "BookGuidance"),))] >= 1


def test_projection_lag_per_view_restarts_and_the_access_log(api: Api) -> None:
    cid = api.book()["case_id"]
    api.get(REGISTRAR, f"/cases/{cid}", params={"wait_for": 1})
    deadline = time.monotonic() + 10
    while True:
        m = scrape(api)
        if m[("ledger_projection_lag_events", (("view", "cases"),))] == 0 or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    head = m[("ledger_notification_head", ())]
    assert head >= 1
    assert m[("ledger_projection_lag_events", (("view", "cases"),))] == 0
    assert m[("ledger_projection_lag_seconds", (("view", "cases"),))] == 0
    assert ("ledger_projection_lag_events", (("view", "seal"),)) in m
    assert m[("ledger_projection_restarts_total", (("mode", "thread"),))] == 0
    assert m[("ledger_projection_failing", ())] == 0
    assert ("ledger_access_log_rows_total", ()) in m


def test_lag_counts_events_a_view_has_not_processed(api: Api) -> None:
    db = api.app.state.views.db
    conn = db.connect()
    try:
        with db.transaction(conn) as cur:
            cur.ensure_tracking("behind_for_test", "2026-01-01T00:00:00+00:00")
    finally:
        conn.close()
    m = scrape(api)
    assert m[("ledger_projection_lag_events", (("view", "behind_for_test"),))] == m[("ledger_notification_head", ())]
    assert m[("ledger_projection_lag_seconds", (("view", "behind_for_test"),))] > 0


def test_metrics_need_the_token_when_one_is_set(api: Api) -> None:
    assert api.client.get("/metrics").status_code == 403
    assert api.client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 403
    assert api.client.get("/metrics", headers={"Authorization": f"Bearer {api.token(REGISTRAR)}"}).status_code == 403


def test_two_apps_in_one_process_keep_their_own_counts(api: Api, seeded_sqlite: Path, tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    other = create_app(copy_of(seeded_sqlite, tmp_path), projections="off")
    try:
        assert other.state.metrics.registry is not api.app.state.metrics.registry
        other.state.metrics.observe_request("GET", "/only-here", 200, 0.01)
        assert "/only-here" not in api.app.state.metrics.exposition().decode()
        assert "/only-here" in other.state.metrics.exposition().decode()
    finally:
        other.state.views.close()
        other.state.access_log.close()


def test_without_a_token_only_this_host_may_scrape(api: Api, seeded_sqlite: Path, tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LEDGER_METRICS_TOKEN")
    other = create_app(copy_of(seeded_sqlite, tmp_path), projections="off")
    try:
        from litestar.testing import TestClient

        with TestClient(other) as client:  # the test client's address is "testclient", not this host
            assert client.get("/metrics").status_code == 403
    finally:
        other.state.access_log.close()


def test_the_json_formatter_writes_the_request_id_and_the_extra_fields() -> None:
    buffer = io.StringIO()
    handler = logging.StreamHandler(buffer)
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("ledger.test_json")
    logger.addHandler(handler)
    logger.propagate = False
    token = REQUEST_ID.set("rid-42")
    try:
        logger.warning("处理 %s", "完成", extra={"route": "/cases/{case_id}", "status": 200})
    finally:
        REQUEST_ID.reset(token)
        logger.removeHandler(handler)
    line = json.loads(buffer.getvalue())
    assert line["message"] == "处理 完成" and line["request_id"] == "rid-42" and line["level"] == "warning"
    assert line["route"] == "/cases/{case_id}" and line["status"] == 200 and line["time"].endswith("Z")
    with pytest.raises(ValueError, match="LEDGER_LOG_FORMAT"):
        log_config("xml")


@pytest.mark.postgres
def test_group_commit_and_the_pools_on_postgresql(pg_settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LEDGER_METRICS_TOKEN", TOKEN)
    with running_api(pg_settings, monkeypatch) as api:
        api.book()
        api.get(REGISTRAR, "/registry")
        m = scrape(api)
    assert m[("ledger_group_commit_saves_total", ())] >= 1
    assert m[("ledger_group_commit_groups_total", ())] >= 1
    assert m[("ledger_group_commit_largest_group", ())] >= 1
    assert m[("ledger_pool_connections", (("pool", "views"),))] >= 1
    assert ("ledger_pool_connections", (("pool", "events"),)) in m
    assert ("ledger_pool_requests_waiting", (("pool", "views"),)) in m


def test_ledger_serve_writes_json_lines_with_request_ids_and_serves_metrics_to_localhost(tmp_path: Path) -> None:
    env = {**os.environ, "LEDGER_DSN": "", "LEDGER_SQLITE": str(tmp_path / "ledger.sqlite3"),
           "LEDGER_LOG_FORMAT": "json"}
    env.pop("LEDGER_METRICS_TOKEN", None)
    port, log = free_port(), (tmp_path / "serve.log").open("wb")
    proc = subprocess.Popen([sys.executable, "-m", "ledger.cli", "serve", "--port", str(port)], cwd=tmp_path, env=env,
                            stdout=subprocess.DEVNULL, stderr=log)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(proc, base)
        r = httpx.get(f"{base}/health", headers={"X-Request-ID": "probe-7"})
        assert r.headers["x-request-id"] == "probe-7"
        assert httpx.get(f"{base}/metrics").status_code == 200  # this host, no token set
        generated = httpx.get(f"{base}/health").headers["x-request-id"]
        assert len(generated) == 32
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        log.close()
    lines = [json.loads(line) for line in (tmp_path / "serve.log").read_text().splitlines() if line.startswith("{")]
    requests: list[dict[str, Any]] = [x for x in lines if x.get("logger") == "ledger.requests"]
    probe = next(x for x in requests if x.get("request_id") == "probe-7")
    assert probe["route"] == "/health" and probe["status"] == 200 and probe["duration_ms"] >= 0
    assert any(x.get("request_id") == generated for x in requests)
    assert any(x["logger"].startswith("uvicorn") for x in lines)  # uvicorn's lines are JSON too


def test_a_refused_token_is_counted_and_gets_a_request_id(api: Api) -> None:
    r = api.client.get("/registry", headers={"Authorization": "Bearer not-a-token"})
    assert r.status_code == 401 and len(r.headers["x-request-id"]) == 32
    assert scrape(api)[("ledger_http_requests_total", (("method", "GET"), ("route", "/registry"), ("status", "401")))] >= 1
