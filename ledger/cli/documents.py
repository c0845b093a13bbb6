"""Documents from the console: verify a file against what the ledger issued."""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path

from ledger.cli.ops import _open_ledger
from ledger.settings import Settings


def cmd_documents(args: argparse.Namespace) -> int:
    """``verify FILE``: exit 0 and the issues if the ledger issued this very
    file (by its SHA-256), 1 if it never did, 2 if the file cannot be read."""
    from ledger.scope import Reach, console_scope
    from projections.documents import DocumentsProjection
    from projections.runner import Runner
    from projections.views import Views

    try:
        digest = hashlib.sha256(Path(args.file).read_bytes()).hexdigest()
    except OSError as e:
        print(f"error: cannot read {args.file}: {e.strerror}", file=sys.stderr)
        return 2
    settings = Settings.from_env()
    if settings.backend == "sqlite":
        _open_ledger(settings).close()
    runner = Runner(settings, DocumentsProjection())
    try:
        runner.catch_up()
    finally:
        runner.close()
    views = Views(settings)
    try:
        found = views.documents_issued(console_scope(Reach.CASES), sha256=digest)
    finally:
        views.close()
    if not found:
        print(f"NOT ISSUED: the ledger never issued a file with SHA-256 {digest}")
        return 1
    for row in found:
        print(json.dumps(row, ensure_ascii=False))
    first = found[0]
    # the record the file belongs to: a case, a guidance, a mediation, a letter, a form, a supervisor
    subject = next((f"{name} {first[column]}" for column, name in (
        ("case_id", "case"), ("guidance_id", "guidance"), ("mediation_id", "mediation"), ("letter_id", "letter"),
        ("form_id", "feedback form"), ("supervisor_id", "invited supervisor")) if first.get(column)),
        first.get("subject") or "record")
    print(f"issued: SHA-256 {digest} — {len(found)} issue(s), {subject}", file=sys.stderr)
    return 0
