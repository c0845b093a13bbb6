"""Administrative mediation's commands: load → decide → save, each a few lines."""

from __future__ import annotations

from collections.abc import Callable
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.persistence import RecordConflictError

from ledger.case.service import CaseCommands
from ledger.case.values import CaseState, ServiceType
from ledger.commanding import MAX_ATTEMPTS, Decision, Result, _backoff, _only
from ledger.commands import Context
from ledger.directory.service import DirectoryCommands
from ledger.errors import Conflict, InvalidInput, NotFound, WrongState
from ledger.matters import authority_of
from ledger.mediation import AdministrativeMediation, MediationDeadline, MediationNotFound, MediationRightNotice
from ledger.mediation.commands import (
    AcceptMediation,
    ConcludeMediationAgreement,
    DeclineMediation,
    EndMediation,
    GiveMediationRightNotice,
    MediationCommand,
    NotifyMediationRights,
    RecordMediationConsent,
    RecordMediationInvestigation,
    RecordMediationSession,
    SetMediationDeadline,
    StartMediation,
    WithdrawMediationConsent,
)
from ledger.mediation.values import Mediator, RightSource
from ledger.scope import sees_case
from ledger.supervision import MajorDecisionFiling
from ledger.values import Envelope, FormKind, Role

# the states of a booked case after its service was given
SERVED_STATES = frozenset({CaseState.SERVED, CaseState.RATED, CaseState.ARCHIVED})


