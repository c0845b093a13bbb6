"""Integrity: verify the chain, checkpoints, a case's bundle."""

from __future__ import annotations

import argparse
import json
import sys

from ledger.cli.ops import _open_ledger
from ledger.settings import Settings


def _seal_caught_up(settings: Settings) -> None:
    from projections.runner import Runner
    from projections.seal import SealProjection

    if settings.backend == "sqlite":
        _open_ledger(settings).close()
    runner = Runner(settings, SealProjection())
    try:
        runner.catch_up()
    finally:
        runner.close()


def cmd_verify(args: argparse.Namespace) -> int:
    """Exit status: 0 intact, 1 tampered, 2 usage error."""
    from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

    from projections.seal import current_digest, verify

    settings = Settings.from_env()
    if args.seal_first:
        _seal_caught_up(settings)
    head, _ = current_digest(settings)
    with Progress(TextColumn("verify"), BarColumn(), TextColumn("{task.completed}/{task.total}"),
                  TimeRemainingColumn(), transient=True) as bar:
        task = bar.add_task("verify", total=max(head - args.from_position, 0))
        try:
            finding = verify(settings, from_position=args.from_position, from_digest=args.digest,
                             progress=lambda n: bar.advance(task, n))
        except ValueError as e:
            print(f"error: {e}", file=sys.stderr)
            return 2
    if finding.intact:
        print(f"intact up to notification {finding.position}, digest {finding.digest}")
        return 0
    print(f"TAMPERED: first bad event at notification {finding.position} ({finding.problem}); "
          f"case {finding.case_id or '—'}; {finding.detail}")
    return 1


def cmd_checkpoint(args: argparse.Namespace) -> int:
    from projections.seal import take_checkpoint

    settings = Settings.from_env()
    _seal_caught_up(settings)
    position, digest = take_checkpoint(settings, reason=args.reason)
    print(f"checkpoint at notification {position}: {digest}")
    return 0


def cmd_export_case(args: argparse.Namespace) -> int:
    from uuid import UUID

    from projections.seal import export_case

    settings = Settings.from_env()
    _seal_caught_up(settings)
    try:
        bundle = export_case(settings, UUID(args.case_id))
    except ValueError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    out = args.output or f"case-{args.case_id}.json"
    with open(out, "w", encoding="utf-8") as f:
        json.dump(bundle, f, ensure_ascii=False, indent=1)
    own = sum(1 for e in bundle["entries"] if "state_base64" in e)
    print(f"{out}: {own} event(s) of the case, chain to notification {bundle['head']['notification_id']}, "
          f"head digest {bundle['head']['digest']}")
    print("check offline with: python3 tools/verify_bundle.py " + out)
    return 0
