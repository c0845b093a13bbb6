"""``tune_gc`` (ledger/cli/runtime.py), in a child process: it changes the
interpreter's collector for the whole process."""

from __future__ import annotations

import subprocess
import sys


def test_tune_gc_freezes_the_start_up_heap_and_collects_young_objects_less_often():
    code = (
        "import gc\n"
        "from ledger.cli.runtime import GC_THRESHOLDS, tune_gc\n"
        "before = gc.get_freeze_count()\n"
        "tune_gc()\n"
        "assert before == 0 and gc.get_freeze_count() > 1000, gc.get_freeze_count()\n"
        "assert gc.get_threshold() == GC_THRESHOLDS\n"
        "assert gc.isenabled()\n"
        "print('ok')\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stderr
