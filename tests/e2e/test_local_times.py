"""Times typed without a zone mean China Standard Time, everywhere the API takes one."""

from __future__ import annotations

from litestar.testing import TestClient

from ledger.application import Ledger
from ledger.demo import DEMO_PASSWORD, seed_demo
from ledger_http.app import create_app


def test_a_registry_period_without_a_zone_is_read_as_china_time(sqlite_settings):
    ledger = Ledger(sqlite_settings)
    app = create_app(sqlite_settings, ledger=ledger)
    seed_demo(ledger, app.state.credentials)  # its case was applied for at 09:00 +08:00, 14 days ago
    with TestClient(app) as client:
        token = client.post("/auth/login", json={"username": "wujian", "password": DEMO_PASSWORD}).json()
        headers = {"Authorization": f"Bearer {token['access_token']}"}
        applied = client.get("/registry", params={"wait_for": ledger.recorder.max_notification_id()},
                             headers=headers).json()[0]["applied_at"]  # e.g. 2026-11-08T09:00:00+08:00
        naive_bound = applied[:19]  # the same wall-clock time, no zone
        zoned = client.get("/registry", params={"applied_from": applied}, headers=headers).json()
        naive = client.get("/registry", params={"applied_from": naive_bound}, headers=headers).json()
        assert len(zoned) == len(naive) == 1
        # one second later, with or without a zone, the case is excluded alike
        later = naive_bound[:-2] + f"{int(naive_bound[-2:]) + 1:02d}"
        assert client.get("/registry", params={"applied_from": later}, headers=headers).json() == []
        assert client.get("/registry", params={"applied_from": later + "+08:00"}, headers=headers).json() == []
