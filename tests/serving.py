"""Starting a real ``ledger serve`` for the tests that talk to it over TCP
(the process tests, the installed wheel, the browser)."""

from __future__ import annotations

import socket
import subprocess
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until_up(proc: subprocess.Popen, base: str) -> None:
    """Until ``/health`` answers; the test fails if the server exits or never answers."""
    for _ in range(600):
        if proc.poll() is not None:
            pytest.fail(f"ledger serve exited: {proc.stderr.read().decode() if proc.stderr else ''}")
        try:
            if httpx.get(f"{base}/health").status_code == 200:
                return
        except httpx.HTTPError:
            time.sleep(0.1)
    pytest.fail("ledger serve did not answer /health")


@contextmanager
def serving(argv: Sequence[str], cwd: Path, env: dict[str, str]) -> Iterator[str]:
    """``argv`` (a ``ledger serve`` command line without its port) running in
    ``cwd``; yields the base URL; stopped afterwards."""
    port = free_port()
    proc = subprocess.Popen([*argv, "--port", str(port)], cwd=cwd, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(proc, base)
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=30)
