"""Several server processes on one PostgreSQL (issue 20 §3).

Two real ``ledger serve`` processes (as two hosts behind a proxy would be)
share one schema; requests alternate between them or race on both. What
must hold: the form numbers of the acceptances have no gap and no
duplicate, a write on one process from a version read on the other is a
409, never merged, and what one wrote the other serves at once (its cache
follows the database's notifications). ``ledger serve --workers 2`` starts
two workers beside one projector, and refuses SQLite.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from ledger.demo import DEMO_PASSWORD
from ledger.settings import Settings
from tests.e2e import payloads as p
from tests.serving import serving

pytestmark = pytest.mark.postgres

NUMBER = re.compile(r"^(\d{4})年第(\d+)号$")
LEDGER = [sys.executable, "-m", "ledger.cli"]


def _env(settings: Settings) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LEDGER_")}
    return env | settings.to_env() | {"LEDGER_SECRET": "workers-test-secret-0123456789abcdef0123456789"}


class Client:
    def __init__(self, base: str) -> None:
        self.http = httpx.Client(base_url=base, timeout=30)
        self.tokens: dict[str, str] = {}

    def auth(self, user: str) -> dict[str, str]:
        if user not in self.tokens:
            r = self.http.post("/auth/login", json={"username": user, "password": DEMO_PASSWORD})
            assert r.status_code == 200, r.text
            self.tokens[user] = r.json()["access_token"]
        return {"Authorization": f"Bearer {self.tokens[user]}"}

    def post(self, user: str, path: str, body: object) -> httpx.Response:
        return self.http.post(path, json=body, headers=self.auth(user))

    def get(self, user: str, path: str, **params: object) -> httpx.Response:
        return self.http.get(path, params=params, headers=self.auth(user))


@pytest.fixture
def two_servers(pg_settings: Settings, tmp_path: Path):
    env = _env(pg_settings)
    # the first seeds the demo and keeps the views; the second only serves
    with serving([*LEDGER, "serve", "--demo"], tmp_path, env) as first, \
            serving([*LEDGER, "serve", "--projections", "off"], tmp_path, env) as second:
        a, b = Client(first), Client(second)
        yield a, b
        a.http.close()
        b.http.close()


def test_two_processes_number_acceptances_without_gap_or_duplicate(two_servers: tuple[Client, Client]) -> None:
    a, b = two_servers
    servers = [a, b]

    def book(i: int) -> str:
        r = servers[i % 2].post(p.REGISTRAR, "/cases", p.book(name=f"淄博第{i}号测试有限公司"))
        assert r.status_code == 201, r.text
        return r.json()["case_id"]

    def accept(pair: tuple[int, str]) -> tuple[str, int]:
        i, case_id = pair
        r = servers[i % 2].post(p.REGISTRAR, f"/cases/{case_id}/accept", p.accept())
        assert r.status_code == 200, r.text
        return r.json()["number"], r.json()["notification_id"]

    with ThreadPoolExecutor(8) as pool:
        cases = list(pool.map(book, range(24)))
        accepted = list(pool.map(accept, enumerate(cases)))
    # the demo's cases took the first numbers of the year; these follow on
    parsed = [NUMBER.match(number) for number, _ in accepted]
    year = parsed[0].group(1)  # type: ignore[union-attr]
    taken = sorted(int(m.group(2)) for m in parsed if m and m.group(1) == year)
    assert len(set(taken)) == len(taken) == 24
    assert taken == list(range(taken[0], taken[0] + 24)), taken
    head = max(n for _, n in accepted)
    registry = b.get(p.REGISTRAR, "/registry", wait_for=head, limit=1000).json()
    every = sorted(int(m.group(2)) for m in (NUMBER.match(r.get("form_number") or "") for r in registry)
                   if m and m.group(1) == year)
    assert every == list(range(1, len(every) + 1)), "the year's whole series has no gap and no duplicate"


def test_a_write_from_a_version_read_on_the_other_process_is_a_conflict(two_servers: tuple[Client, Client]) -> None:
    a, b = two_servers
    case_id = a.post(p.REGISTRAR, "/cases", p.book()).json()["case_id"]
    version = b.get(p.REGISTRAR, f"/cases/{case_id}").json()["version"]  # b reads (and caches) version 1
    first = a.post(p.REGISTRAR, f"/cases/{case_id}/annotations", p.annotate(expected_version=version))
    assert first.status_code == 200, first.text
    # b has not written since; its copy must follow a's write, not overwrite it
    stale = b.post(p.REGISTRAR, f"/cases/{case_id}/annotations", p.annotate(expected_version=version))
    assert stale.status_code == 409, stale.text
    now = b.get(p.REGISTRAR, f"/cases/{case_id}").json()
    assert now["version"] == first.json()["version"]
    accepted = b.post(p.REGISTRAR, f"/cases/{case_id}/accept", p.accept())
    assert accepted.status_code == 200, accepted.text
    # the same step raced on both: one wins, the other is told why
    racing = a.post(p.REGISTRAR, "/cases", p.book()).json()["case_id"]
    with ThreadPoolExecutor(2) as pool:
        answers = sorted(pool.map(lambda c: c.post(p.REGISTRAR, f"/cases/{racing}/accept", p.accept()).status_code,
                                  (a, b)))
    assert answers == [200, 409]


def test_ledger_serve_workers_starts_several_processes_beside_one_projector(pg_settings: Settings,
                                                                             tmp_path: Path) -> None:
    env = _env(pg_settings)
    with serving([*LEDGER, "serve", "--demo", "--workers", "2"], tmp_path, env) as base:
        client = Client(base)
        with ThreadPoolExecutor(6) as pool:
            booked = list(pool.map(lambda i: client.post(p.REGISTRAR, "/cases", p.book()).status_code, range(12)))
        assert booked == [201] * 12
        head = client.get(p.REGISTRAR, "/registry", limit=500)
        assert head.status_code == 200
        server = next(line for line in subprocess.run(["ps", "-ww", "-eo", "pid,ppid,args"], capture_output=True,
                                                       text=True).stdout.splitlines()
                      if "--workers 2" in line and str(base.rsplit(":", 1)[1]) in line)
        pid = server.split()[0]
        children = subprocess.run(["ps", "-ww", "--ppid", pid, "-o", "args="], capture_output=True, text=True).stdout
        assert children.count("multiprocessing") >= 2, children  # the two spawned workers
        assert children.count("ledger.cli project") == 1, children  # one projector for both
        client.http.close()


def test_ledger_serve_workers_refuses_sqlite(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LEDGER_")}
    env["LEDGER_SQLITE"] = str(tmp_path / "ledger.sqlite3")
    done = subprocess.run([*LEDGER, "serve", "--workers", "2"], env=env, cwd=tmp_path, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 2 and "PostgreSQL" in done.stderr, done.stderr
