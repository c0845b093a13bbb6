"""Document rendering speed: a form Paper and a letter Paper (every field
filled, the papers of tests/unit/test_document_renderers.py) rendered N
times as PDF and as DOCX in one process.

Targets (issue 16, item 8): an opinion (a form) as PDF < 300 ms and as DOCX
< 100 ms; the letter is held to the same. The first render of each format
is reported apart (``cold``): it builds the process's font configuration,
the small copies of the CJK fonts (ledger/documents/pdf_fonts.py) and the
Jinja environments, which later renders reuse. p50/p99 are over the warm
renders. Sizes are of the last render's bytes.

Usage: python bench/documents.py [--samples 50]
The last line is JSON.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ledger.documents.docx import render_docx  # noqa: E402
from ledger.documents.pdf import render_pdf  # noqa: E402
from tests.unit.test_document_renderers import FORM, LETTER  # noqa: E402

TARGET_MS = {"pdf": 300.0, "docx": 100.0}


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def timed(render, paper) -> tuple[float, float, bytes]:
    """Wall and CPU milliseconds: on a shared machine the CPU time shows
    what the render costs when another process holds the core."""
    start, cpu = time.perf_counter(), time.process_time()
    data = render(paper)
    return (time.perf_counter() - start) * 1000, (time.process_time() - cpu) * 1000, data


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--samples", type=int, default=50)
    args = parser.parse_args()
    renderers = {"pdf": render_pdf, "docx": render_docx}
    result: dict = {"samples": args.samples}
    for fmt, render in renderers.items():
        for name, paper in (("form", FORM), ("letter", LETTER)):
            cold, _, _ = timed(render, paper)
            warm, cpu, data = [], [], b""
            for _ in range(args.samples):
                ms, cpu_ms, data = timed(render, paper)
                warm.append(ms)
                cpu.append(cpu_ms)
            key = f"{fmt}_{name}"
            result[key] = {"cold_ms": round(cold, 1), "p50_ms": round(percentile(warm, 0.5), 1),
                           "p99_ms": round(percentile(warm, 0.99), 1),
                           "cpu_p50_ms": round(percentile(cpu, 0.5), 1), "bytes": len(data),
                           "target_ms": TARGET_MS[fmt], "met": percentile(warm, 0.99) < TARGET_MS[fmt]}
            print(f"{key:12} cold {cold:7.1f} ms  p50 {result[key]['p50_ms']:6.1f} ms  "
                  f"p99 {result[key]['p99_ms']:6.1f} ms  cpu p50 {result[key]['cpu_p50_ms']:6.1f} ms  {len(data):>7} bytes  (target {TARGET_MS[fmt]:.0f} ms)")
    result["met"] = all(v["met"] for v in result.values() if isinstance(v, dict))
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
