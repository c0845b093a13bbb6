"""The projection runners of ``ledger serve``, supervised: started again
after a failure, so that a transient error (a lost connection, a lock
timeout) never leaves the views frozen until someone restarts the server.

``RunnerThreads`` (the default on SQLite): the runners in threads of the
server; a runner that failed is logged and replaced by a new one (after 1 s,
doubling up to 30 s while it keeps failing).

``ProjectorProcess`` (the default on PostgreSQL): the runners in a child
process (``ledger project``) rather than in threads of the HTTP worker: one
Python process holds one core at most, and the runners took about a third of
the worker's CPU under load (measured: 1.24x the commands/s of threads). The
views are in the database and read-your-writes waits poll their tracking
positions there, so a reader can't tell the difference. If the child dies it
is started again (after 1 s, doubling up to 30 s); it exits by itself when
its parent goes away.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any

from ledger.settings import Settings
from projections import PROJECTIONS
from projections.runner import Projection, Runner

log = logging.getLogger(__name__)


FIRST_DELAY, MAX_DELAY = 1.0, 30.0
HEALTHY_AFTER = 60.0  # a runner that ran this long before failing starts again after FIRST_DELAY


class RunnerThreads:
    def __init__(
        self,
        settings: Settings,
        projections: Mapping[str, Callable[[], Projection]] = PROJECTIONS,
        *,
        check_every: float = 0.5,
        first_delay: float = FIRST_DELAY,
    ) -> None:
        self.settings = settings
        self.projections = projections
        self.check_every = check_every
        self.first_delay = first_delay
        self.runners: dict[str, Runner] = {}
        self.restarts: dict[str, int] = {name: 0 for name in projections}
        self.last_error: dict[str, str] = {}
        self._started: dict[str, float] = {}
        self._delay: dict[str, float] = {name: first_delay for name in projections}
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._supervise, name="runner-supervisor", daemon=True)

    def start(self) -> RunnerThreads:
        for name in self.projections:
            self._start(name)
        self._thread.start()
        return self

    def _start(self, name: str) -> None:
        self.runners[name] = Runner(self.settings, self.projections[name]()).start()
        self._started[name] = time.monotonic()

    def _supervise(self) -> None:
        due: dict[str, float] = {}  # failed runners: when to start them again
        while not self._stopping.wait(self.check_every):
            for name, runner in list(self.runners.items()):
                if runner.error is not None and name not in due:
                    runner.stop()
                    if time.monotonic() - self._started[name] >= HEALTHY_AFTER:
                        self._delay[name] = self.first_delay
                    self.last_error[name] = f"{type(runner.error).__name__}: {runner.error}"
                    log.error("projection runner %s failed; restarting in %.0f s", name, self._delay[name],
                              exc_info=runner.error)
                    due[name] = time.monotonic() + self._delay[name]
                    self._delay[name] = min(self._delay[name] * 2, MAX_DELAY)
            for name, when in list(due.items()):
                if time.monotonic() >= when and not self._stopping.is_set():
                    del due[name]
                    self.restarts[name] += 1
                    self._start(name)

    def status(self) -> dict[str, Any]:
        failing = sorted(name for name, r in self.runners.items() if r.error is not None)
        status: dict[str, Any] = {"mode": "thread", "restarts": sum(self.restarts.values()), "failing": failing,
                                  "last_errors": dict(self.last_error)}
        if self.settings.backend == "postgres":  # SQLite always polls; PostgreSQL only while LISTEN is lost
            status["polling"] = sorted(name for name, r in self.runners.items() if not r.listening)
        return status

    def stop(self) -> None:
        self._stopping.set()
        if self._thread.is_alive():
            self._thread.join(10)
        for runner in self.runners.values():
            runner.stop()


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

    def status(self) -> dict[str, Any]:
        return {"mode": "process", "running": self.running, "restarts": self.restarts}

    def _spawn(self) -> subprocess.Popen[bytes]:
        env = {**os.environ, **self.settings.to_env()}
        # Its own session: a Ctrl-C in the terminal reaches the server only,
        # which stops the child itself (terminate) as it shuts down.
        return subprocess.Popen(
            [sys.executable, "-m", "ledger.cli", "project", "--parent", str(os.getpid())], env=env,
            start_new_session=True,
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
