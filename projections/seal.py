"""The seal: a SHA-256 chain over every stored event, in notification order.

Canonical form of event n (all integers big-endian, unsigned):

    link(n) = u64(notification_id) || originator_id (16 bytes, RFC 4122 order)
              || u64(originator_version) || u32(len(topic)) || topic (UTF-8)
              || u32(len(state)) || state (the stored bytes, as stored)
    digest(0) = 32 zero bytes
    digest(n) = SHA-256(digest(n-1) || SHA-256(link(n)))

Hashing the link first lets a case's export bundle prove its events are in
the chain while giving only the 32-byte link hashes of everybody else's.

The chain is kept as a projection: one row per event (its digest), so that
``verify`` can name the first event that differs, plus checkpoints (digest,
last notification id, time) taken at an interval and on demand. A digest a
supervisor keeps outside the system proves that today's log extends it:
recompute the chain up to that notification id and compare.
"""

from __future__ import annotations

import hashlib
import struct
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from eventsourcing.utils import get_topic

from ledger.case import GuidanceCase
from ledger.settings import Settings
from ledger.store.sql import Cursor, Table, ViewDB
from projections.runner import utc_now_iso

GENESIS = bytes(32)
CHECKPOINT_EVERY = 10_000

CHAIN = Table(
    name="seal_chain",
    columns=(("notification_id", "BIGINT"), ("digest", "TEXT"), ("case_id", "TEXT")),
    key=("notification_id",),
    indexes=(("case_id",),),  # a case's positions, for its page and its bundle
)
CHECKPOINTS = Table(
    name="seal_checkpoint",
    columns=(("notification_id", "BIGINT"), ("digest", "TEXT"), ("taken_at", "TEXT"), ("reason", "TEXT")),
    key=("notification_id",),
)

_HEAD = struct.Struct(">Q16sQI")  # notification id, originator id, version, len(topic)
_U32 = struct.Struct(">I")


def _uuid_bytes(oid: Any) -> bytes:
    return oid.bytes if isinstance(oid, UUID) else UUID(str(oid)).bytes


def link(notification_id: int, originator_id: Any, version: int, topic: str, state: bytes) -> bytes:
    t = topic.encode("utf-8")
    return b"".join(
        (_HEAD.pack(notification_id, _uuid_bytes(originator_id), version, len(t)), t, _U32.pack(len(state)), state)
    )


def link_hash(notification_id: int, originator_id: Any, version: int, topic: str, state: bytes) -> bytes:
    return hashlib.sha256(link(notification_id, originator_id, version, topic, state)).digest()


def next_digest(previous: bytes, notification_id: int, originator_id: Any, version: int, topic: str, state: bytes) -> bytes:
    return hashlib.sha256(previous + link_hash(notification_id, originator_id, version, topic, state)).digest()


CASE_TOPIC = get_topic(GuidanceCase) + "."


class SealProjection:
    """Maintains the chain incrementally; reads the stored bytes, decodes nothing."""

    name = "seal"
    tables = (CHAIN, CHECKPOINTS)
    raw = True

    def __init__(self, checkpoint_every: int = CHECKPOINT_EVERY) -> None:
        self.checkpoint_every = checkpoint_every

    @staticmethod
    def wants(topic: str) -> bool:
        return True

    def apply(self, cur: Cursor, rows: list[tuple[Any, ...]], suffix: str = "") -> None:
        last = cur.execute(
            f"SELECT digest FROM {CHAIN.name}{suffix} ORDER BY notification_id DESC LIMIT 1"
        ).fetchone()
        digest = bytes.fromhex(last[0]) if last else GENESIS
        out, checkpoints = [], []
        for nid, oid, version, topic, state, _recorded_at in rows:
            digest = next_digest(digest, nid, oid, version, topic, bytes(state))
            case_id = str(UUID(str(oid))) if topic.startswith(CASE_TOPIC) else None
            out.append((nid, digest.hex(), case_id))
            if self.checkpoint_every and nid % self.checkpoint_every == 0:
                checkpoints.append((nid, digest.hex(), utc_now_iso(), "interval"))
        cur.insert_rows(CHAIN, out, suffix)
        cur.insert_rows(CHECKPOINTS, checkpoints, suffix)


