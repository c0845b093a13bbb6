"""The four lists (四张清单): publishing, amending and repealing an
authority's catalogue, importing an edition from CSV/XLSX, and browsing it
by authority, list, version and date."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from functools import partial
from typing import Any
from uuid import UUID

import anyio
import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.datastructures import UploadFile
from litestar.params import FromPath, JSONBody, QueryParameter

from ledger.catalogue import DEFAULT_LISTS, Edition, FourListsCatalogue, require_editor
from ledger.catalogue.commands import (
    AmendListItem,
    PublishCatalogueEdition,
    RepealCatalogueEdition,
    RepealListItem,
    SetLegalReviewPolicy,
)
from ledger.catalogue.importing import parse_items
from ledger.errors import InvalidInput, NotFound
from ledger.values import CST
from ledger_http.common import schemas as s
from ledger_http.common.auth import AuthUser
from ledger_http.common.commanding import execute
from ledger_http.common.errors import ERRORS
from ledger_http.common.reading import wait_for_reads

AnyRequest = Request[AuthUser, Any, Any]


def _catalogue(request: AnyRequest, authority: str) -> FourListsCatalogue:
    catalogue = request.app.state.ledger.catalogue(authority)
    if catalogue is None:
        raise NotFound(f"{authority}尚未发布四张清单", code="catalogue_not_found")
    return catalogue


def _edition_view(catalogue: FourListsCatalogue, version: str) -> dict[str, Any]:
    edition = catalogue.editions[version]
    revisions = {
        f"{code}/{number}": [msgspec.to_builtins(r) for r in history]
        for (v, code, number), history in sorted(catalogue.revisions.items())
        if v == version
    }
    return {
        **msgspec.to_builtins(msgspec.structs.replace(edition, items=())),
        "in_force_until": catalogue.ends[version],
        "revisions": revisions,
    }


async def _uploaded_file(request: AnyRequest) -> bytes:
    """The file: the raw body, or the ``file`` part (else the first file) of
    a multipart/form-data upload, as a browser form sends it."""
    if not request.headers.get("content-type", "").startswith("multipart/form-data"):
        return await request.body()
    form = await request.form()
    parts = [form.get("file"), *form.values()]
    for part in parts:
        if isinstance(part, UploadFile):
            return await part.read()
    raise InvalidInput.one("file", "no_file", "表单中没有上传文件（字段名 file）")


def _edition_summary(catalogue: FourListsCatalogue, edition: Edition) -> dict[str, Any]:
    return {
        "version": edition.version,
        "title": edition.title,
        "document_number": edition.document_number,
        "effective_from": edition.effective_from,
        "in_force_until": catalogue.ends[edition.version],
    }


def _editions(catalogue: FourListsCatalogue) -> list[Edition]:
    return sorted(catalogue.editions.values(), key=lambda e: e.effective_from)


def import_command(
    ledger: Any, authority: str, data: bytes, edition_of: Callable[..., Edition], *, basis: str | None,
    list_code: str | None,
) -> PublishCatalogueEdition:
    """The command publishing the edition in ``data`` (CSV or XLSX, docs/FOUR-LISTS.md),
    read against the authority's current lists; ``InvalidInput`` names every bad row and column.
    ``edition_of(lists=..., items=...)`` makes the edition from the form's or query's fields."""
    catalogue = ledger.catalogue(authority)
    lists = catalogue.latest_lists() if catalogue else DEFAULT_LISTS
    edition = edition_of(lists=lists, items=parse_items(data, lists, default_list=list_code))
    return PublishCatalogueEdition(authority=authority, edition=edition, basis=basis)


def catalogue_summaries(state: Any) -> list[dict[str, Any]]:
    """Every authority that has published four lists, with its editions (listCatalogues)."""
    out = []
    for aggregate_id in state.views.aggregate_ids("catalogue"):
        catalogue = state.ledger.repository.get(UUID(aggregate_id), deepcopy_from_cache=False)
        out.append(
            {
                "authority": catalogue.authority,
                "legal_review_required": catalogue.legal_review_required,
                "editions": [_edition_summary(catalogue, e) for e in _editions(catalogue)],
            }
        )
    return sorted(out, key=lambda x: x["authority"])


class CatalogueController(Controller):
    path = "/catalogues"
    tags = ["four lists"]

    # ------------------------------------------------------------ commands

    @post("/{authority:str}/editions", responses=ERRORS, operation_id="publishCatalogueEdition", status_code=201, sync_to_thread=True)
    def publish(self, request: AnyRequest, authority: FromPath[str], data: JSONBody[s.PublishEditionBody]) -> Response[s.CommandResult]:
        """发布 an edition (lists, items, validity) of an authority's four lists.
        Its unit staff or an administrator."""
        cmd = PublishCatalogueEdition(authority=authority, **msgspec.structs.asdict(data))
        return execute(request, cmd, status=201)

    @post("/{authority:str}/imports", responses=ERRORS, operation_id="importCatalogueEdition", status_code=201)
    async def import_edition(
        self,
        request: AnyRequest,
        authority: FromPath[str],
        version: str = QueryParameter(name="version", description="e.g. 2025版"),
        title: str = QueryParameter(name="title"),
        effective_from: date = QueryParameter(name="effective_from"),
        document_number: str = QueryParameter(name="document_number", default="", description="发布文号"),
        effective_until: date | None = QueryParameter(name="effective_until", default=None),
        supersedes: str | None = QueryParameter(name="supersedes", default=None),
        basis: str | None = QueryParameter(name="basis", default=None),
        list_code: str | None = QueryParameter(
            name="list", default=None, description="the list of every row, for a file without a 清单 column"
        ),
    ) -> Response[s.CommandResult]:
        """Import an edition from a CSV (UTF-8 or GBK) or XLSX file in the
        format of docs/FOUR-LISTS.md, sent as the raw body or as the ``file``
        field of a multipart/form-data upload. If any row is invalid,
        nothing is imported and the 422 lists every bad row and column."""
        require_editor(request.user.actor, authority)  # before reading the upload
        body = await _uploaded_file(request)
        edition_of = partial(
            Edition,
            version=version,
            title=title,
            document_number=document_number,
            effective_from=effective_from,
            effective_until=effective_until,
            supersedes=supersedes,
        )

        def run() -> Response[s.CommandResult]:
            cmd = import_command(request.app.state.ledger, authority, body, edition_of, basis=basis, list_code=list_code)
            return execute(request, cmd, status=201)

        return await anyio.to_thread.run_sync(run)

    @post("/{authority:str}/editions/{version:str}/amendments", responses=ERRORS, operation_id="amendListItem", status_code=200, sync_to_thread=True)
    def amend(self, request: AnyRequest, authority: FromPath[str], version: FromPath[str], data: JSONBody[s.AmendItemBody]) -> Response[s.CommandResult]:
        """修订 (or add) an item from a date; the old text stays in force before it."""
        cmd = AmendListItem(authority=authority, version=version, **msgspec.structs.asdict(data))
        return execute(request, cmd)

    @post("/{authority:str}/editions/{version:str}/item-repeals", responses=ERRORS, operation_id="repealListItem", status_code=200, sync_to_thread=True)
    def repeal_item(self, request: AnyRequest, authority: FromPath[str], version: FromPath[str], data: JSONBody[s.RepealItemBody]) -> Response[s.CommandResult]:
        """废止 an item from a date."""
        cmd = RepealListItem(authority=authority, version=version, **msgspec.structs.asdict(data))
        return execute(request, cmd)

    @post("/{authority:str}/editions/{version:str}/repeal", responses=ERRORS, operation_id="repealCatalogueEdition", status_code=200, sync_to_thread=True)
    def repeal_edition(self, request: AnyRequest, authority: FromPath[str], version: FromPath[str], data: JSONBody[s.RepealEditionBody]) -> Response[s.CommandResult]:
        """废止 a whole edition from a date."""
        cmd = RepealCatalogueEdition(authority=authority, version=version, **msgspec.structs.asdict(data))
        return execute(request, cmd)

    @post("/{authority:str}/legal-review", responses=ERRORS, operation_id="setLegalReviewPolicy", status_code=200, sync_to_thread=True)
    def legal_review(self, request: AnyRequest, authority: FromPath[str], data: JSONBody[s.LegalReviewBody]) -> Response[s.CommandResult]:
        """Whether applying this authority's lists requires 法制审核 (major decisions always do)."""
        cmd = SetLegalReviewPolicy(authority=authority, **msgspec.structs.asdict(data))
        return execute(request, cmd)

    # --------------------------------------------------------------- reads

    @get("/", responses=ERRORS, operation_id="listCatalogues", sync_to_thread=True)
    def list_catalogues(
        self, request: AnyRequest, wait_for: int | None = QueryParameter(name="wait_for", default=None, ge=0, le=2**62)
    ) -> list[dict[str, Any]]:
        """Every authority that has published four lists, with its editions."""
        wait_for_reads(request, ("audit",), wait_for)
        return catalogue_summaries(request.app.state)

    @get("/{authority:str}", responses=ERRORS, operation_id="browseCatalogue", sync_to_thread=True)
    def browse(
        self,
        request: AnyRequest,
        authority: FromPath[str],
        on: date | None = QueryParameter(name="on", default=None, description="the day (default: today)"),
        list_code: str | None = QueryParameter(name="list", default=None),
        version: str | None = QueryParameter(name="version", default=None),
    ) -> dict[str, Any]:
        """The items in force on a day (by list and version), with the editions."""
        catalogue = _catalogue(request, authority)
        day = on or datetime.now(CST).date()
        if version is not None and version not in catalogue.editions:
            raise InvalidInput.one("version", "unknown_version", f"{authority}没有发布版本“{version}”")
        items = catalogue.items_on(day, list_code=list_code, version=version)
        return {
            "authority": authority,
            "on": day,
            "legal_review_required": catalogue.legal_review_required,
            "editions": [
                {**_edition_summary(catalogue, e), "in_force": catalogue.edition_in_force(e.version, day), "lists": e.lists}
                for e in _editions(catalogue)
            ],
            "items": [
                {
                    "version": i.version,
                    "list": i.list.code,
                    "list_name": i.list.name,
                    "kind": i.list.kind,
                    "kind_label": i.list.kind.label,
                    "valid_from": i.valid_from,
                    "valid_until": i.valid_until,
                    **msgspec.to_builtins(i.item),
                }
                for i in items
            ],
        }

    @get("/{authority:str}/editions/{version:str}", responses=ERRORS, operation_id="getCatalogueEdition", sync_to_thread=True)
    def edition(self, request: AnyRequest, authority: FromPath[str], version: FromPath[str]) -> dict[str, Any]:
        """One edition with every revision of every item (valid from/until)."""
        catalogue = _catalogue(request, authority)
        if version not in catalogue.editions:
            raise NotFound(f"{authority}没有发布版本“{version}”", code="version_not_found")
        return _edition_view(catalogue, version)

