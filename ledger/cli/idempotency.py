"""``ledger idempotency purge``: delete the Idempotency-Keys older than the
retention period (``LEDGER_IDEMPOTENCY_DAYS``, default 7). The server also
purges them by itself, at most once an hour (http/common/idempotency.py);
this is for a store whose server is not running, or for a cron job."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from ledger.settings import Settings


def cmd_idempotency_purge(args: argparse.Namespace) -> int:
    from ledger_http.common.idempotency import IdempotencyStore

    settings = Settings.from_env()
    store = IdempotencyStore(settings)
    try:
        purged = store.purge()
    finally:
        store.close()
    print(f"purged {purged} idempotency keys older than {settings.idempotency_days:g} days", file=sys.stderr)
    return 0


def add_parser(sub: Any) -> None:
    idem = sub.add_parser("idempotency", help="the Idempotency-Keys kept for retried commands")
    idem_sub = idem.add_subparsers(dest="idempotency_command", required=True)
    idem_sub.add_parser(
        "purge", help="delete keys older than LEDGER_IDEMPOTENCY_DAYS (default 7); the server also does it hourly"
    ).set_defaults(func=cmd_idempotency_purge)