@dataclass(frozen=True)
class Finding:
    """The outcome of a verification."""

    intact: bool
    position: int  # last notification verified (intact) or the first bad one
    digest: str  # digest at ``position`` (recomputed)
    problem: str | None = None  # altered | inserted | removed | reordered
    case_id: str | None = None
    detail: str = ""


def _chain(db: ViewDB, cur: Cursor, after: int, page: int = 20000) -> Iterator[tuple[int, str, str | None]]:
    position = after
    while True:
        rows = cur.execute(
            f"SELECT notification_id, digest, case_id FROM {CHAIN.name} WHERE notification_id > %s "
            "ORDER BY notification_id LIMIT %s",
            (position, page),
        ).fetchall()
        if not rows:
            return
        yield from rows
        position = rows[-1][0]


def _prefetched(pages: Iterator[list[tuple[Any, ...]]]) -> Iterator[tuple[Any, ...]]:
    """Read the next page in a thread while this one is hashed."""
    import queue
    import threading

    q: queue.Queue[Any] = queue.Queue(maxsize=2)
    done = object()

    def fill() -> None:
        try:
            for p in pages:
                q.put(p)
            q.put(done)
        except BaseException as e:  # handed over
            q.put(e)

    threading.Thread(target=fill, daemon=True).start()
    while True:
        item = q.get()
        if item is done:
            return
        if isinstance(item, BaseException):
            raise item
        yield from item


def _raw_pages(
    db: ViewDB, cur: Cursor, after: int, upto: int, page: int = 20000, as_bytes: bool = False
) -> Iterator[list[tuple[Any, ...]]]:
    """Pages of (notification id, originator id, version, topic, state).
    ``as_bytes``: on PostgreSQL the originator id comes as its 16 bytes and
    the topic as UTF-8 bytes, exactly as the link needs them."""
    if db.backend == "sqlite":
        sql = ("SELECT rowid, originator_id, originator_version, topic, state FROM stored_events "
               "WHERE rowid > %s AND rowid <= %s ORDER BY rowid LIMIT %s")
    elif as_bytes:
        sql = ("SELECT notification_id, uuid_send(originator_id), originator_version, convert_to(topic, 'UTF8'), "
               "state FROM ledger_events WHERE notification_id > %s AND notification_id <= %s "
               "ORDER BY notification_id LIMIT %s")
    else:
        sql = ("SELECT notification_id, originator_id, originator_version, topic, state FROM ledger_events "
               "WHERE notification_id > %s AND notification_id <= %s ORDER BY notification_id LIMIT %s")
    position = after
    while True:
        rows = cur.execute(sql, (position, upto, page), binary=True).fetchall()
        if not rows:
            return
        yield rows
        position = rows[-1][0]


def _raw_events(db: ViewDB, cur: Cursor, after: int, upto: int) -> Iterator[tuple[Any, ...]]:
    """The stored events as they are hashed (no recorded_at), in binary form."""
    for page in _raw_pages(db, cur, after, upto):
        yield from page


def _first_bad_segment(
    db: ViewDB, ecur: Cursor, marks: dict[int, str], start: tuple[int, bytes], head: int,
    progress: Callable[[int], None] | None,
) -> tuple[int, bytes] | None:
    """Fast pass: recompute the chain and compare it only at the checkpoints
    and the head. Returns the last good checkpoint before the first mismatch
    (where the exact comparison must start), or None if all marks match."""
    positions = sorted(p for p in marks if p > start[0])
    good, digest, i, count = start, start[1], 0, 0
    sha256, head_pack, u32 = hashlib.sha256, _HEAD.pack, _U32.pack
    for nid, oid, version, topic, state in _prefetched(_raw_pages(db, ecur, start[0], head, as_bytes=True)):
        if i < len(positions) and positions[i] < nid:
            return good  # a sealed mark was skipped: an event was removed
        # the link of ``link()``, inlined: this loop is verify's hot path
        t = topic if isinstance(topic, bytes) else topic.encode("utf-8")
        o = oid if isinstance(oid, bytes) else _uuid_bytes(oid)
        h = sha256(b"".join((head_pack(nid, o, version, len(t)), t, u32(len(state)), state))).digest()
        digest = sha256(digest + h).digest()
        if i < len(positions) and positions[i] == nid:
            if digest.hex() != marks[nid]:
                return good
            good = (nid, digest)
            i += 1
        count += 1
        if progress and count % 10000 == 0:
            progress(10000)
    return good if i < len(positions) else None