class MediationCommands(CaseCommands, DirectoryCommands):
    def start_mediation(self, ctx: Context, cmd: StartMediation) -> Result:
        envelope = self._envelope(ctx, cmd)
        mediation = AdministrativeMediation.start(
            envelope, way=cmd.way, procedure=cmd.procedure, parties=cmd.parties, matter=cmd.matter,
            dispute=cmd.dispute, legal_basis=cmd.legal_basis, source=cmd.source)
        recordings = self.save(mediation)
        return Result(case_id=mediation.id, version=mediation.version, notification_id=recordings[-1].notification.id)

    def record_mediation_consent(self, ctx: Context, cmd: RecordMediationConsent) -> Result:
        return self._on_mediation(ctx, cmd, lambda m, env: _only(m.record_consent(env, cmd.consent)))

    def withdraw_mediation_consent(self, ctx: Context, cmd: WithdrawMediationConsent) -> Result:
        return self._on_mediation(ctx, cmd, lambda m, env: _only(
            m.withdraw_consent(env, cmd.party, cmd.reason, cmd.referral, cmd.body, cmd.contact)))

    def accept_mediation(self, ctx: Context, cmd: AcceptMediation) -> Result:
        def decide(m: AdministrativeMediation, env: Envelope) -> Decision:
            calendar = self.calendar(for_update=False)  # before the counter's turn: it may query the store
            counter = self._counter(env, FormKind.MEDIATION)
            if calendar.pending_events:
                calendar = self.calendar(for_update=False)
            number = m.accept(env, counter, self._view(calendar), notice=cmd.notice,
                              working_days=self.mediation_deadline(m.unit),
                              number_format=self.number_format(env.actor.unit, FormKind.MEDIATION))
            return [counter, *([calendar] if calendar.pending_events else [])], number

        return self._on_mediation(ctx, cmd, decide)

    def decline_mediation(self, ctx: Context, cmd: DeclineMediation) -> Result:
        return self._on_mediation(ctx, cmd, lambda m, env: _only(m.decline(env, cmd.reasons)))

    def notify_mediation_rights(self, ctx: Context, cmd: NotifyMediationRights) -> Result:
        return self._on_mediation(ctx, cmd, lambda m, env: _only(m.notify_rights(env, cmd.rights)))

    def record_mediation_session(self, ctx: Context, cmd: RecordMediationSession) -> Result:
        def decide(m: AdministrativeMediation, env: Envelope) -> Decision:
            number = m.hold_session(env, held_at=cmd.held_at, place=cmd.place, mediators=self._mediators(cmd.mediators),
                                    invited=cmd.invited, statements=cmd.statements, disputes=cmd.disputes,
                                    course=cmd.course, recorder=cmd.recorder)
            return [], f"第{number}次"

        return self._on_mediation(ctx, cmd, decide)

    def record_mediation_investigation(self, ctx: Context, cmd: RecordMediationInvestigation) -> Result:
        return self._on_mediation(ctx, cmd, lambda m, env: _only(m.investigate(env, cmd.investigation)))

    def conclude_mediation_agreement(self, ctx: Context, cmd: ConcludeMediationAgreement) -> Result:
        return self._on_mediation(ctx, cmd, lambda m, env: _only(m.conclude(env, cmd.agreement)))

    def end_mediation(self, ctx: Context, cmd: EndMediation) -> Result:
        return self._on_mediation(ctx, cmd, lambda m, env: _only(m.end_without_agreement(
            env, referral=cmd.referral, body=cmd.body, contact=cmd.contact, explanation=cmd.explanation)))

    def set_mediation_deadline(self, ctx: Context, cmd: SetMediationDeadline) -> Result:
        envelope = self._envelope(ctx, cmd)
        if not cmd.authority.strip():
            raise InvalidInput.one("authority", "required", "请指定执法机关")
        try:
            setting = self._get_fresh(MediationDeadline.create_id(cmd.authority))
        except AggregateNotFoundError:
            setting = MediationDeadline.start(envelope, cmd.authority)
        setting.set(envelope, cmd.working_days)
        return self._saved(None, setting)

    def give_mediation_right_notice(self, ctx: Context, cmd: GiveMediationRightNotice) -> Result:
        envelope = self._envelope(ctx, cmd)
        if cmd.source is RightSource.SERVICE:
            self._served_dispute(ctx, cmd.ref)
        elif cmd.source is RightSource.MAJOR_DECISION:
            self._declared_decision(ctx, cmd.ref)
        notice = MediationRightNotice.give(envelope, source=cmd.source, ref=cmd.ref, party=cmd.party,
                                           given_on=cmd.given_on, method=cmd.method, content=cmd.content)
        try:
            self._get_fresh(notice.id, copy=False)
        except AggregateNotFoundError:
            return self._saved(notice.id, notice)
        raise WrongState("该事由的调解权利告知已登记", code="notice_exists")

    # ------------------------------------------------------------------ reads

    def get_mediation(self, mediation_id: UUID, *, version: int | None = None) -> AdministrativeMediation:
        try:
            mediation = self.repository.get(mediation_id, version=version)
        except AggregateNotFoundError:
            raise MediationNotFound(f"没有编号为{mediation_id}的行政调解") from None
        if not isinstance(mediation, AdministrativeMediation):
            raise MediationNotFound(f"没有编号为{mediation_id}的行政调解")
        return mediation

    def mediation_deadline(self, unit: str) -> int | None:
        """The working days the unit's authority allows from 受理 to 结案 (None: no period set)."""
        try:
            setting = self._get_fresh(MediationDeadline.create_id(authority_of(unit)), copy=False)
        except AggregateNotFoundError:
            return None
        return setting.working_days if isinstance(setting, MediationDeadline) else None

    # ---------------------------------------------------------------- helpers

    def _served_dispute(self, ctx: Context, ref: str) -> None:
        """A booked case the officer may read, of the 纠纷化解 type, already served."""
        try:
            case = self._current_case(UUID(ref.strip()))
        except (ValueError, NotFound):
            raise InvalidInput.one("ref", "unknown_case", "没有该指导服务案件") from None
        if not sees_case(ctx.actor.role, ctx.actor.unit, case.units):
            raise InvalidInput.one("ref", "unknown_case", "没有该指导服务案件")
        if ServiceType.DISPUTE_MEDIATION not in case.service_types:
            raise InvalidInput.one("ref", "not_a_dispute", "该案件不是纠纷化解服务")
        if case.state not in SERVED_STATES:
            raise InvalidInput.one("ref", "not_served", f"该案件{case.state.label}，尚未提供服务")

    def _declared_decision(self, ctx: Context, ref: str) -> None:
        """A major decision the officer's unit declared, by its 文号."""
        try:
            self._get_fresh(MajorDecisionFiling.create_id(ctx.actor.unit, ref.strip()), copy=False)
        except AggregateNotFoundError:
            raise InvalidInput.one("ref", "unknown_decision", f"本单位没有文号为“{ref.strip()}”的重大行政执法决定") from None

    def _mediators(self, usernames: tuple[str, ...]) -> tuple[Mediator, ...]:
        """The mediators as the directory knows them (name and unit from there)."""
        mediators, errors = [], []
        for i, username in enumerate(usernames):
            try:
                user = self.get_user(username, for_update=False)
            except NotFound:
                errors.append(InvalidInput.one(f"mediators[{i}]", "unknown", f"目录中没有用户“{username}”"))
                continue
            if not user.active or user.role is not Role.UNIT_STAFF:
                errors.append(InvalidInput.one(f"mediators[{i}]", "not_staff", f"{user.display_name}不是在岗的执法单位人员"))
                continue
            mediators.append(Mediator(id=user.username, name=user.display_name, unit=user.unit))
        if errors:
            raise InvalidInput([fe for e in errors for fe in e.errors])
        return tuple(mediators)

    def _load_mediation(self, ctx: Context, cmd: MediationCommand) -> AdministrativeMediation:
        """The mediation for a command (a copy); another unit's staff are
        answered as if it did not exist."""
        try:
            mediation = self._get_fresh(cmd.mediation_id)
        except AggregateNotFoundError:
            mediation = None
        if not isinstance(mediation, AdministrativeMediation) or (
            ctx.actor.role is Role.UNIT_STAFF and ctx.actor.unit != mediation.unit
        ) or ctx.actor.role is Role.ADMINISTRATOR:
            raise MediationNotFound(f"没有编号为{cmd.mediation_id}的行政调解")
        if cmd.expected_version is not None and cmd.expected_version != mediation.version:
            raise Conflict(
                f"行政调解已被他人修改（您看到的是第{cmd.expected_version}版，当前为第{mediation.version}版），请刷新后重试",
                current_version=mediation.version,
            )
        return mediation

    def _on_mediation(self, ctx: Context, cmd: MediationCommand,
                      decide: Callable[[AdministrativeMediation, Envelope], Decision]) -> Result:
        for attempt in range(MAX_ATTEMPTS):
            mediation = self._load_mediation(ctx, cmd)
            loaded_version = mediation.version
            envelope = self._envelope(ctx, cmd)
            try:
                others, number = decide(mediation, envelope)
                recordings = self._save_numbered(mediation, *others)
            except RecordConflictError:
                self._end_attempt()
                current = self.repository.get(cmd.mediation_id).version
                if current != loaded_version:
                    raise Conflict(f"行政调解已被他人同时修改（当前为第{current}版），本次操作未保存，请刷新后重试",
                                   current_version=current) from None
                _backoff(attempt)  # only the counter moved on: decide again
                continue
            finally:
                self._end_attempt()
            return Result(case_id=mediation.id, version=mediation.version,
                          notification_id=recordings[-1].notification.id, number=number)
        raise Conflict("编号分配繁忙，请稍后重试")


HANDLERS = {
    StartMediation: MediationCommands.start_mediation,
    RecordMediationConsent: MediationCommands.record_mediation_consent,
    WithdrawMediationConsent: MediationCommands.withdraw_mediation_consent,
    AcceptMediation: MediationCommands.accept_mediation,
    DeclineMediation: MediationCommands.decline_mediation,
    NotifyMediationRights: MediationCommands.notify_mediation_rights,
    RecordMediationSession: MediationCommands.record_mediation_session,
    RecordMediationInvestigation: MediationCommands.record_mediation_investigation,
    ConcludeMediationAgreement: MediationCommands.conclude_mediation_agreement,
    EndMediation: MediationCommands.end_mediation,
    SetMediationDeadline: MediationCommands.set_mediation_deadline,
    GiveMediationRightNotice: MediationCommands.give_mediation_right_notice,
}
