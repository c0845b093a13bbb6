"""Listing units and users (administration)."""

from __future__ import annotations

from litestar.testing import TestClient

from ledger.application import Ledger
from ledger.demo import DEMO_PASSWORD, seed_demo
from ledger_http.app import create_app


def _token(client: TestClient, username: str) -> dict[str, str]:
    r = client.post("/auth/login", json={"username": username, "password": DEMO_PASSWORD})
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


def test_administrators_list_units_and_users_and_see_a_new_user_at_once(sqlite_settings):
    ledger = Ledger(sqlite_settings)
    app = create_app(sqlite_settings, ledger=ledger)
    seed_demo(ledger, app.state.credentials)
    with TestClient(app) as client:
        admin = _token(client, "admin")
        created = client.post(
            "/admin/users",
            json={"username": "zhaojing", "display_name": "赵静", "role": "unit_staff", "unit": "市市场监督管理局"},
            headers=admin,
        )
        assert created.status_code == 201
        n = created.json()["notification_id"]
        users = client.get("/admin/users", params={"wait_for": n}, headers=admin).json()
        assert {"username": "zhaojing", "display_name": "赵静", "role": "unit_staff",
                "unit": "市市场监督管理局", "active": True, "post": "staff"} in users
        assert [u["username"] for u in users] == sorted(u["username"] for u in users)
        units = client.get("/admin/units", headers=admin).json()
        assert {"name": "市消防救援支队", "kind": "enforcement"} in units
        # a registrar may not read the directory
        denied = client.get("/admin/users", headers=_token(client, "zhangmin"))
        assert denied.status_code == 403 and denied.json()["code"] == "role_not_allowed"