def verify(
    settings: Settings,
    *,
    from_position: int = 0,
    from_digest: str | None = None,
    progress: Callable[[int], None] | None = None,
) -> Finding:
    """Recompute the chain from the start (or from a checkpoint the operator
    trusts) and compare it with the seal: first at the checkpoints only, then,
    if a segment differs, event by event within it to name the first bad one."""
    db = ViewDB(settings)
    try:
        with db.reading() as ecur, db.reading() as ccur:
            if from_position and from_digest is None:
                row = ccur.execute(
                    f"SELECT digest FROM {CHECKPOINTS.name} WHERE notification_id = %s", (from_position,)
                ).fetchone()
                if row is None:
                    raise ValueError(f"no checkpoint at notification {from_position}")
                from_digest = row[0]
            start_digest = bytes.fromhex(from_digest) if from_digest else GENESIS
            # Only what has been sealed can be verified; later events are not
            # yet part of the chain (the seal runner will add them).
            head = int(ccur.scalar(f"SELECT COALESCE(MAX(notification_id), 0) FROM {CHAIN.name}"))
            if head <= from_position:
                return Finding(True, from_position, start_digest.hex())
            marks = dict(ccur.execute(
                f"SELECT notification_id, digest FROM {CHECKPOINTS.name} WHERE notification_id > %s "
                "AND notification_id <= %s", (from_position, head),
            ).fetchall())
            marks[head] = ccur.scalar(f"SELECT digest FROM {CHAIN.name} WHERE notification_id = %s", (head,))
            bad = _first_bad_segment(db, ecur, marks, (from_position, start_digest), head, progress)
            if bad is None:
                return Finding(True, head, marks[head])
            return _exact(db, ecur, ccur, bad, head)
    finally:
        db.close()


def _exact(db: ViewDB, ecur: Cursor, ccur: Cursor, start: tuple[int, bytes], head: int) -> Finding:
    """Compare event by event from ``start`` (a good position) and name the first bad event."""
    digest = start[1]
    sealed = _chain(db, ccur, start[0])
    for nid, oid, version, topic, state in _raw_events(db, ecur, start[0], head):
        case_id = str(UUID(str(oid))) if topic.startswith(CASE_TOPIC) else None
        expected = next(sealed, None)
        digest = next_digest(digest, nid, oid, version, topic, bytes(state))
        if expected is None:
            return Finding(False, nid, digest.hex(), "inserted", case_id, f"notification {nid} is not in the seal")
        sealed_nid, sealed_digest, sealed_case = expected
        if nid > sealed_nid:
            return Finding(False, sealed_nid, digest.hex(), "removed", sealed_case,
                           f"notification {sealed_nid} is sealed but no longer stored")
        if nid < sealed_nid:
            return Finding(False, nid, digest.hex(), "inserted", case_id,
                           f"notification {nid} is stored but was never sealed")
        if digest.hex() != sealed_digest:
            problem = "reordered" if sealed_case != case_id else "altered"
            return Finding(False, nid, digest.hex(), problem, case_id or sealed_case,
                           f"notification {nid} differs from what was sealed")
    leftover = next(sealed, None)
    if leftover is not None:
        return Finding(False, leftover[0], digest.hex(), "removed", leftover[2],
                       f"notification {leftover[0]} is sealed but no longer stored")
    # the marks disagreed but no event does: the seal's own rows were changed
    return Finding(False, start[0], start[1].hex(), "altered", None, "the seal's checkpoints were changed")


def take_checkpoint(settings: Settings, reason: str = "on demand") -> tuple[int, str]:
    """Record a checkpoint at the seal's current head; returns (position, digest)."""
    db = ViewDB(settings)
    conn = db.connect()
    try:
        with db.transaction(conn) as cur:
            row = cur.execute(
                f"SELECT notification_id, digest FROM {CHAIN.name} ORDER BY notification_id DESC LIMIT 1"
            ).fetchone()
            if row is None:
                return 0, GENESIS.hex()
            exists = cur.scalar(f"SELECT count(*) FROM {CHECKPOINTS.name} WHERE notification_id = %s", (row[0],))
            if not exists:
                cur.insert_rows(CHECKPOINTS, [(row[0], row[1], utc_now_iso(), reason)])
            return int(row[0]), row[1]
    finally:
        conn.close()
        db.close()


