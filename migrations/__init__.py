"""The store's schema: ``postgres/`` and ``sqlite/`` hold yoyo-migrations SQL
files (installed as the package ``ledger_migrations``; see ``ledger.store.migrate``)."""
