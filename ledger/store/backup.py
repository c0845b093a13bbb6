"""Backups of a store, portable between SQLite and PostgreSQL.

A backup is what cannot be derived: the stored events, and beside the log
the tables that are no projection of it —

- ``events``: every stored event as stored (originator id, version, topic,
  the stored state bytes, base64) with its notification id and recording
  time. Notification ids are kept (PostgreSQL's may have gaps) because the
  seal chain hashes them: the restored chain's digest is the one printed at
  backup;
- ``credentials``: the password hashes (argon2). Without them nobody could
  sign in after a restore; it makes the file a secret to keep like the
  database itself;
- ``idempotency``: the first answers of commands sent with an
  Idempotency-Key, so that a client retrying across a restore gets its
  answer instead of running its command twice;
- ``access_log``: who saw resident IDs in full, with its own chain — a
  record the law asks for, and no projection of the events.

Not in it: the views (registry, queues, audit, the seal itself…) and their
tracking rows — the runners rebuild them from the events after a restore
(``ledger serve`` or ``ledger project``), so a backup cannot disagree with
its own log; and yoyo's bookkeeping, which ``migrate`` writes.

Format, version 1: gzip'd JSON lines. The first line is the header
(``format``, ``version``, ``created_at``, the source backend), then one line
per event (``{"t": "event", ...}``) in notification order, one per row of the
other tables (``{"t": "row", "table": ..., "row": {...}}``, bytes as
``{"$b64": ...}``), and last a trailer (``{"t": "end", ...}``) with the
counts, the last notification id and the chain digest. A file without its
trailer (cut off) or whose events do not hash to its digest is refused and
nothing is restored: a restore is one transaction.
"""

from __future__ import annotations

import base64
import gzip
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import IO, Any
from uuid import UUID

from ledger.errors import LedgerError
from ledger.settings import Settings
from ledger.store.migrate import migrate
from ledger.store.sql import Cursor, ViewDB

FORMAT, VERSION = "guidance-ledger-backup", 1
TABLES = ("credentials", "idempotency", "access_log")
GENESIS = bytes(32)
# (previous digest, notification id, originator id, version, topic, state) -> digest:
# the seal's step (projections.seal.next_digest), handed in by the caller.
Chain = Callable[[bytes, int, Any, int, str, bytes], bytes]


class BackupError(LedgerError):
    code = "backup_refused"


@dataclass
class Summary:
    """What a backup holds (or a restore wrote)."""

    events: int = 0
    head: int = 0  # the last notification id
    digest: str = GENESIS.hex()  # the seal chain's digest at ``head``
    rows: dict[str, int] = field(default_factory=dict)


def _utc(value: Any) -> str:
    """A recording time as UTC ISO text (SQLite stores text, PostgreSQL timestamptz)."""
    moment = datetime.fromisoformat(value.replace("Z", "+00:00")) if isinstance(value, str) else value
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc).isoformat(timespec="microseconds")


def _encode(value: Any) -> Any:
    if isinstance(value, (bytes, bytearray, memoryview)):
        return {"$b64": base64.b64encode(bytes(value)).decode("ascii")}
    return value


def _decode(value: Any) -> Any:
    if isinstance(value, dict) and "$b64" in value:
        return base64.b64decode(value["$b64"])
    return value


def _line(out: IO[bytes], record: dict[str, Any]) -> None:
    out.write(json.dumps(record, ensure_ascii=False, separators=(",", ":")).encode("utf-8") + b"\n")


# ------------------------------------------------------------------ backup


def _events(db: ViewDB, conn: Any) -> Iterator[tuple[int, str, int, str, bytes, Any]]:
    if db.backend == "sqlite":
        cur = conn.execute("SELECT rowid, originator_id, originator_version, topic, state, recorded_at "
                           "FROM stored_events ORDER BY rowid")
    else:  # a server-side cursor: the log streams through, whatever its size
        cur = conn.cursor(name="ledger_backup")
        cur.itersize = 5000
        cur.execute("SELECT notification_id, originator_id, originator_version, topic, state, recorded_at "
                    "FROM ledger_events ORDER BY notification_id")
    for nid, oid, version, topic, state, at in cur:
        yield int(nid), str(UUID(str(oid))), int(version), topic, bytes(state), at


def _table_rows(conn: Any, db: ViewDB, table: str) -> Iterator[dict[str, Any]]:
    cur = Cursor(db, conn.cursor())
    if not cur.columns(table):
        return  # a store from before the table's migration
    cur.execute(f"SELECT * FROM {table}")
    names = [d[0] for d in cur.cursor.description]
    for row in cur.cursor.fetchall():
        yield {n: _encode(v) for n, v in zip(names, row)}


def backup(settings: Settings, out: IO[bytes], chain: Chain, now: str | None = None) -> Summary:
    """Write the store to ``out`` (a binary file) from one consistent snapshot."""
    db = ViewDB(settings)
    conn = db.connect()
    summary = Summary()
    digest = GENESIS
    try:
        if db.backend == "sqlite":
            conn.execute("BEGIN")  # a read transaction: one snapshot (WAL) while writers go on
        else:
            conn.autocommit = False
            conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        with gzip.GzipFile(fileobj=out, mode="wb", mtime=0) as z:
            _line(z, {"format": FORMAT, "version": VERSION, "created_at": now or datetime.now(timezone.utc).isoformat(),
                      "source": db.backend, "tables": ["events", *TABLES]})
            for nid, oid, version, topic, state, at in _events(db, conn):
                digest = chain(digest, nid, oid, version, topic, state)
                _line(z, {"t": "event", "n": nid, "o": oid, "v": version, "topic": topic,
                          "state": base64.b64encode(state).decode("ascii"), "at": _utc(at)})
                summary.events += 1
                summary.head = nid
            for table in TABLES:
                summary.rows[table] = 0
                for row in _table_rows(conn, db, table):
                    _line(z, {"t": "row", "table": table, "row": row})
                    summary.rows[table] += 1
            summary.digest = digest.hex()
            _line(z, {"t": "end", "events": summary.events, "head": summary.head, "digest": summary.digest,
                      "rows": summary.rows})
    finally:
        if db.backend == "sqlite":
            conn.execute("ROLLBACK")
        else:
            conn.rollback()
        conn.close()
    return summary


