"""A real ``ledger serve`` that the fault suite can kill -9 and start again
on the same port (clients keep their address across the restart)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from ledger.demo import DEMO_PASSWORD
from ledger.settings import Settings
from tests.ops.cluster import _alive, _children
from tests.serving import free_port, wait_until_up

SECRET = "ops-suite-secret-0123456789abcdef0123456789abcdef"


def server_env(settings: Settings, **more: str) -> dict[str, str]:
    """The test's environment without its own LEDGER_* settings, with these."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("LEDGER_")}
    return env | settings.to_env() | {"LEDGER_SECRET": SECRET} | more


class Server:
    def __init__(self, cwd: Path, env: dict[str, str], port: int | None = None) -> None:
        self.cwd, self.env = cwd, env
        self.port = port or free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen[bytes] | None = None
        self.log = cwd / "server.log"

    def start(self, *args: str) -> Server:
        with open(self.log, "ab") as log:
            self.proc = subprocess.Popen([sys.executable, "-m", "ledger.cli", "serve", *args, "--port", str(self.port)],
                                         cwd=self.cwd, env=self.env, stdout=log, stderr=subprocess.STDOUT)
        try:
            wait_until_up(self.proc, self.base)
        except BaseException:
            pytest.fail(f"ledger serve did not come up: {self.log_tail()}")
        return self

    def log_tail(self, chars: int = 3000) -> str:
        return self.log.read_text(errors="replace")[-chars:] if self.log.exists() else ""

    def projectors(self) -> list[int]:
        """The server's ``ledger project`` children."""
        assert self.proc is not None
        out = []
        for pid in _children(self.proc.pid):
            try:
                cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
            except OSError:
                continue
            if b"project" in cmdline and _alive(pid):
                out.append(pid)
        return out

    def kill9(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(10)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def until(check, timeout: float, what: str, every: float = 0.1):  # noqa: ANN001, ANN201
    """``check()``'s first truthy value within ``timeout`` seconds, or the test fails."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"not within {timeout} s: {what}")
        time.sleep(every)


def token(base: str, username: str) -> str:
    r = httpx.post(f"{base}/auth/login", json={"username": username, "password": DEMO_PASSWORD}, timeout=30)
    assert r.status_code == 200, r.text
    return r.json()["access_token"]


def seed_users(settings: Settings, *users: tuple[str, str, str, str]) -> None:
    """Migrate the store and create these users (username, name, role, unit)
    with the demo password: a few units and people, not the whole demo
    (seeding that takes 15 s)."""
    from ledger.application import Ledger
    from ledger.directory import UnitKind
    from ledger.directory.setup import ensure_unit, ensure_user
    from ledger.store.credentials import CredentialStore
    from ledger.store.migrate import migrate
    from ledger.values import Role

    kinds = {Role.REGISTRAR: UnitKind.COORDINATION, Role.DISPATCHER: UnitKind.COORDINATION,
             Role.UNIT_STAFF: UnitKind.ENFORCEMENT, Role.SUPERVISOR: UnitKind.SUPERVISION,
             Role.AUDITOR: UnitKind.SUPERVISION}
    migrate(settings)
    ledger, credentials = Ledger(settings), CredentialStore(settings)
    try:
        for username, name, role, unit in users:
            ensure_unit(ledger, unit, kinds[Role(role)])
            ensure_user(ledger, credentials, username, name, Role(role), unit, DEMO_PASSWORD)
    finally:
        credentials.close()
        ledger.close()
