"""Under load a runner pauses between batches so that events accumulate;
a reader waiting for its own write (``wait_for``) cuts the pause short.
Over a real PostgreSQL (the pause is cut by NOTIFY)."""

from __future__ import annotations

import time

from ledger.application import Ledger
from projections.cases import CasesProjection
from projections.runner import Runner, wait_for
from tests.builders import REGISTRAR, book_cmd, ctx, fixed_clock


def test_a_paused_runner_batches_and_a_waiting_reader_wakes_it(pg_settings):
    ledger = Ledger(pg_settings, clock=fixed_clock())
    runner = Runner(pg_settings, CasesProjection(), min_interval=30.0).start()
    try:
        first = ledger.book(ctx(REGISTRAR), book_cmd()).notification_id
        assert wait_for(pg_settings, ("cases",), first, timeout=10), "the first write is applied at once"
        # The runner woke for that write and now pauses (30 s): later writes wait.
        second = ledger.book(ctx(REGISTRAR), book_cmd()).notification_id
        time.sleep(0.5)
        assert runner.position() < second, "paused: not applied yet"
        started = time.monotonic()
        assert wait_for(pg_settings, ("cases",), second, timeout=10), "the reader's call woke the runner"
        assert time.monotonic() - started < 5
        assert runner.position() >= second
    finally:
        runner.stop()
        ledger.close()
