"""What every HTTP slice stands on: authentication, errors, idempotent
commanding, the reading helpers (scope, read-your-writes, CSV), wire types."""
