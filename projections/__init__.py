"""Read models rebuilt from the ledger's notification log (work queues, the
registry, the audit log, statistics). Built in a later issue; nothing here yet."""
