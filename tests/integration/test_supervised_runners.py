"""`ledger serve`'s projector child process (projections/supervise.py): it keeps
the views as threads would, is started again when it dies, and stops with
the server. On both stores, over real connections."""

from __future__ import annotations

import os
import signal
import time

from ledger.application import Ledger
from projections.runner import wait_for
from projections.supervise import ProjectorProcess
from tests.builders import REGISTRAR, book_cmd, ctx


def _until(predicate, timeout: float = 30.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


def test_the_child_keeps_the_views_restarts_after_a_crash_and_stops_with_the_server(
    ledger: Ledger, store_settings
) -> None:
    first = ledger.book(ctx(REGISTRAR), book_cmd())
    projector = ProjectorProcess(store_settings).start()
    try:
        assert wait_for(store_settings, ("cases", "audit"), first.notification_id, timeout=30)
        child = projector._child
        assert child is not None and projector.running
        os.kill(child.pid, signal.SIGKILL)  # a crash: no chance to clean up
        assert _until(lambda: projector.restarts == 1 and projector.running and projector._child is not child)
        second = ledger.book(ctx(REGISTRAR), book_cmd())
        assert wait_for(store_settings, ("cases", "audit"), second.notification_id, timeout=30)
    finally:
        projector.stop()
    assert not projector.running
    assert projector._child is not None and projector._child.returncode is not None


def test_the_child_exits_when_its_parent_is_gone(ledger: Ledger, store_settings) -> None:
    import subprocess
    import sys

    # a parent id that is not ours: the child sees at once that "its server" is gone
    env = {**os.environ, **store_settings.to_env()}
    child = subprocess.Popen([sys.executable, "-m", "ledger.cli", "project", "--parent", "1"], env=env)
    try:
        assert child.wait(timeout=30) == 0
    finally:
        if child.poll() is None:
            child.kill()


class _FailsFirstTime:
    """The audit projection, failing on the first batch its first instance
    sees (as a dropped connection would), then working."""

    failures = 0

    def __init__(self) -> None:
        from projections.audit import AuditProjection

        self.inner = AuditProjection()

    def __getattr__(self, name: str):
        return getattr(self.inner, name)

    def apply(self, cur, items, suffix: str = "") -> None:
        if _FailsFirstTime.failures == 0:
            _FailsFirstTime.failures += 1
            raise ConnectionError("server closed the connection unexpectedly")
        self.inner.apply(cur, items, suffix)


def test_a_runner_thread_that_failed_is_started_again_and_catches_up(ledger: Ledger, store_settings) -> None:
    from projections.supervise import RunnerThreads

    _FailsFirstTime.failures = 0
    booked = ledger.book(ctx(REGISTRAR), book_cmd())
    runners = RunnerThreads(store_settings, {"audit": _FailsFirstTime}, check_every=0.05, first_delay=0.1).start()
    try:
        assert wait_for(store_settings, ("audit",), booked.notification_id, timeout=30)
        status = runners.status()
        assert status["restarts"] == 1 and status["failing"] == []
        assert "ConnectionError" in status["last_errors"]["audit"]
    finally:
        runners.stop()
