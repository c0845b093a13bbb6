"""The catalogue of guidance matters (行政指导事项目录清单): publishing,
importing from CSV/XLSX, amending and repealing an authority's catalogue,
setting its list of guidance methods, and browsing it by date and version.

Like the four lists it is published law, open to every signed-in reader
(and to anyone on the public page, ``ledger_http.web.public``); its editors
are the authority's own staff and the administrators.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from functools import partial
from typing import Any
from uuid import UUID

import anyio
import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath, JSONBody, QueryParameter

from ledger.errors import InvalidInput, NotFound
from ledger.matters import GuidanceMatterCatalogue, require_editor
from ledger.matters.commands import (
    AmendMatterItem,
    PublishMatterEdition,
    RepealMatterEdition,
    RepealMatterItem,
    SetGuidanceMethods,
)
from ledger.matters.importing import parse_matters
from ledger.matters.values import MatterEdition
from ledger.values import CST
from ledger_http.catalogue import _uploaded_file
from ledger_http.common.auth import AuthUser
from ledger_http.common.commanding import execute
from ledger_http.common.errors import ERRORS
from ledger_http.common.reading import wait_for_reads
from ledger_http.common.schemas import CommandResult, command_body

AnyRequest = Request[AuthUser, Any, Any]

PublishBody = command_body(PublishMatterEdition, "PublishMatterEditionBody", exclude=("authority",))
AmendBody = command_body(AmendMatterItem, "AmendMatterItemBody", exclude=("authority", "version"))
RepealItemBody = command_body(RepealMatterItem, "RepealMatterItemBody", exclude=("authority", "version"))
RepealEditionBody = command_body(RepealMatterEdition, "RepealMatterEditionBody", exclude=("authority", "version"))
MethodsBody = command_body(SetGuidanceMethods, "SetGuidanceMethodsBody", exclude=("authority",))


def matter_catalogue(ledger: Any, authority: str) -> GuidanceMatterCatalogue:
    """The authority's catalogue with at least one edition, else 404."""
    catalogue = ledger.matter_catalogue(authority, for_update=False)
    if catalogue is None or not catalogue.editions:
        raise NotFound(f"{authority}尚未发布行政指导事项目录", code="matters_not_found")
    return catalogue


def editions(catalogue: GuidanceMatterCatalogue) -> list[MatterEdition]:
    return sorted(catalogue.editions.values(), key=lambda e: e.effective_from)


def edition_summary(catalogue: GuidanceMatterCatalogue, edition: MatterEdition) -> dict[str, Any]:
    return {
        "version": edition.version,
        "title": edition.title,
        "document_number": edition.document_number,
        "effective_from": edition.effective_from,
        "in_force_until": catalogue.ends[edition.version],
        "supersedes": edition.supersedes,
        "item_count": len(edition.items),
    }


def matters_on(catalogue: GuidanceMatterCatalogue, day: date, version: str | None = None) -> dict[str, Any]:
    """The catalogue as it stands on ``day``: editions, methods, items in force
    (what the API's browse and the public page show)."""
    return {
        "authority": catalogue.authority,
        "on": day,
        "methods": catalogue.methods,
        "editions": [
            {**edition_summary(catalogue, e), "in_force": catalogue.edition_in_force(e.version, day)}
            for e in editions(catalogue)
        ],
        "items": [
            {"version": i.version, "ref": i.ref, "valid_from": i.valid_from, "valid_until": i.valid_until,
             **msgspec.to_builtins(i.item)}
            for i in catalogue.items_on(day, version=version)
        ],
    }


def matter_summaries(state: Any) -> list[dict[str, Any]]:
    """Every authority with a catalogue of guidance matters, its methods and editions."""
    out = []
    for aggregate_id in state.views.aggregate_ids("guidance_matters"):
        catalogue = state.ledger.repository.get(UUID(aggregate_id), deepcopy_from_cache=False)
        out.append({
            "authority": catalogue.authority,
            "methods": catalogue.methods,
            "methods_set": catalogue.own_methods is not None,
            "editions": [edition_summary(catalogue, e) for e in editions(catalogue)],
        })
    return sorted(out, key=lambda x: x["authority"])


def import_command(
    ledger: Any, authority: str, data: bytes, edition_of: Callable[..., MatterEdition], *, basis: str | None
) -> PublishMatterEdition:
    """The command publishing the edition in ``data`` (CSV or XLSX, docs/GUIDANCE-MATTERS.md),
    its methods checked against the authority's list; ``InvalidInput`` names every bad row and column.
    ``edition_of(items=...)`` makes the edition from the form's or query's fields."""
    edition = edition_of(items=parse_matters(data, ledger.authority_methods(authority)))
    return PublishMatterEdition(authority=authority, edition=edition, basis=basis)


def today() -> date:
    return datetime.now(CST).date()


