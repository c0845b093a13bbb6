"""Work split across forked processes: a rebuild's partitions, an as-of
export's parts. Python folds and formats on one core per process; on a
machine with several, the parts run at the same time.

Forked, not spawned: spawning would import the caller's main module again
(a script, a test runner). A child uses only what it opens itself — its own
connections — and leaves by ``os._exit`` (multiprocessing's way), never
touching the parent's pools. A job that fails, or a child that dies (killed
-9), fails the whole call; the parent then terminates the others.
"""

from __future__ import annotations

import multiprocessing as mp
import queue
import traceback
from collections.abc import Callable, Sequence
from typing import Any

Report = Callable[[Any], None]
Job = Callable[[Report], Any]


def run_forked(jobs: Sequence[Job], on_report: Report | None = None, what: str = "a part") -> list[Any]:
    """Each ``job(report)`` in its own forked process; what a job passes to
    ``report`` reaches ``on_report`` here as it happens; returns the jobs'
    results in order."""
    context = mp.get_context("fork")
    messages: Any = context.Queue()
    children = [context.Process(target=_child, args=(messages, i, job), daemon=True) for i, job in enumerate(jobs)]
    for child in children:
        child.start()
    results: dict[int, Any] = {}
    try:
        while len(results) < len(children):
            try:
                kind, index, value = messages.get(timeout=1.0)
            except queue.Empty:
                dead = [c for c in children if c.exitcode not in (None, 0)]
                if dead:
                    raise RuntimeError(f"{what} ended with exit code {dead[0].exitcode}") from None
                continue
            if kind == "report":
                if on_report:
                    on_report(value)
            elif kind == "done":
                results[index] = value
            else:
                raise RuntimeError(f"{what} failed: {value}")
    finally:
        for child in children:
            if child.is_alive():
                child.terminate()
            child.join()
    return [results[i] for i in range(len(children))]


def _child(messages: Any, index: int, job: Job) -> None:
    try:
        messages.put(("done", index, job(lambda value: messages.put(("report", index, value)))))
    except BaseException:  # noqa: BLE001 - told to the parent, which fails the call
        messages.put(("error", index, traceback.format_exc()))
