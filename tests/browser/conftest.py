"""A real browser (Debian's Chromium driven by Playwright) against a real
``ledger serve --demo`` on a fresh SQLite store. Screenshots are saved to
``tests/screenshots/`` (or ``LEDGER_SCREENSHOTS``) to be looked at.

Chromium is required: the tests fail, never skip, when it cannot start
(``.ci/run`` installs it with ``apt-get install chromium fonts-noto-cjk``)."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from tests.serving import serving

CHROMIUM = os.environ.get("LEDGER_CHROMIUM", "/usr/bin/chromium")
SHOTS = Path(os.environ.get("LEDGER_SCREENSHOTS", Path(__file__).resolve().parents[1] / "screenshots"))


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LEDGER_")}
    with serving([sys.executable, "-m", "ledger.cli", "serve", "--demo"], tmp_path_factory.mktemp("workbench"), env) as base:
        yield base


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium is required at {CHROMIUM} (apt-get install chromium fonts-noto-cjk)")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield b
        b.close()


@pytest.fixture
def page(browser: Browser, server: str) -> Iterator[Page]:
    context = browser.new_context(base_url=server, viewport={"width": 1366, "height": 768}, locale="zh-CN")
    p = context.new_page()
    yield p
    context.close()


def shot(page: Page, name: str) -> Path:
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def sign_in(page: Page, username: str, password: str = "demo-password-2026") -> None:
    page.goto("/login")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()