# ----------------------------------------------------------------- restore


def _records(source: IO[bytes]) -> Iterator[dict[str, Any]]:
    try:
        with gzip.GzipFile(fileobj=source, mode="rb") as z:
            for raw in z:
                yield json.loads(raw)
    except (OSError, EOFError, ValueError) as e:  # not gzip, cut off mid-stream, not JSON
        raise BackupError(f"备份文件无法读取（不是本系统的备份，或文件不完整）：{e}") from None


def _contents(cur: Cursor) -> dict[str, int]:
    """What the store holds already (empty: every count 0)."""
    out = {"events": int(cur.scalar(f"SELECT count(*) FROM {cur.db.events_table}") or 0)}
    for table in TABLES:
        if cur.columns(table):
            out[table] = int(cur.scalar(f"SELECT count(*) FROM {table}") or 0)
    return out


def restore(settings: Settings, source: IO[bytes], chain: Chain) -> Summary:
    """Restore a backup into an empty store (migrated first) in one
    transaction; refuse a store that holds anything, a file of another
    format or version, a file cut off, or events that do not hash to the
    file's digest."""
    migrate(settings)
    db = ViewDB(settings)
    conn = db.connect()
    try:
        with db.transaction(conn) as cur:
            held = {k: v for k, v in _contents(cur).items() if v}
            if held:
                what = "、".join(f"{k} {v}条" for k, v in held.items())
                raise BackupError(f"只能恢复到空的存储：目标已有数据（{what}）。请新建一个数据库或 schema 再恢复")
            return _restore_into(cur, _records(source), chain)
    finally:
        conn.close()


def _restore_into(cur: Cursor, records: Iterator[dict[str, Any]], chain: Chain) -> Summary:
    db = cur.db
    header = next(records, None)
    if not header or header.get("format") != FORMAT:
        raise BackupError("不是本系统的备份文件（缺少文件头 guidance-ledger-backup）")
    if header.get("version") != VERSION:
        raise BackupError(f"备份格式版本 {header.get('version')} 不受支持（本程序读取版本 {VERSION}）")
    summary, digest, trailer = Summary(), GENESIS, None
    batch: list[tuple[Any, ...]] = []
    columns = {t: cur.columns(t) for t in TABLES}

    def flush() -> None:
        if not batch:
            return
        if db.backend == "sqlite":
            cur.executemany("INSERT INTO stored_events (rowid, originator_id, originator_version, topic, state, "
                            "recorded_at) VALUES (%s, %s, %s, %s, %s, %s)", batch)
        else:
            with cur.cursor.copy("COPY ledger_events (notification_id, originator_id, originator_version, topic, "
                                 "state, recorded_at) FROM STDIN") as copy:
                for row in batch:
                    copy.write_row(row)
        batch.clear()

    for record in records:
        kind = record.get("t")
        if kind == "event":
            nid, oid, version, topic = int(record["n"]), record["o"], int(record["v"]), record["topic"]
            state = base64.b64decode(record["state"])
            if nid <= summary.head:
                raise BackupError(f"备份文件中的通知序号不递增（{nid}），文件已损坏")
            digest = chain(digest, nid, oid, version, topic, state)
            uid = UUID(oid)
            batch.append((nid, uid.hex if db.backend == "sqlite" else uid, version, topic, state, db.utc_key(record["at"])))
            summary.events += 1
            summary.head = nid
            if len(batch) >= 5000:
                flush()
        elif kind == "row":
            flush()
            table = record["table"]
            if table not in TABLES or not columns.get(table):
                raise BackupError(f"备份文件中的表 {table} 在目标存储中不存在")
            row = {k: _decode(v) for k, v in record["row"].items() if k in columns[table]}
            names = list(row)
            cur.execute(f"INSERT INTO {table} ({', '.join(names)}) VALUES ({', '.join(['%s'] * len(names))})",
                        [row[n] for n in names])
            summary.rows[table] = summary.rows.get(table, 0) + 1
        elif kind == "end":
            trailer = record
            break
        else:
            raise BackupError(f"备份文件中有无法识别的记录类型：{kind!r}")
    flush()
    if trailer is None:
        raise BackupError("备份文件不完整（缺少结尾记录），未恢复任何数据")
    summary.digest = digest.hex()
    if trailer["events"] != summary.events or trailer["digest"] != summary.digest:
        raise BackupError(f"备份文件的事件与其摘要不符（文件记载 {trailer['events']} 条、摘要 {trailer['digest']}；"
                          f"读到 {summary.events} 条、摘要 {summary.digest}），未恢复任何数据")
    if any(trailer["rows"].get(t, 0) != summary.rows.get(t, 0) for t in set(trailer["rows"]) | set(summary.rows)):
        raise BackupError("备份文件各表的行数与结尾记录不符，未恢复任何数据")
    if db.backend == "postgres" and summary.head:
        # the next event continues after the restored ones
        cur.execute("SELECT setval(pg_get_serial_sequence('ledger_events', 'notification_id'), %s)", (summary.head,))
    return summary
