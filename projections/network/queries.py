"""Queries over the network view, within the reader's scope (``Reach.SUPERVISION``:
a 司法所's staff read their own office's rows, the 司法局's supervisors and
auditors every office's). Resident ID numbers are masked for roles that mask them.

``network_reports`` is the query other slices read the filed reports with
(e.g. the feedback forms of a month: ``received_from``/``received_to``)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from ledger.directory import Post, UnitKind, post_label
from ledger.identifiers import mask_person_fields
from ledger.network.values import (
    ActKind,
    ContactPointState,
    PairingState,
    ReportSource,
    SupervisorCategory,
    SupervisorState,
)
from ledger.scope import Scope
from ledger.store.sql import ViewDB, paging
from ledger.values import CST, Role
from projections.cases import SEP

Row = dict[str, Any]
# what the pairing check asks of each post (seed 003 三)
MINIMUM_PAIRINGS = {Post.HEAD: 2, Post.DEPUTY: 2, Post.STAFF: 1}
HOLDING = (ContactPointState.NOMINATED.value, ContactPointState.PLAQUED.value)


def _today(today: date | None) -> date:
    return today or datetime.now(CST).date()


def _where(scope: Scope, office: str | None, filters: dict[str, Any]) -> tuple[list[str], list[Any]]:
    where, params = ["1=1"], []
    office = scope.unit_filter(office)
    for column, value in (("office", office), *filters.items()):
        if value is not None and value != "":
            where.append(f"{column} = %s")
            params.append(value)
    return where, params


class NetworkQueries:
    db: ViewDB

    def contact_points(self, scope: Scope, *, office: str | None = None, year: int | None = None,
                       state: str | None = None, limit: int | None = 200, offset: int = 0) -> list[Row]:
        where, params = _where(scope, office, {"year": year, "state": state})
        page = paging(limit, offset, params)
        with self.db.reading() as cur:
            rows = cur.dicts(f"SELECT * FROM network_contact_point WHERE {' AND '.join(where)} "
                             f"ORDER BY year DESC, office, nominated_on, contact_point_id{page}", params)
        for r in rows:
            r["state_label"] = ContactPointState(r["state"]).label
        return rows

    def contact_point_row(self, contact_point_id: Any) -> Row | None:
        with self.db.reading() as cur:
            rows = cur.dicts("SELECT * FROM network_contact_point WHERE contact_point_id = %s", [str(contact_point_id)])
        return rows[0] if rows else None

    def published_contact_points(self) -> list[Row]:
        """向社会公布: the plaqued contact points (name, address, town, date) — no personal data."""
        with self.db.reading() as cur:
            return cur.dicts(
                "SELECT contact_point_id, town, name, address, plaqued_on FROM network_contact_point "
                "WHERE state = %s ORDER BY town, plaqued_on, name", [ContactPointState.PLAQUED.value])

    def invited_supervisors(self, scope: Scope, *, office: str | None = None, year: int | None = None,
                            category: str | None = None, expiring_only: bool = False, today: date | None = None,
                            limit: int | None = 200, offset: int = 0) -> list[Row]:
        """The supervisors; ``expiring_only``: in term and within 30 days of its end
        (the reminder queue), soonest first."""
        day = _today(today).isoformat()
        where, params = _where(scope, office, {"year": year, "category": category})
        order = "year DESC, office, nominated_on, supervisor_id"
        if expiring_only:
            where += ["state = %s", "reminder_on <= %s", "term_end >= %s"]
            params += [SupervisorState.APPOINTED.value, day, day]
            order = "term_end, supervisor_id"
        page = paging(limit, offset, params)
        with self.db.reading() as cur:
            rows = cur.dicts(f"SELECT * FROM network_supervisor WHERE {' AND '.join(where)} ORDER BY {order}{page}", params)
        return [_supervisor(r, scope, day) for r in rows]

    def supervisor_row(self, supervisor_id: Any, scope: Scope, today: date | None = None) -> Row | None:
        with self.db.reading() as cur:
            rows = cur.dicts("SELECT * FROM network_supervisor WHERE supervisor_id = %s", [str(supervisor_id)])
        return _supervisor(rows[0], scope, _today(today).isoformat()) if rows else None

    def pairings(self, scope: Scope, *, office: str | None = None, staff: str | None = None,
                 state: str | None = None, limit: int | None = 200, offset: int = 0) -> list[Row]:
        where, params = _where(scope, office, {"staff_id": staff, "state": state})
        page = paging(limit, offset, params)
        with self.db.reading() as cur:
            rows = cur.dicts(f"SELECT * FROM network_pairing WHERE {' AND '.join(where)} "
                             f"ORDER BY office, staff_name, paired_on, pairing_id{page}", params)
            posts = {r["username"]: r["post"] for r in cur.dicts("SELECT username, post FROM network_staff", [])}
        for r in rows:
            r["state_label"] = PairingState(r["state"]).label
            r["needs_list"] = [n for n in (r["needs"] or "").split(SEP) if n]
            post = Post(posts.get(r["staff_id"], Post.STAFF.value))
            r["staff_post"] = post.value
            r["staff_post_label"] = post_label(post, UnitKind.JUSTICE_OFFICE)
        return rows

    def pairing_row(self, pairing_id: Any) -> Row | None:
        with self.db.reading() as cur:
            rows = cur.dicts("SELECT * FROM network_pairing WHERE pairing_id = %s", [str(pairing_id)])
        return rows[0] if rows else None

    def pairing_check(self, scope: Scope, office: str) -> list[Row]:
        """Every active staff member of ``office`` with their pairings and the
        minimum of their post (所长、副所长 2, 司法干警 1); ``short``: below it."""
        office = scope.unit_filter(office) or office
        with self.db.reading() as cur:
            staff = cur.dicts(
                "SELECT s.username, s.name, s.post, (SELECT COUNT(*) FROM network_pairing p WHERE p.staff_id = s.username "
                "AND p.office = s.unit AND p.state = %s) AS paired FROM network_staff s "
                "WHERE s.unit = %s AND s.role = %s AND s.active = 1 AND s.pending_initial = 0 ORDER BY s.post, s.username",
                [PairingState.ACTIVE.value, office, Role.UNIT_STAFF.value])
        order = {Post.HEAD.value: 0, Post.DEPUTY.value: 1, Post.STAFF.value: 2}
        for r in staff:
            post = Post(r["post"])
            r["post_label"] = post_label(post, UnitKind.JUSTICE_OFFICE)
            r["required"] = MINIMUM_PAIRINGS[post]
            r["paired"] = int(r["paired"])
            r["short"] = r["paired"] < r["required"]
        return sorted(staff, key=lambda r: (order[r["post"]], r["username"]))

    def network_reports(self, scope: Scope, *, office: str | None = None, source: str | None = None,
                        source_id: Any = None, act_kind: str | None = None, received_from: date | None = None,
                        received_to: date | None = None, forwarded: bool | None = None,
                        limit: int | None = 200, offset: int = 0) -> list[Row]:
        """Reports filed (立档建册), newest received first; ``received_to`` exclusive."""
        where, params = _where(scope, office, {"source": source, "source_id": str(source_id) if source_id else None,
                                               "act_kind": act_kind})
        if received_from:
            where.append("received_on >= %s")
            params.append(received_from.isoformat())
        if received_to:
            where.append("received_on < %s")
            params.append(received_to.isoformat())
        if forwarded is not None:
            where.append("forwarded_on IS NOT NULL" if forwarded else "forwarded_on IS NULL")
        page = paging(limit, offset, params)
        with self.db.reading() as cur:
            rows = cur.dicts(f"SELECT * FROM network_report WHERE {' AND '.join(where)} "
                             f"ORDER BY received_on DESC, filed_at DESC, report_id{page}", params)
        for r in rows:
            r["source_label"] = ReportSource(r["source"]).label
            r["act_kind_label"] = ActKind(r["act_kind"]).label
        return rows

    def network_quotas(self, scope: Scope, year: int) -> list[Row]:
        """附件1 for ``year`` with the seats taken (nominated or in place) per town."""
        office = scope.unit
        with self.db.reading() as cur:
            where, params = "year = %s", [year]
            if office is not None:
                where, params = "year = %s AND office = %s", [year, office]
            rows = cur.dicts(f"SELECT * FROM network_quota WHERE {where} ORDER BY seq", params)
            points = dict(cur.execute(
                "SELECT office, COUNT(*) FROM network_contact_point WHERE year = %s AND state IN (%s, %s) GROUP BY office",
                [year, *HOLDING]).fetchall())
            people: dict[tuple[str, str], int] = {
                (o, c): int(n) for o, c, n in cur.execute(
                    "SELECT office, category, COUNT(*) FROM network_supervisor WHERE year = %s AND state <> %s "
                    "GROUP BY office, category", [year, SupervisorState.ENDED.value]).fetchall()}
        for r in rows:
            r["contact_points_taken"] = int(points.get(r["office"], 0))
            for category in SupervisorCategory:
                r[f"{category.value}_taken"] = people.get((r["office"], category.value), 0)
        return rows


def _supervisor(r: Row, scope: Scope, day: str) -> Row:
    if r["state"] == SupervisorState.APPOINTED.value and r["term_end"] and r["term_end"] < day:
        r["state"] = SupervisorState.EXPIRED.value
    r["state_label"] = SupervisorState(r["state"]).label
    r["category_label"] = SupervisorCategory(r["category"]).label
    r["reminder"] = bool(r["state"] == SupervisorState.APPOINTED.value and r["reminder_on"] and r["reminder_on"] <= day)
    return mask_person_fields(r) if scope.masks_ids else r
