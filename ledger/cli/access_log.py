"""``ledger access-log verify``: recompute the access log's chain
(ledger/store/access_log.py) and name the first row altered, removed or
inserted; with ``--seq/--digest`` check it still extends a head kept outside."""

from __future__ import annotations

import argparse

from ledger.settings import Settings


def cmd_access_log(args: argparse.Namespace) -> int:
    """Exit status: 0 intact, 1 tampered."""
    from ledger.store.access_log import AccessLog

    log = AccessLog(Settings.from_env())
    try:
        kept = (args.seq, args.digest) if args.seq is not None else None
        finding = log.verify(kept)
    finally:
        log.close()
    if finding.intact:
        print(f"intact up to row {finding.rows}, digest {finding.digest}")
        return 0
    print(f"TAMPERED: {finding.detail}")
    return 1


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    al = sub.add_parser("access-log", help="who saw resident IDs in full: verify the log's chain")
    al_sub = al.add_subparsers(dest="action", required=True)
    vf = al_sub.add_parser("verify", help="recompute the chain; name the first altered/removed/inserted row")
    vf.add_argument("--seq", type=int, help="a row whose digest was kept outside the system")
    vf.add_argument("--digest", help="that row's digest (with --seq)")
    al.set_defaults(func=cmd_access_log)