class MatterController(Controller):
    path = "/guidance-matters"
    tags = ["guidance matters"]

    # ------------------------------------------------------------ commands

    @post("/{authority:str}/editions", responses=ERRORS, operation_id="publishGuidanceMatterEdition", status_code=201, sync_to_thread=True)
    def publish(self, request: AnyRequest, authority: FromPath[str], data: JSONBody[PublishBody]) -> Response[CommandResult]:
        """发布 an edition of an authority's catalogue of guidance matters.
        Its unit staff or an administrator."""
        return execute(request, PublishMatterEdition(authority=authority, **msgspec.structs.asdict(data)), status=201)

    @post("/{authority:str}/imports", responses=ERRORS, operation_id="importGuidanceMatterEdition", status_code=201)
    async def import_edition(
        self,
        request: AnyRequest,
        authority: FromPath[str],
        version: str = QueryParameter(name="version", description="e.g. 2026版"),
        title: str = QueryParameter(name="title"),
        effective_from: date = QueryParameter(name="effective_from"),
        document_number: str = QueryParameter(name="document_number", default="", description="发布文号"),
        effective_until: date | None = QueryParameter(name="effective_until", default=None),
        supersedes: str | None = QueryParameter(name="supersedes", default=None),
        basis: str | None = QueryParameter(name="basis", default=None),
    ) -> Response[CommandResult]:
        """Import an edition from a CSV (UTF-8 or GBK) or XLSX file in the
        format of docs/GUIDANCE-MATTERS.md, sent as the raw body or as the
        ``file`` field of a multipart/form-data upload. If any row is invalid,
        nothing is imported and the 422 names every bad row and column."""
        require_editor(request.user.actor, authority)  # before reading the upload
        body = await _uploaded_file(request)
        edition_of = partial(MatterEdition, version=version, title=title, document_number=document_number,
                             effective_from=effective_from, effective_until=effective_until, supersedes=supersedes)

        def run() -> Response[CommandResult]:
            cmd = import_command(request.app.state.ledger, authority, body, edition_of, basis=basis)
            return execute(request, cmd, status=201)

        return await anyio.to_thread.run_sync(run)

    @post("/{authority:str}/editions/{version:str}/amendments", responses=ERRORS, operation_id="amendGuidanceMatter", status_code=200, sync_to_thread=True)
    def amend(self, request: AnyRequest, authority: FromPath[str], version: FromPath[str], data: JSONBody[AmendBody]) -> Response[CommandResult]:
        """修订 (or add) a matter from a date; the old text stays in force before it."""
        return execute(request, AmendMatterItem(authority=authority, version=version, **msgspec.structs.asdict(data)))

    @post("/{authority:str}/editions/{version:str}/item-repeals", responses=ERRORS, operation_id="repealGuidanceMatter", status_code=200, sync_to_thread=True)
    def repeal_item(self, request: AnyRequest, authority: FromPath[str], version: FromPath[str], data: JSONBody[RepealItemBody]) -> Response[CommandResult]:
        """废止 a matter from a date."""
        return execute(request, RepealMatterItem(authority=authority, version=version, **msgspec.structs.asdict(data)))

    @post("/{authority:str}/editions/{version:str}/repeal", responses=ERRORS, operation_id="repealGuidanceMatterEdition", status_code=200, sync_to_thread=True)
    def repeal_edition(self, request: AnyRequest, authority: FromPath[str], version: FromPath[str], data: JSONBody[RepealEditionBody]) -> Response[CommandResult]:
        """废止 a whole edition from a date."""
        return execute(request, RepealMatterEdition(authority=authority, version=version, **msgspec.structs.asdict(data)))

    @post("/{authority:str}/methods", responses=ERRORS, operation_id="setGuidanceMethods", status_code=200, sync_to_thread=True)
    def methods(self, request: AnyRequest, authority: FromPath[str], data: JSONBody[MethodsBody]) -> Response[CommandResult]:
        """The authority's list of guidance methods (行政指导方式), replacing the
        seeds' (or its earlier list); a method an item in force still names stays."""
        return execute(request, SetGuidanceMethods(authority=authority, **msgspec.structs.asdict(data)))

    # --------------------------------------------------------------- reads

    @get("/", responses=ERRORS, operation_id="listGuidanceMatterCatalogues", sync_to_thread=True)
    def list_catalogues(
        self, request: AnyRequest, wait_for: int | None = QueryParameter(name="wait_for", default=None, ge=0, le=2**62)
    ) -> list[dict[str, Any]]:
        """Every authority with a catalogue of guidance matters: its methods and editions."""
        wait_for_reads(request, ("audit",), wait_for)
        return matter_summaries(request.app.state)

    @get("/{authority:str}", responses=ERRORS, operation_id="browseGuidanceMatters", sync_to_thread=True)
    def browse(
        self,
        request: AnyRequest,
        authority: FromPath[str],
        on: date | None = QueryParameter(name="on", default=None, description="the day (default: today)"),
        version: str | None = QueryParameter(name="version", default=None),
    ) -> dict[str, Any]:
        """The matters in force on a day (optionally of one edition), with the
        editions and the authority's methods."""
        catalogue = matter_catalogue(request.app.state.ledger, authority)
        if version is not None and version not in catalogue.editions:
            raise InvalidInput.one("version", "unknown_version", f"{authority}没有发布行政指导事项目录版本“{version}”")
        return matters_on(catalogue, on or today(), version)

    @get("/{authority:str}/editions/{version:str}", responses=ERRORS, operation_id="getGuidanceMatterEdition", sync_to_thread=True)
    def edition(self, request: AnyRequest, authority: FromPath[str], version: FromPath[str]) -> dict[str, Any]:
        """One edition as published, with every revision of every matter (valid from/until)."""
        catalogue = matter_catalogue(request.app.state.ledger, authority)
        if version not in catalogue.editions:
            raise NotFound(f"{authority}没有发布行政指导事项目录版本“{version}”", code="version_not_found")
        revisions = {number: [msgspec.to_builtins(r) for r in history]
                     for (v, number), history in sorted(catalogue.revisions.items()) if v == version}
        return {**msgspec.to_builtins(catalogue.editions[version]), "in_force_until": catalogue.ends[version],
                "revisions": revisions}
