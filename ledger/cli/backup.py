"""``ledger backup FILE`` and ``ledger restore FILE`` (ledger/store/backup.py).

The backup prints the seal chain's digest at its last event; the restore
recomputes it from the file, writes everything in one transaction, then
brings the seal up to date, verifies it and prints the same digest. The
other views are rebuilt by the runners (``ledger serve`` / ``ledger project``).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile

from ledger.settings import Settings


def cmd_backup(args: argparse.Namespace) -> int:
    from ledger.store.backup import backup
    from projections.seal import next_digest

    settings = Settings.from_env()
    target = os.path.abspath(args.file)
    if os.path.exists(target) and not args.force:
        print(f"error: {args.file} exists (use --force to replace it)", file=sys.stderr)
        return 2
    # written beside the target and renamed when complete: a failed backup leaves no half file under its name
    fd, partial = tempfile.mkstemp(prefix=".backup-", dir=os.path.dirname(target))
    try:
        with os.fdopen(fd, "wb") as out:
            summary = backup(settings, out, next_digest)
            out.flush()
            os.fsync(out.fileno())
        os.replace(partial, target)
    except BaseException:
        os.unlink(partial)
        raise
    rows = ", ".join(f"{t} {n}" for t, n in summary.rows.items())
    print(f"{args.file}: {summary.events} event(s) up to notification {summary.head}; {rows}")
    print(f"digest {summary.digest}")
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    from ledger.cli.integrity import _seal_caught_up
    from ledger.store.backup import restore
    from projections.seal import current_digest, next_digest, verify

    settings = Settings.from_env()
    with open(args.file, "rb") as source:
        summary = restore(settings, source, next_digest)  # BackupError: printed by main, exit 1
    rows = ", ".join(f"{t} {n}" for t, n in summary.rows.items())
    print(f"restored {summary.events} event(s) up to notification {summary.head}; {rows}")
    _seal_caught_up(settings)
    finding = verify(settings)
    head, digest = current_digest(settings)
    if not finding.intact or (summary.head and digest != summary.digest):
        print(f"error: the restored chain does not verify: {finding.problem or ''} {finding.detail} "
              f"(digest {digest}, the backup's {summary.digest})", file=sys.stderr)
        return 1
    print(f"chain intact up to notification {head}, digest {digest if summary.head else summary.digest}")
    print("the views are rebuilt from the events when the runners start (ledger serve, or ledger project)")
    return 0


def add_parsers(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    bk = sub.add_parser("backup", help="write the events (and credentials, idempotency, access log) to a file")
    bk.add_argument("file", help="e.g. ledger-$(date +%%F).jsonl.gz")
    bk.add_argument("--force", action="store_true", help="replace the file if it exists")
    bk.set_defaults(func=cmd_backup)
    rs = sub.add_parser("restore", help="restore a backup into an empty store, then verify the chain")
    rs.add_argument("file")
    rs.set_defaults(func=cmd_restore)