def extends(settings: Settings, position: int, digest: str) -> tuple[bool, str]:
    """Does today's stored log extend a digest taken earlier at ``position``?
    Recomputes the chain over the stored events up to ``position``."""
    db = ViewDB(settings)
    try:
        with db.reading() as cur:
            d, last = GENESIS, 0
            for nid, oid, version, topic, state in _raw_events(db, cur, 0, position):
                d = next_digest(d, nid, oid, version, topic, bytes(state))
                last = nid
            return (last == position and d.hex() == digest.lower()), d.hex()
    finally:
        db.close()


def export_case(settings: Settings, case_id: UUID) -> dict[str, Any]:
    """A bundle a verifier checks offline: the case's stored events in full,
    the link hash of every other event from just before the case's first
    event to the seal's head, and the digests at both ends."""
    import base64

    db = ViewDB(settings)
    try:
        with db.reading() as ecur, db.reading() as ccur:
            head = int(ccur.scalar(f"SELECT COALESCE(MAX(notification_id), 0) FROM {CHAIN.name}"))
            rows = ccur.execute(
                f"SELECT notification_id FROM {CHAIN.name} WHERE case_id = %s ORDER BY notification_id LIMIT 1",
                (str(case_id),),
            ).fetchone()
            if rows is None:
                raise ValueError(f"case {case_id} is not (yet) sealed")
            first = int(rows[0])
            start = ccur.execute(
                f"SELECT digest FROM {CHAIN.name} WHERE notification_id < %s ORDER BY notification_id DESC LIMIT 1",
                (first,),
            ).fetchone()
            start_position = int(
                ccur.scalar(f"SELECT COALESCE(MAX(notification_id), 0) FROM {CHAIN.name} WHERE notification_id < %s", (first,))
            )
            entries = []
            for nid, oid, version, topic, state in _raw_events(db, ecur, start_position, head):
                if str(UUID(str(oid))) == str(case_id):
                    entries.append({
                        "notification_id": nid, "originator_id": str(UUID(str(oid))), "originator_version": version,
                        "topic": topic, "state_base64": base64.b64encode(bytes(state)).decode("ascii"),
                    })
                else:
                    entries.append({"notification_id": nid,
                                    "link_sha256": link_hash(nid, oid, version, topic, bytes(state)).hex()})
            head_digest = ccur.scalar(f"SELECT digest FROM {CHAIN.name} WHERE notification_id = %s", (head,))
            return {
                "format": "guidance-ledger-case-bundle/1",
                "case_id": str(case_id),
                "chain": "digest(n) = SHA-256(digest(n-1) || SHA-256(link(n))); see verify_bundle.py",
                "start": {"notification_id": start_position, "digest": start[0] if start else GENESIS.hex()},
                "entries": entries,
                "head": {"notification_id": head, "digest": head_digest},
            }
    finally:
        db.close()


def case_positions(cur: Cursor, case_id: UUID) -> dict[int, tuple[int, str]]:
    """Where a case's sealed events stand in the chain: version → (notification
    id, digest after it). A case's events are sealed in version order; events
    the seal has not reached yet are absent."""
    rows = cur.execute(
        f"SELECT notification_id, digest FROM {CHAIN.name} WHERE case_id = %s ORDER BY notification_id", (str(case_id),)
    ).fetchall()
    return {version: (int(nid), digest) for version, (nid, digest) in enumerate(rows, start=1)}


def current_digest(settings: Settings) -> tuple[int, str]:
    db = ViewDB(settings)
    try:
        with db.reading() as cur:
            row = cur.execute(
                f"SELECT notification_id, digest FROM {CHAIN.name} ORDER BY notification_id DESC LIMIT 1"
            ).fetchone()
            return (int(row[0]), row[1]) if row else (0, GENESIS.hex())
    finally:
        db.close()
