"""Administrative guidance's commands: load → decide → save, each a few lines."""

from __future__ import annotations

from collections.abc import Callable
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.persistence import RecordConflictError

from ledger.commanding import MAX_ATTEMPTS, Decision, Result, _backoff, _only
from ledger.commands import Context
from ledger.directory import Post
from ledger.directory.service import DirectoryCommands
from ledger.errors import Conflict, InvalidInput, NotFound
from ledger.guidance import AdministrativeGuidance, GuidanceNotFound
from ledger.guidance.commands import (
    AcceptGuidance,
    DeliverGuidanceOpinion,
    GuidanceCommand,
    IssueCorrectionOrder,
    IssueGuidanceOpinion,
    MarkTypicalGuidance,
    RecordCommitment,
    RecordGuidanceEffect,
    RecordGuidanceFollowUp,
    RecordInterview,
    RecordSimpleGuidance,
    RegisterGuidanceRecord,
    StartGuidance,
    TerminateGuidance,
    TrackCommitment,
    TrackCorrectionOrder,
)
from ledger.guidance.values import Officer, SimpleGuidance
from ledger.matters import authority_of
from ledger.matters.service import MatterCommands
from ledger.values import Envelope, FormKind, Role


class GuidanceCommands(MatterCommands, DirectoryCommands):
    def guidance_methods(self, unit: str) -> tuple[str, ...]:
        """The unit's authority's list of methods (ledger.matters; the seeds' until it sets its own)."""
        return self.authority_methods(authority_of(unit))

    def start_guidance(self, ctx: Context, cmd: StartGuidance) -> Result:
        envelope = self._envelope(ctx, cmd)
        guidance = AdministrativeGuidance.start(
            envelope,
            way=cmd.way,
            addressee=cmd.addressee,
            officers=self._officers(cmd.officers),
            matter=self.cited_matter(envelope, cmd.matter),  # a catalogue item in force that day
            method=cmd.method,
            stage=cmd.stage,
            legal_basis=cmd.legal_basis,
            methods=self.guidance_methods(envelope.actor.unit),
        )
        recordings = self.save(guidance)
        return Result(case_id=guidance.id, version=guidance.version, notification_id=recordings[-1].notification.id)

    def issue_guidance_opinion(self, ctx: Context, cmd: IssueGuidanceOpinion) -> Result:
        def decide(g: AdministrativeGuidance, env: Envelope) -> Decision:
            counter = self._counter(env, FormKind.GUIDANCE_OPINION)
            number = g.issue_opinion(
                env,
                counter,
                problem_of=cmd.problem_of,
                problems=cmd.problems,
                opinion=cmd.opinion,
                contact_person=cmd.contact_person,
                contact_phone=cmd.contact_phone,
                number_format=self.number_format(env.actor.unit, FormKind.GUIDANCE_OPINION),
            )
            return [counter], str(number)

        return self._on_guidance(ctx, cmd, decide)

    def deliver_guidance_opinion(self, ctx: Context, cmd: DeliverGuidanceOpinion) -> Result:
        return self._on_guidance(ctx, cmd, lambda g, env: _only(g.deliver(env, cmd.delivery)))

    def register_guidance_record(self, ctx: Context, cmd: RegisterGuidanceRecord) -> Result:
        def decide(g: AdministrativeGuidance, env: Envelope) -> Decision:
            counter = self._counter(env, FormKind.GUIDANCE_RECORD)
            number = g.register(env, counter, guided_at=cmd.guided_at, place=cmd.place, content=cmd.content,
                                number_format=self.number_format(env.actor.unit, FormKind.GUIDANCE_RECORD))
            return [counter], str(number)

        return self._on_guidance(ctx, cmd, decide)

    def record_simple_guidance(self, ctx: Context, cmd: RecordSimpleGuidance) -> Result:
        def decide(g: AdministrativeGuidance, env: Envelope) -> Decision:
            officer = next((o for o in g.officers if o.id == cmd.officer), None)
            if officer is None:
                raise InvalidInput.one("officer", "not_an_officer", f"“{cmd.officer}”不是本次行政指导的指导人员")
            simple = SimpleGuidance(
                at=cmd.at, form=cmd.form, situation=cmd.situation, officer=officer, content=cmd.content
            )
            return _only(g.record_simple(env, simple))

        return self._on_guidance(ctx, cmd, decide)

    def record_interview(self, ctx: Context, cmd: RecordInterview) -> Result:
        return self._on_guidance(ctx, cmd, lambda g, env: _only(g.hold_interview(env, cmd.interview)))

    def record_commitment(self, ctx: Context, cmd: RecordCommitment) -> Result:
        return self._on_guidance(ctx, cmd, lambda g, env: _only(g.record_commitment(env, cmd.commitment)))

    def track_commitment(self, ctx: Context, cmd: TrackCommitment) -> Result:
        return self._on_guidance(ctx, cmd, lambda g, env: _only(g.track_commitment(env, cmd.items)))

    def issue_correction_order(self, ctx: Context, cmd: IssueCorrectionOrder) -> Result:
        def decide(g: AdministrativeGuidance, env: Envelope) -> Decision:
            counter = self._counter(env, FormKind.CORRECTION_ORDER)
            number = g.order_correction(
                env, counter, problems=cmd.problems, legal_basis=cmd.legal_basis, items=cmd.items, due_on=cmd.due_on,
                number_format=self.number_format(env.actor.unit, FormKind.CORRECTION_ORDER),
            )
            return [counter], str(number)

        return self._on_guidance(ctx, cmd, decide)

    def track_correction_order(self, ctx: Context, cmd: TrackCorrectionOrder) -> Result:
        return self._on_guidance(ctx, cmd, lambda g, env: _only(g.track_correction(env, cmd.items)))

    def accept_guidance(self, ctx: Context, cmd: AcceptGuidance) -> Result:
        return self._on_guidance(ctx, cmd, lambda g, env: _only(g.accept(env)))

    def terminate_guidance(self, ctx: Context, cmd: TerminateGuidance) -> Result:
        return self._on_guidance(ctx, cmd, lambda g, env: _only(g.terminate(env, cmd.reason)))

    def record_guidance_effect(self, ctx: Context, cmd: RecordGuidanceEffect) -> Result:
        return self._on_guidance(ctx, cmd, lambda g, env: _only(g.record_effect(env, cmd.effect)))

    def record_guidance_follow_up(self, ctx: Context, cmd: RecordGuidanceFollowUp) -> Result:
        return self._on_guidance(ctx, cmd, lambda g, env: _only(g.follow_up(env, cmd.visit)))

    def mark_typical_guidance(self, ctx: Context, cmd: MarkTypicalGuidance) -> Result:
        try:
            by_head = self.get_user(ctx.actor.id, for_update=False).post is Post.HEAD
        except NotFound:  # an actor the directory does not know (the console) is no head
            by_head = False
        return self._on_guidance(ctx, cmd, lambda g, env: _only(g.mark_typical(env, cmd.reason, by_head=by_head)))

    # ------------------------------------------------------------------ reads

    def get_guidance(self, guidance_id: UUID, *, version: int | None = None) -> AdministrativeGuidance:
        try:
            guidance = self.repository.get(guidance_id, version=version)
        except AggregateNotFoundError:
            raise GuidanceNotFound(f"没有编号为{guidance_id}的行政指导") from None
        if not isinstance(guidance, AdministrativeGuidance):
            raise GuidanceNotFound(f"没有编号为{guidance_id}的行政指导")
        return guidance

    # ---------------------------------------------------------------- helpers

    def _officers(self, usernames: tuple[str, ...]) -> tuple[Officer, ...]:
        """The officers as the directory knows them (name and unit from there,
        never as typed); the aggregate checks they are of the starting unit."""
        officers, errors = [], []
        for i, username in enumerate(usernames):
            try:
                user = self.get_user(username, for_update=False)
            except NotFound:
                errors.append(InvalidInput.one(f"officers[{i}]", "unknown_officer", f"目录中没有用户“{username}”"))
                continue
            if not user.active or user.role is not Role.UNIT_STAFF:
                errors.append(
                    InvalidInput.one(f"officers[{i}]", "not_an_officer", f"{user.display_name}不是在岗的执法单位人员")
                )
                continue
            officers.append(Officer(id=user.username, name=user.display_name, unit=user.unit))
        if errors:
            raise InvalidInput([fe for e in errors for fe in e.errors])
        return tuple(officers)

    def _load_guidance(self, ctx: Context, cmd: GuidanceCommand) -> AdministrativeGuidance:
        """The guidance for a command (a copy). Unit staff of another unit are
        answered as if it did not exist, so commands reveal no more than reads."""
        try:
            guidance = self._get_fresh(cmd.guidance_id)
        except AggregateNotFoundError:
            guidance = None
        if not isinstance(guidance, AdministrativeGuidance) or (
            ctx.actor.role is Role.UNIT_STAFF and ctx.actor.unit != guidance.unit
        ):
            raise GuidanceNotFound(f"没有编号为{cmd.guidance_id}的行政指导")
        if cmd.expected_version is not None and cmd.expected_version != guidance.version:
            raise Conflict(
                f"行政指导已被他人修改（您看到的是第{cmd.expected_version}版，当前为第{guidance.version}版），请刷新后重试",
                current_version=guidance.version,
            )
        return guidance

    def _on_guidance(
        self, ctx: Context, cmd: GuidanceCommand, decide: Callable[[AdministrativeGuidance, Envelope], Decision]
    ) -> Result:
        for attempt in range(MAX_ATTEMPTS):
            guidance = self._load_guidance(ctx, cmd)
            loaded_version = guidance.version
            envelope = self._envelope(ctx, cmd)
            try:
                others, number = decide(guidance, envelope)
                recordings = self._save_numbered(guidance, *others)
            except RecordConflictError:
                self._end_attempt()
                current = self.repository.get(cmd.guidance_id).version
                if current != loaded_version:
                    raise Conflict(
                        f"行政指导已被他人同时修改（当前为第{current}版），本次操作未保存，请刷新后重试",
                        current_version=current,
                    ) from None
                _backoff(attempt)  # only the counter moved on: decide again
                continue
            finally:
                self._end_attempt()
            return Result(
                case_id=guidance.id,
                version=guidance.version,
                notification_id=recordings[-1].notification.id,
                number=number,
            )
        raise Conflict("编号分配繁忙，请稍后重试")


# Which method takes which command (ledger.application.COMMANDS merges them).
HANDLERS = {
    StartGuidance: GuidanceCommands.start_guidance,
    IssueGuidanceOpinion: GuidanceCommands.issue_guidance_opinion,
    DeliverGuidanceOpinion: GuidanceCommands.deliver_guidance_opinion,
    RegisterGuidanceRecord: GuidanceCommands.register_guidance_record,
    RecordSimpleGuidance: GuidanceCommands.record_simple_guidance,
    RecordInterview: GuidanceCommands.record_interview,
    RecordCommitment: GuidanceCommands.record_commitment,
    TrackCommitment: GuidanceCommands.track_commitment,
    IssueCorrectionOrder: GuidanceCommands.issue_correction_order,
    TrackCorrectionOrder: GuidanceCommands.track_correction_order,
    AcceptGuidance: GuidanceCommands.accept_guidance,
    TerminateGuidance: GuidanceCommands.terminate_guidance,
    RecordGuidanceEffect: GuidanceCommands.record_guidance_effect,
    RecordGuidanceFollowUp: GuidanceCommands.record_guidance_follow_up,
    MarkTypicalGuidance: GuidanceCommands.mark_typical_guidance,
}
