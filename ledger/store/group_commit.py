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

A request may name earlier requests it was decided on (``after``: a form
number taken from a counter whose previous number is still being saved).
One whose predecessor failed in an earlier group fails here without being
written (``failed_before``); a predecessor in the same group is passed to
``write_group`` as its index, for the writer to skip the one if the other
is skipped. ``on_queued`` is called with the request as soon as it is in the
queue, before waiting (where the ledger lets the next number be taken).
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
    __slots__ = ("payload", "after", "outcome", "done", "wake")

    def __init__(self, payload: P, after: tuple[_Request[P], ...] = ()) -> None:
        self.payload = payload
        self.after = after
        self.outcome: Any = None
        self.done = False
        # One lock per request, taken now and released once, to wake exactly
        # the writer concerned (done, or now at the head). A bare lock, not a
        # threading.Event: the Event's Python-level condition costs several
        # times more per request, with the interpreter lock held.
        self.wake = threading.Lock()
        self.wake.acquire()


class GroupCommit(Generic[P, R]):
    def __init__(
        self,
        write_group: Callable[[Sequence[P], Sequence[tuple[int, ...]]], Sequence[R | BaseException]],
        max_group: int = 64,
        failed_before: Callable[[P], BaseException] = lambda _: RuntimeError("an earlier save it depends on failed"),
        fails_the_queue: Callable[[BaseException], bool] = lambda _: False,
    ) -> None:
        if max_group < 1:
            raise ValueError("max_group must be at least 1")
        self._write_group = write_group
        self._failed_before = failed_before
        self._fails_the_queue = fails_the_queue
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

    def submit(
        self,
        payload: P,
        after: tuple[Any, ...] = (),
        on_queued: Callable[[Any], None] | None = None,
    ) -> R:
        """Write ``payload`` as part of a group; return its outcome or raise its error."""
        request = _Request(payload, after)
        with self._mutex:
            self._queue.append(request)
            leader = len(self._queue) == 1
        if on_queued is not None:
            on_queued(request)
        if not leader:
            request.wake.acquire()  # released when our group is done, or when we are the new head
            if request.done:
                return self._result(request)
        self._lead()
        return self._result(request)

    def _lead(self) -> None:
        with self._mutex:
            group = list(islice(self._queue, self.max_group))
        outcomes: list[Any] = [None] * len(group)
        # Predecessors in earlier groups are done: their outcome is known.
        # Those in this group are handed to write_group as indexes.
        position = {id(r): i for i, r in enumerate(group)}
        sent: list[int] = []
        afters: list[tuple[int, ...]] = []
        for i, r in enumerate(group):
            if any(
                isinstance(a.outcome, BaseException) if a.done else position.get(id(a)) not in sent
                for a in r.after
            ):  # failed earlier, or not sent in this group (or, impossibly, neither done nor here)
                outcomes[i] = self._failed_before(r.payload)
                continue
            afters.append(tuple(sent.index(position[id(a)]) for a in r.after if id(a) in position))
            sent.append(i)
        try:
            written = self._write_group([group[i].payload for i in sent], afters) if sent else []
            if len(written) != len(sent):
                raise RuntimeError(f"write_group gave {len(written)} outcomes for {len(sent)} requests")
            for i, outcome in zip(sent, written):
                outcomes[i] = outcome
        except BaseException as e:  # noqa: BLE001 - handed to every writer of the group
            outcomes = [_own_copy(e) if i in sent else outcomes[i] for i in range(len(group))]
            if self._fails_the_queue(e):
                # The database could not be reached for a whole bound: the
                # saves that queued meanwhile (nothing of theirs written)
                # get the same answer now, instead of each group waiting out
                # another bound in turn.
                with self._mutex:
                    queued = list(islice(self._queue, len(group), None))
                group += queued
                outcomes += [_own_copy(e) for _ in queued]
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
            r.after = ()  # its successors need only its outcome: no chain of requests kept alive
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
