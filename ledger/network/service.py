"""The supervision network's commands: load → decide → save, each a few
lines; a record that joins or leaves a 司法所's roster is saved with it in one
atomic save, retried when only the roster (or a counter) moved on."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import RecordConflictError

from ledger.commanding import MAX_ATTEMPTS, Result, _backoff
from ledger.commands import Command, Context
from ledger.directory import Unit, UnitKind
from ledger.directory.service import DirectoryCommands
from ledger.errors import Conflict, FieldError, InvalidInput, NotAllowed, NotFound
from ledger.network import (
    ContactPoint,
    InvitedSupervisor,
    NetworkNotFound,
    NetworkQuota,
    NetworkReport,
    OfficeRoster,
    Pairing,
)
from ledger.network.commands import (
    AdjustContactPoint,
    AppointSupervisor,
    DismissSupervisor,
    EndPairing,
    FileNetworkReport,
    ForwardNetworkReport,
    NominateContactPoint,
    NominateSupervisor,
    PairEnterprise,
    PlaqueContactPoint,
    RecordNetworkQuotas,
    RecordPairingVisit,
    RejectContactPoint,
    RemoveContactPoint,
    RenewSupervisor,
)
from ledger.network.values import ReportSource, TownQuota
from ledger.values import CST, Envelope, FormKind, Role

Decision = tuple[list[Aggregate], str | None]
LABELS = {ContactPoint: "企业联系点", InvitedSupervisor: "特邀行政执法监督员", Pairing: "结对", NetworkReport: "报送情况"}


class NetworkCommands(DirectoryCommands):
    # ------------------------------------------------------------ quotas

    def record_network_quotas(self, ctx: Context, cmd: RecordNetworkQuotas) -> Result:
        def decide(quota: Any, env: Envelope) -> Decision:
            self._check_quota_offices(cmd.quotas)
            if quota is None:
                return [NetworkQuota.record(env, cmd.year, cmd.quotas)], None
            quota.revise(env, cmd.quotas)
            return [quota], None

        return self._network_decided(ctx, cmd, lambda: self.network_quota(cmd.year, for_update=True), decide)

    def network_quota(self, year: int, *, for_update: bool = False) -> NetworkQuota | None:
        try:
            found = self._get_fresh(NetworkQuota.create_id(year), copy=for_update)
        except AggregateNotFoundError:
            return None
        return found if isinstance(found, NetworkQuota) else None

    # ------------------------------------------------------------ contact points

    def nominate_contact_point(self, ctx: Context, cmd: NominateContactPoint) -> Result:
        def decide(_: Any, env: Envelope) -> Decision:
            year, quota = self._office_quota(env, cmd.year)
            roster = self._office_roster(env, quota.office)
            return [ContactPoint.nominate(env, year, quota, roster, cmd.enterprise), roster], None

        return self._network_decided(ctx, cmd, lambda: None, decide)

    def plaque_contact_point(self, ctx: Context, cmd: PlaqueContactPoint) -> Result:
        return self._on_network_record(ctx, cmd, ContactPoint, cmd.contact_point_id,
                               lambda p, env: ([p], p.plaque(env, cmd.plaqued_on)))

    def reject_contact_point(self, ctx: Context, cmd: RejectContactPoint) -> Result:
        return self._on_network_record(ctx, cmd, ContactPoint, cmd.contact_point_id, lambda p, env: self._with_office_roster(
            p, env, lambda roster: p.reject(env, cmd.reason, roster)))

    def adjust_contact_point(self, ctx: Context, cmd: AdjustContactPoint) -> Result:
        return self._on_network_record(ctx, cmd, ContactPoint, cmd.contact_point_id, lambda p, env: self._with_office_roster(
            p, env, lambda roster: p.adjust(env, cmd.enterprise, cmd.reason, roster)))

    def remove_contact_point(self, ctx: Context, cmd: RemoveContactPoint) -> Result:
        return self._on_network_record(ctx, cmd, ContactPoint, cmd.contact_point_id, lambda p, env: self._with_office_roster(
            p, env, lambda roster: p.remove(env, cmd.reason, roster)))

    # ------------------------------------------------------------ invited supervisors

    def nominate_supervisor(self, ctx: Context, cmd: NominateSupervisor) -> Result:
        def decide(_: Any, env: Envelope) -> Decision:
            year, quota = self._office_quota(env, cmd.year)
            roster = self._office_roster(env, quota.office)
            supervisor = InvitedSupervisor.nominate(
                env, year, quota, roster, category=cmd.category, name=cmd.name, id_number=cmd.id_number,
                employer=cmd.employer, employer_uscc=cmd.employer_uscc, mobile=cmd.mobile)
            return [supervisor, roster], None

        return self._network_decided(ctx, cmd, lambda: None, decide)

    def appoint_supervisor(self, ctx: Context, cmd: AppointSupervisor) -> Result:
        def decide(s: InvitedSupervisor, env: Envelope) -> Decision:
            counter = self._counter(env, FormKind.APPOINTMENT_LETTER)
            term = s.appoint(env, counter, cmd.term_start,
                             self.number_format(env.actor.unit, FormKind.APPOINTMENT_LETTER))
            return [s, counter], str(term.letter)

        return self._on_network_record(ctx, cmd, InvitedSupervisor, cmd.supervisor_id, decide)

    def renew_supervisor(self, ctx: Context, cmd: RenewSupervisor) -> Result:
        def decide(s: InvitedSupervisor, env: Envelope) -> Decision:
            counter = self._counter(env, FormKind.APPOINTMENT_LETTER)
            term = s.renew(env, counter, self.number_format(env.actor.unit, FormKind.APPOINTMENT_LETTER))
            return [s, counter], str(term.letter)

        return self._on_network_record(ctx, cmd, InvitedSupervisor, cmd.supervisor_id, decide)

    def dismiss_supervisor(self, ctx: Context, cmd: DismissSupervisor) -> Result:
        return self._on_network_record(ctx, cmd, InvitedSupervisor, cmd.supervisor_id, lambda s, env: self._with_office_roster(
            s, env, lambda roster: s.dismiss(env, cmd.reason, roster)))

    # ------------------------------------------------------------ pairings

    def pair_enterprise(self, ctx: Context, cmd: PairEnterprise) -> Result:
        def decide(_: Any, env: Envelope) -> Decision:
            if env.actor.role is not Role.UNIT_STAFF:
                raise NotAllowed("结对由司法所的工作人员办理", code="office_only")
            try:
                user = self.get_user(cmd.staff, for_update=False)
            except NotFound:
                raise InvalidInput.one("staff", "unknown_staff", f"目录中没有用户“{cmd.staff}”") from None
            if not user.active or user.role is not Role.UNIT_STAFF:
                raise InvalidInput.one("staff", "not_office_staff", f"{user.display_name}不是在岗的司法所工作人员")
            self._require_justice_office(env.actor.unit)
            roster = self._office_roster(env, env.actor.unit)
            pairing = Pairing.pair(env, roster, staff_id=user.username, staff_name=user.display_name,
                                   staff_unit=user.unit, enterprise=cmd.enterprise)
            return [pairing, roster], None

        return self._network_decided(ctx, cmd, lambda: None, decide)

    def record_pairing_visit(self, ctx: Context, cmd: RecordPairingVisit) -> Result:
        return self._on_network_record(ctx, cmd, Pairing, cmd.pairing_id, lambda p, env: ([p], p.record_visit(env, cmd.visit)))

    def end_pairing(self, ctx: Context, cmd: EndPairing) -> Result:
        return self._on_network_record(ctx, cmd, Pairing, cmd.pairing_id, lambda p, env: self._with_office_roster(
            p, env, lambda roster: p.end(env, cmd.reason, roster)))

    # ------------------------------------------------------------ reports

    def file_network_report(self, ctx: Context, cmd: FileNetworkReport) -> Result:
        def decide(_: Any, env: Envelope) -> Decision:
            cls = ContactPoint if cmd.source is ReportSource.CONTACT_POINT else InvitedSupervisor
            try:
                source = self._network_visible(ctx, cls, cmd.source_id, for_update=False)
            except NetworkNotFound:
                raise InvalidInput.one("source_id", "unknown_source", f"没有该{cmd.source.label}") from None
            return [NetworkReport.file(env, source, received_on=cmd.received_on, act_kind=cmd.act_kind,
                                       unit_concerned=cmd.unit_concerned, happened=cmd.happened,
                                       suggestion=cmd.suggestion)], None

        return self._network_decided(ctx, cmd, lambda: None, decide)

    def forward_network_report(self, ctx: Context, cmd: ForwardNetworkReport) -> Result:
        return self._on_network_record(ctx, cmd, NetworkReport, cmd.report_id, lambda r, env: ([r], r.forward(env)))

    # ------------------------------------------------------------ reads

    def network_record(self, cls: type, record_id: UUID, *, version: int | None = None) -> Any:
        """A contact point, supervisor, pairing or report (the caller checks who may see it)."""
        try:
            found = self.repository.get(record_id, version=version)
        except AggregateNotFoundError:
            found = None
        if not isinstance(found, cls):
            raise NetworkNotFound(f"没有该{LABELS.get(cls, '记录')}")
        return found

    # ------------------------------------------------------------ helpers

    def _network_visible(self, ctx: Context, cls: type, record_id: UUID, *, for_update: bool = True) -> Any:
        """A record for a command: another 司法所's (or an enforcement unit's
        staff) are answered as if it did not exist, as reads are."""
        try:
            found = self._get_fresh(record_id, copy=for_update)
        except AggregateNotFoundError:
            found = None
        if not isinstance(found, cls) or (ctx.actor.role is Role.UNIT_STAFF and ctx.actor.unit != found.office):
            raise NetworkNotFound(f"没有该{LABELS.get(cls, '记录')}")
        return found

    def _office_quota(self, env: Envelope, year: int | None) -> tuple[int, TownQuota]:
        year = year or env.business_time.astimezone(CST).year
        if env.actor.role is not Role.UNIT_STAFF:
            raise NotAllowed("提名由镇（街道）司法所的工作人员办理", code="office_only")
        quota = self.network_quota(year)
        if quota is None:
            raise InvalidInput.one("year", "no_quota", f"司法局尚未录入{year}年度的名额分配")
        town = quota.of_office(env.actor.unit)
        if town is None:
            raise NotAllowed(f"{env.actor.unit}不在{year}年度的名额分配之中（由各镇（街道）司法所提名）",
                             code="not_a_justice_office")
        return year, town

    def _check_quota_offices(self, quotas: tuple[TownQuota, ...]) -> None:
        errors = []
        for i, q in enumerate(quotas):
            try:
                self._require_justice_office(q.office.strip(), f"quotas[{i}].office")
            except InvalidInput as e:
                errors.extend(e.errors)
        if errors:
            raise InvalidInput(errors)

    def _require_justice_office(self, name: str, field: str = "unit") -> None:
        try:
            unit = self.repository.get(Unit.create_id(name), deepcopy_from_cache=False)
        except AggregateNotFoundError:
            unit = None
        if not isinstance(unit, Unit) or unit.kind is not UnitKind.JUSTICE_OFFICE:
            raise InvalidInput([FieldError(field, "not_a_justice_office",
                                           f"没有名为“{name}”的司法所（请先登记单位，类型为司法所）")])

    def _office_roster(self, env: Envelope, office: str) -> OfficeRoster:
        try:
            return self._get_fresh(OfficeRoster.create_id(office))
        except AggregateNotFoundError:
            return OfficeRoster(envelope=env, office=office)

    def _with_office_roster(self, record: Any, env: Envelope, change: Callable[[OfficeRoster], None]) -> Decision:
        roster = self._office_roster(env, record.office)
        change(roster)
        return [record, roster], None

    def _on_network_record(self, ctx: Context, cmd: Command, cls: type, record_id: UUID,
                   decide: Callable[[Any, Envelope], Any]) -> Result:
        def load() -> Any:
            record = self._network_visible(ctx, cls, record_id)
            expected = getattr(cmd, "expected_version", None)
            if expected is not None and expected != record.version:
                raise Conflict(f"{LABELS[cls]}已被他人修改（您看到的是第{expected}版，当前为第{record.version}版），请刷新后重试",
                               current_version=record.version)
            return record

        def decided(record: Any, env: Envelope) -> Decision:
            aggregates, number = decide(record, env)
            return aggregates, number if isinstance(number, str) else None

        return self._network_decided(ctx, cmd, load, decided)

    def _network_decided(self, ctx: Context, cmd: Command, load: Callable[[], Any],
                 decide: Callable[[Any, Envelope], Decision]) -> Result:
        for attempt in range(MAX_ATTEMPTS):
            record = load()
            loaded = record.version if record is not None else None
            envelope = self._envelope(ctx, cmd)
            try:
                aggregates, number = decide(record, envelope)
                recordings = self._save_numbered(*aggregates)
            except RecordConflictError:
                self._end_attempt()
                if record is not None and self.repository.get(record.id).version != loaded:
                    raise Conflict(f"{LABELS.get(type(record), '记录')}已被他人同时修改，本次操作未保存，请刷新后重试") from None
                _backoff(attempt)  # only the roster or a counter moved on: decide again
                continue
            finally:
                self._end_attempt()
            main = aggregates[0]
            return Result(case_id=None, version=main.version, notification_id=recordings[-1].notification.id,
                          number=number, record_id=main.id)
        raise Conflict("名额或编号分配繁忙，请稍后重试")


HANDLERS = {
    RecordNetworkQuotas: NetworkCommands.record_network_quotas,
    NominateContactPoint: NetworkCommands.nominate_contact_point,
    PlaqueContactPoint: NetworkCommands.plaque_contact_point,
    RejectContactPoint: NetworkCommands.reject_contact_point,
    AdjustContactPoint: NetworkCommands.adjust_contact_point,
    RemoveContactPoint: NetworkCommands.remove_contact_point,
    NominateSupervisor: NetworkCommands.nominate_supervisor,
    AppointSupervisor: NetworkCommands.appoint_supervisor,
    RenewSupervisor: NetworkCommands.renew_supervisor,
    DismissSupervisor: NetworkCommands.dismiss_supervisor,
    PairEnterprise: NetworkCommands.pair_enterprise,
    RecordPairingVisit: NetworkCommands.record_pairing_visit,
    EndPairing: NetworkCommands.end_pairing,
    FileNetworkReport: NetworkCommands.file_network_report,
    ForwardNetworkReport: NetworkCommands.forward_network_report,
}
