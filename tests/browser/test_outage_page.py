"""The workbench while the database is away (issue 20, point 1): a real
``ledger serve --demo`` on the suite's PostgreSQL, reached through a TCP proxy
in this process (tests/tcp_proxy.py). Silenced, a page answers 503 with a
readable Chinese page and ``Retry-After``; given back, the same server
serves the page again without a restart. Screenshot: tests/screenshots/outage-503.png."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser
from psycopg.conninfo import conninfo_to_dict

from ledger.settings import Settings
from tests.browser.conftest import shot, sign_in
from tests.serving import free_port
from tests.tcp_proxy import TcpProxy

pytestmark = pytest.mark.postgres


@pytest.fixture
def proxied_server(pg_settings: Settings, tmp_path: Path) -> Iterator[tuple[str, TcpProxy]]:
    target = conninfo_to_dict(pg_settings.dsn)
    proxy = TcpProxy((str(target.get("host", "127.0.0.1")), int(target.get("port", 5432)))).start()
    env = {k: v for k, v in os.environ.items() if not k.startswith("LEDGER_")}
    env |= {"LEDGER_DSN": proxy.dsn(pg_settings.dsn), "LEDGER_PG_SCHEMA": pg_settings.pg_schema,
            "LEDGER_SECRET": "outage-page-test-secret-0123456789abcdef012345", "LEDGER_DB_TIMEOUT": "2"}
    port = free_port()
    log = (tmp_path / "serve.log").open("wb")  # a file, not a pipe: the outage's logging must never block the server
    proc = subprocess.Popen([sys.executable, "-m", "ledger.cli", "serve", "--demo", "--projections", "thread",
                             "--port", str(port)], cwd=tmp_path, env=env, stdout=log, stderr=log)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(600):
            assert proc.poll() is None, (tmp_path / "serve.log").read_text()[-3000:]
            try:
                if httpx.get(f"{base}/health").status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        yield base, proxy
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        log.close()
        proxy.stop()


def test_a_page_during_an_outage_says_so_and_the_server_serves_again_when_the_database_is_back(
    browser: Browser, proxied_server: tuple[str, TcpProxy]
) -> None:
    base, proxy = proxied_server
    context = browser.new_context(base_url=base, viewport={"width": 1366, "height": 768}, locale="zh-CN")
    page = context.new_page()
    try:
        sign_in(page, "zhangmin")
        assert page.goto("/w/registry").status == 200

        proxy.silence()
        started = time.monotonic()
        response = page.goto("/w/registry")
        assert response is not None and response.status == 503
        assert time.monotonic() - started < 2 + 1.5
        assert int(response.headers["retry-after"]) >= 1
        assert page.get_by_role("heading", name="数据库暂时无法连接").is_visible()
        assert "本次请求未执行" in page.content() and "请稍后刷新页面" in page.content()
        shot(page, "outage-503")

        proxy.start()
        deadline = time.monotonic() + 20
        while (status := page.goto("/w/registry").status) != 200 and time.monotonic() < deadline:
            time.sleep(0.5)
        assert status == 200  # the same server, no restart
        assert page.get_by_role("heading", name="数据库暂时无法连接").count() == 0
    finally:
        context.close()
