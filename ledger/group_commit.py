"""Group commit: concurrent writers share one database transaction.

Each writer thread puts its request in a queue and waits. The writer at the
head of the queue is the *leader*: it takes every request queued at that
moment (up to ``max_group``), writes them all with one ``write_group`` call —
one transaction, one lock, one commit — hands each writer its outcome and
wakes the writer that is now at the head, who leads the next group. While a
group is being written, the writers that arrive meanwhile queue up, so groups
grow exactly as fast as load does, and a lone writer writes at once, in its
own thread, without waiting for anyone (no background thread, no timer).

``write_group`` returns one outcome per request, in order: a value, or an
exception for that writer alone. If it raises, the whole group failed and
every writer in it gets that error (never a success for data that may not
have been committed).
"""

from __future__ import annotations

import copy
import threading
from collections import deque
from collections.abc import Callable, Sequence
from itertools import islice
from typing import Any, Generic, TypeVar

P = TypeVar("P")  # what a writer asks to write
R = TypeVar("R")  # what it gets back


class _Request(Generic[P]):
    __slots__ = ("payload", "outcome", "done", "wake")

    def __init__(self, payload: P) -> None:
        self.payload = payload
        self.outcome: Any = None
        self.done = False
        # One lock per request, taken now and released once, to wake exactly
        # the writer concerned (done, or now at the head). A bare lock, not a
        # threading.Event: the Event's Python-level condition costs several
        # times more per request, with the interpreter lock held.
        self.wake = threading.Lock()
        self.wake.acquire()


class GroupCommit(Generic[P, R]):
    def __init__(self, write_group: Callable[[Sequence[P]], Sequence[R | BaseException]], max_group: int = 64) -> None:
        if max_group < 1:
            raise ValueError("max_group must be at least 1")
        self._write_group = write_group
        self.max_group = max_group
        self._mutex = threading.Lock()
        self._queue: deque[_Request[P]] = deque()
        # Counters for tests and benchmarks (read without locking: monotonic ints).
        self.groups = 0
        self.requests = 0
        self.largest_group = 0

    @property
    def queued(self) -> int:
        """Requests waiting or being written."""
        with self._mutex:
            return len(self._queue)

    def submit(self, payload: P) -> R:
        """Write ``payload`` as part of a group; return its outcome or raise its error."""
        request = _Request(payload)
        with self._mutex:
            self._queue.append(request)
            leader = len(self._queue) == 1
        if not leader:
            request.wake.acquire()  # released when our group is done, or when we are the new head
            if request.done:
                return self._result(request)
        self._lead()
        return self._result(request)

    def _lead(self) -> None:
        with self._mutex:
            group = list(islice(self._queue, self.max_group))
        try:
            outcomes = self._write_group([r.payload for r in group])
            if len(outcomes) != len(group):
                raise RuntimeError(f"write_group gave {len(outcomes)} outcomes for {len(group)} requests")
        except BaseException as e:  # noqa: BLE001 - handed to every writer of the group
            outcomes = [_own_copy(e) for _ in group]
        with self._mutex:
            for _ in group:
                self._queue.popleft()
            head = self._queue[0] if self._queue else None
            self.groups += 1
            self.requests += len(group)
            self.largest_group = max(self.largest_group, len(group))
        for r, outcome in zip(group, outcomes):
            r.outcome = outcome
            r.done = True
            if r is not group[0]:  # the leader is this thread, awake
                r.wake.release()
        if head is not None:
            head.wake.release()  # not done: it leads the next group

    @staticmethod
    def _result(request: _Request[P]) -> Any:
        if isinstance(request.outcome, BaseException):
            raise request.outcome
        return request.outcome


def _own_copy(error: BaseException) -> BaseException:
    """The group's error for one writer: each thread raises its own copy
    (a raise writes the traceback into the exception object), chained to
    the original, which keeps the leader's traceback."""
    try:
        own = copy.copy(error)
    except Exception:  # noqa: BLE001 - an exception type that cannot be copied
        return error
    own.__cause__ = error
    return own
