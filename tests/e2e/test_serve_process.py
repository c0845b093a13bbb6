"""`ledger serve` on PostgreSQL, as an operator starts it: the API in one
process, the projection runners in a child process it supervises. A command
through the API reaches the registry (read-your-writes over the child's
views), and stopping the server stops the child."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from tests.builders import VALID_USCC
from tests.serving import free_port, wait_until_up

pytestmark = pytest.mark.postgres


def _children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def test_ledger_serve_on_postgres_projects_in_a_child_process_and_stops_it(pg_settings, tmp_path) -> None:
    port = free_port()
    env = {**os.environ, **pg_settings.to_env(), "LEDGER_SECRET": "s" * 48}
    server = subprocess.Popen(
        [sys.executable, "-m", "ledger.cli", "serve", "--demo", "--port", str(port)],
        env=env, cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(server, base)
        health = httpx.get(f"{base}/health").json()
        assert health["projections"] == {"mode": "process", "running": True, "restarts": 0}
        projectors = [pid for pid in _children(server.pid) if b"project" in Path(f"/proc/{pid}/cmdline").read_bytes()]
        assert len(projectors) == 1, "one projector child process"
        token = httpx.post(f"{base}/auth/login", json={"username": "zhangmin", "password": "demo-password-2026"})
        headers = {"Authorization": f"Bearer {token.json()['access_token']}"}
        booked = httpx.post(f"{base}/cases", headers=headers, json={
            "applicant": {"kind": "organisation", "name": "子进程投影有限公司", "id_number": VALID_USCC,
                          "address": "人民路1号"},
            "contact": {"name": "刘芳", "phone": "13953312345"},
            "service_types": ["compliance_guidance"], "needs": "合规指导", "channel": "phone"})
        assert booked.status_code == 201, booked.text
        rows = httpx.get(f"{base}/registry", headers=headers,
                         params={"wait_for": booked.json()["notification_id"], "limit": 1000}, timeout=30)
        assert rows.status_code == 200, rows.text
        assert booked.json()["case_id"] in [r["case_id"] for r in rows.json()]
    finally:
        os.killpg(server.pid, signal.SIGINT)  # Ctrl-C in a terminal: to the whole foreground group
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            raise
    for pid in projectors:
        assert not Path(f"/proc/{pid}").exists() or "Z" in Path(f"/proc/{pid}/stat").read_text().split()[2], \
            "the projector outlived its server"
    stderr = server.stderr.read().decode() if server.stderr else ""
    assert "restarting" not in stderr, stderr  # shut down, not mistaken for a crash
