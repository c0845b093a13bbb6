"""Idempotency-Key: a retried command returns its first result and appends nothing."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import datetime, timezone

from ledger.errors import Conflict, InvalidInput
from ledger.settings import Settings
from ledger.store.sql import ViewDB


class IdempotencyStore:
    def __init__(self, settings: Settings) -> None:
        self.db = ViewDB(settings)

    def run(self, actor_id: str, key: str | None, request: bytes, fn: Callable[[], bytes]) -> bytes:
        if not key:
            return fn()
        if len(key) > 200:
            raise InvalidInput.one("Idempotency-Key", "too_long", "Idempotency-Key 不超过200个字符")
        digest = hashlib.sha256(request).hexdigest()
        conn = self.db.connect()
        try:
            with self.db.transaction(conn) as cur:
                row = cur.execute(
                    "SELECT request_hash, response FROM idempotency WHERE actor_id = %s AND key = %s", (actor_id, key)
                ).fetchone()
                if row is None:
                    cur.execute(
                        "INSERT INTO idempotency (actor_id, key, request_hash, status, response, created_at) "
                        "VALUES (%s, %s, %s, NULL, NULL, %s)",
                        (actor_id, key, digest, datetime.now(timezone.utc).isoformat()),
                    )
            if row is not None:
                if row[0] != digest:
                    raise InvalidInput.one(
                        "Idempotency-Key", "key_reused", "该 Idempotency-Key 已用于另一个不同的请求"
                    )
                if row[1] is None:
                    raise Conflict("相同 Idempotency-Key 的请求正在处理中，请稍后重试")
                return bytes(row[1])
            try:
                body = fn()
            except BaseException:
                with self.db.transaction(conn) as cur:  # nothing was written: the key may be retried
                    cur.execute("DELETE FROM idempotency WHERE actor_id = %s AND key = %s", (actor_id, key))
                raise
            with self.db.transaction(conn) as cur:
                cur.execute(
                    "UPDATE idempotency SET status = 200, response = %s WHERE actor_id = %s AND key = %s",
                    (body, actor_id, key),
                )
            return body
        finally:
            conn.close()

    def close(self) -> None:
        self.db.close()
