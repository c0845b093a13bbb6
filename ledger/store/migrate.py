"""Apply ``migrations/<backend>/`` with yoyo-migrations.

yoyo records what it applied in its own table and takes a lock while applying,
so running ``ledger migrate`` twice, or from two processes at once, is safe.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

from yoyo import get_backend, read_migrations

from ledger.settings import Settings

# migrations/ is installed as the package ledger_migrations (setup.py), so
# that a regular (non-editable) install finds its SQL files too.
MIGRATIONS = Path(str(files("ledger_migrations")))


def migrate(settings: Settings) -> list[str]:
    """Apply pending migrations; return the ids of those applied now."""
    if settings.backend == "postgres" and settings.pg_schema != "public":
        import psycopg
        from psycopg import sql

        with psycopg.connect(settings.dsn, autocommit=True) as conn:
            conn.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(settings.pg_schema)))
    backend = get_backend(settings.yoyo_url())
    try:
        migrations = read_migrations(str(MIGRATIONS / settings.backend))
        with backend.lock():
            pending = backend.to_apply(migrations)
            backend.apply_migrations(pending)
        return [m.id for m in pending]
    finally:
        backend.connection.close()
