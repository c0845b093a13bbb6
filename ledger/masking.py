"""Masking personal identifiers in what a reader is shown, by field.

An individual's resident ID number can appear in an event in two shapes: an
applicant-like record (``kind`` = individual beside ``id_number``: bookings,
and the parties of later modules) and a correction of an identifier field
(``FieldChange`` with the field's path, its ``old`` and ``new`` values).
Masking walks the event's data and masks those fields wherever they sit, so
an earlier number replaced by a correction is masked like the current one.
"""

from __future__ import annotations

from typing import Any

from ledger.identifiers import mask_id_number

INDIVIDUAL = "individual"

# Correctable fields (``FieldChange.field``) that hold an identifier.
IDENTIFIER_FIELDS = frozenset({"applicant.id_number"})


def mask_personal(data: Any, *, individual: bool) -> Any:
    """A copy of ``data`` (builtins: dicts, lists, strings…) with every
    resident ID number masked. ``individual``: the case's applicant is a
    person, so a correction of ``applicant.id_number`` changes a resident ID."""
    if isinstance(data, (list, tuple)):  # msgspec.to_builtins keeps tuples
        return [mask_personal(v, individual=individual) for v in data]
    if not isinstance(data, dict):
        return data
    out = {k: mask_personal(v, individual=individual) for k, v in data.items()}
    if out.get("kind") == INDIVIDUAL and isinstance(out.get("id_number"), str):
        out["id_number"] = mask_id_number(out["id_number"])
    if individual and out.get("field") in IDENTIFIER_FIELDS:
        for key in ("old", "new"):
            if isinstance(out.get(key), str):
                out[key] = mask_id_number(out[key])
    return out
