"""Process-wide tuning for the long-running server (``ledger serve``)."""

from __future__ import annotations

import gc

# Collect the youngest generation every 50,000 net allocations instead of
# CPython's 700: a command allocates hundreds of short-lived objects, which
# reference counting frees anyway; only reference cycles need the collector.
GC_THRESHOLDS = (50_000, 20, 100)


def tune_gc() -> None:
    """Call once the app is built, before serving.

    The collector runs with the interpreter lock held, and its full passes
    walk every live object: the modules, the app, the aggregate cache. Under
    load that paused every request at once and set the tail latency
    (measured over HTTP, four alternating runs: p99 66 ms without this, 33–38
    ms with it, and 5 % more commands/s). So: collect what start-up left,
    freeze the survivors (later passes skip them; they are still freed by
    reference counting) and collect young objects less often."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)
