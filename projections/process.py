"""The projection runners in a child process, supervised by the server.

On PostgreSQL ``ledger serve`` runs the runners in a child process of its own
(``ledger project``) rather than in threads of the HTTP worker: one Python
process holds one core at most, and the runners took about a third of the
worker's CPU under load. The views are in the database and read-your-writes
waits poll their tracking positions there, so a reader can't tell the
difference. If the child dies it is started again (after 1 s, doubling up to
30 s), and it exits by itself when its parent goes away.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import threading

from ledger.settings import Settings

log = logging.getLogger(__name__)


class ProjectorProcess:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.restarts = 0
        self._child: subprocess.Popen[bytes] | None = None
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._supervise, name="projector-supervisor", daemon=True)

    def start(self) -> ProjectorProcess:
        self._thread.start()
        return self

    @property
    def running(self) -> bool:
        return self._child is not None and self._child.poll() is None

    def _spawn(self) -> subprocess.Popen[bytes]:
        env = {**os.environ, **self.settings.to_env()}
        return subprocess.Popen(
            [sys.executable, "-m", "ledger.cli", "project", "--parent", str(os.getpid())], env=env
        )

    def _supervise(self) -> None:
        delay = 1.0
        while not self._stopping.is_set():
            self._child = self._spawn()
            code = self._child.wait()
            if self._stopping.is_set():
                return
            self.restarts += 1
            log.error("projection runners exited with code %s; restarting in %.0f s", code, delay)
            self._stopping.wait(delay)
            delay = min(delay * 2, 30.0)

    def stop(self, timeout: float = 10.0) -> None:
        self._stopping.set()
        child = self._child
        if child is not None and child.poll() is None:
            child.terminate()  # the runners finish their batch and stop
            try:
                child.wait(timeout)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()
        if self._thread.is_alive():
            self._thread.join(timeout)
