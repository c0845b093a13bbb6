"""Named errors of the ledger.

Every error carries a stable English ``code`` (for programs) and a Chinese
``message`` (for the clerks who read it). Raising any of them from a decide
method means nothing was appended.
"""

from __future__ import annotations

from dataclasses import dataclass


class LedgerError(Exception):
    """Base class of every error the ledger raises on purpose."""

    code = "ledger_error"

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"


@dataclass(frozen=True)
class FieldError:
    """One invalid field: where, a stable code, and why (in Chinese)."""

    field: str
    code: str
    message: str

    def __str__(self) -> str:
        return f"{self.field}: {self.message} ({self.code})"


class InvalidInput(LedgerError):
    """The command's data is invalid; ``errors`` names each field and why."""

    code = "invalid_input"

    def __init__(self, errors: list[FieldError] | tuple[FieldError, ...]) -> None:
        self.errors = tuple(errors)
        super().__init__("；".join(str(e) for e in self.errors) or "输入无效")

    @classmethod
    def one(cls, field: str, code: str, message: str) -> InvalidInput:
        return cls([FieldError(field, code, message)])


class NotFound(LedgerError):
    code = "not_found"


class CaseNotFound(NotFound):
    code = "case_not_found"


class WrongState(LedgerError):
    """The command is not allowed in the case's current state."""

    code = "wrong_state"


class NotAllowed(LedgerError):
    """The actor's role or unit may not perform this command."""

    code = "not_allowed"


class Conflict(LedgerError):
    """Someone else changed the aggregate first; reload and decide again."""

    code = "conflict"

    def __init__(self, message: str, *, current_version: int | None = None) -> None:
        super().__init__(message)
        self.current_version = current_version


class Incomplete(LedgerError):
    """The file is not complete enough for the step (e.g. archiving)."""

    code = "incomplete"
