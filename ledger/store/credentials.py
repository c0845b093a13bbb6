"""Password hashes (argon2) in the ``credentials`` table
(migrations/*/…_http.sql), never in the event log: the log records *that* a
password was set, by whom and when. argon2-cffi is the reference binding of
the password hashing competition's winner; its defaults follow RFC 9106."""

from __future__ import annotations

from datetime import datetime, timezone

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from ledger.errors import InvalidInput
from ledger.settings import Settings
from ledger.store.sql import ViewDB

MIN_PASSWORD = 10


class CredentialStore:
    def __init__(self, settings: Settings) -> None:
        self.db = ViewDB(settings)
        self.hasher = PasswordHasher()

    def set_password(self, username: str, password: str) -> None:
        if len(password or "") < MIN_PASSWORD:
            raise InvalidInput.one("password", "password_too_short", f"密码至少{MIN_PASSWORD}位")
        hashed = self.hasher.hash(password)
        conn = self.db.connect()
        try:
            with self.db.transaction(conn) as cur:
                cur.execute("DELETE FROM credentials WHERE username = %s", (username,))
                cur.execute(
                    "INSERT INTO credentials (username, password_hash, updated_at) VALUES (%s, %s, %s)",
                    (username, hashed, datetime.now(timezone.utc).isoformat()),
                )
        finally:
            conn.close()

    def verify(self, username: str, password: str) -> bool:
        with self.db.reading() as cur:
            hashed = cur.scalar("SELECT password_hash FROM credentials WHERE username = %s", (username,))
        if hashed is None:
            # spend the same time as a real check, so usernames can't be probed
            self.hasher.hash(password or "x")
            return False
        try:
            return self.hasher.verify(hashed, password)
        except (VerificationError, InvalidHashError):
            return False

    def close(self) -> None:
        self.db.close()
