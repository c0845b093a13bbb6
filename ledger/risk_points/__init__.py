"""The register of legal-risk points (行政相对人法律风险防控, seed 002 第二十条,
第二十二条): one per authority, versioned like the four lists.

An authority drafts an edition of its points (each graded high/medium/low by
the authority's rule from the harm's severity and the likelihood, unless a
stated reason overrides it), solicits opinions on the draft (征求意见), then
publishes it from a date through its channels; earlier editions stay, so
"which list was in force on a day" is answered from the events alone. The
register also records how the authority's staff handled each warning
(自动预警), keyed by point, rule and window so it stays handled.

``RiskPointCitations`` is one record's (a booking's, a service's, a guidance's,
a mediation's) list of the points it addresses.

The module's import name and the class names are the stored topics: never
move them. Public methods decide; the ``@event`` methods only assign.
"""

from __future__ import annotations

from datetime import date
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate, event

from ledger.case.values import IssuedDocument
from ledger.copying import CopiedByContainers
from ledger.errors import FieldError, InvalidInput, NotAllowed, WrongState
from ledger.inputs import blank
from ledger.numbering import LEDGER_NAMESPACE
from ledger.risk_points.values import (
    DEFAULT_RULE,
    CitedRiskPoint,
    RecordKind,
    RiskEdition,
    RiskGrade,
    RiskGradeRule,
    RiskLikelihood,
    RiskPoint,
    RiskPublication,
    RiskSeverity,
    RiskSolicitation,
    WarningAction,
    WarningRule,
)
from ledger.values import Actor, Envelope, Role

MAX_THRESHOLD = 10_000


def is_editor(actor: Actor, authority: str) -> bool:
    """An authority's register is kept by its own unit staff or an administrator
    (as its catalogue of guidance matters is); they also issue its official copy."""
    return actor.role in (Role.ADMINISTRATOR, Role.SYSTEM) or (actor.role is Role.UNIT_STAFF and actor.unit == authority)


def require_editor(actor: Actor, authority: str) -> None:
    if is_editor(actor, authority):
        return
    raise NotAllowed(f"只有{authority}的执法人员或系统管理员可以维护该单位的违法风险点", code="risk_points_editor_only")


def grade_reasons(point: RiskPoint, rule: RiskGradeRule) -> str:
    """Why a point has its grade: the rule's cell, or the stated reason."""
    derived = rule.grade_of(point.severity, point.likelihood)
    why = f"危害后果{point.severity.label} × 发生概率{point.likelihood.label} → {derived.label}风险（按等级规则）"
    if point.grade is not None and point.grade is not derived:
        return f"{why}；调整为{point.grade.label}风险：{point.grade_reason}"
    return why


def _text(field: str, value: str, label: str, errors: list[FieldError]) -> None:
    if blank(value):
        errors.append(FieldError(field, "required", f"{label}不能为空"))


def check_point(point: RiskPoint, rule: RiskGradeRule, field: str, errors: list[FieldError]) -> None:
    """Every field of a point against the authority's ``rule``; problems are
    appended to ``errors`` (``field`` is the prefix of their names)."""
    _text(f"{field}.code", point.code, "编号", errors)
    _text(f"{field}.category", point.category, "相对人类别", errors)
    _text(f"{field}.point", point.point, "违法风险点", errors)
    _text(f"{field}.manifestation", point.manifestation, "表现形式", errors)
    _text(f"{field}.cause", point.cause, "形成原因", errors)
    _text(f"{field}.harm", point.harm, "危害后果", errors)
    # the seed publishes each point with its legal basis: none, no point
    _text(f"{field}.basis", point.basis, "法律依据", errors)
    _text(f"{field}.measures", point.measures, "指导方式及措施", errors)
    derived = rule.grade_of(point.severity, point.likelihood)
    if point.grade is not None and point.grade is not derived and blank(point.grade_reason):
        errors.append(FieldError(
            f"{field}.grade", "contradicts_rule",
            f"按本单位等级规则（危害后果{point.severity.label} × 发生概率{point.likelihood.label}）应为"
            f"{derived.label}风险；定为{point.grade.label}风险须说明理由",
        ))
    if point.citation_threshold is not None and not 1 <= point.citation_threshold <= MAX_THRESHOLD:
        errors.append(FieldError(f"{field}.citation_threshold", "out_of_range", f"预警阈值应为1至{MAX_THRESHOLD}之间的整数"))


def stored(point: RiskPoint, rule: RiskGradeRule) -> RiskPoint:
    """The point as stored: texts trimmed, the grade always set (the rule's
    when not given; a reason kept only where it overrides the rule)."""
    derived = rule.grade_of(point.severity, point.likelihood)
    grade = point.grade or derived
    return RiskPoint(
        code=point.code.strip(), category=point.category.strip(), point=point.point.strip(),
        manifestation=point.manifestation.strip(), cause=point.cause.strip(), harm=point.harm.strip(),
        severity=point.severity, likelihood=point.likelihood, basis=point.basis.strip(), measures=point.measures.strip(),
        grade=grade, grade_reason=point.grade_reason.strip() if grade is not derived else "",
        citation_threshold=point.citation_threshold,
    )


def check_rule(rule: RiskGradeRule) -> None:
    cells = [(c.severity, c.likelihood) for c in rule.cells]
    missing = [f"{s.label}×{lk.label}" for s in RiskSeverity for lk in RiskLikelihood if (s, lk) not in cells]
    if missing:
        raise InvalidInput.one("rule.cells", "incomplete", f"等级规则缺少：{'、'.join(missing)}")
    if len(cells) != len(set(cells)):
        raise InvalidInput.one("rule.cells", "duplicate", "等级规则中同一组合重复")


class RiskPointRegister(CopiedByContainers, Aggregate):
    """The legal-risk points of one authority (a registered unit): its grading
    rule, the editions (drafts and published), the opinions solicited on each,
    and the warnings its staff have handled."""

    @staticmethod
    def create_id(authority: str) -> UUID:
        return uuid5(LEDGER_NAMESPACE, f"risk-points/{authority}")

    @event("Started")
    def __init__(self, envelope: Envelope, authority: str) -> None:
        self.authority = authority
        self.own_rule: RiskGradeRule | None = None
        self.editions: dict[str, RiskEdition] = {}
        self.solicitations: dict[str, tuple[RiskSolicitation, ...]] = {}
        self.publications: dict[str, RiskPublication] = {}
        self.handled: dict[tuple[str, str, str], WarningAction] = {}

    @property
    def rule(self) -> RiskGradeRule:
        return self.own_rule if self.own_rule is not None else DEFAULT_RULE

    # ------------------------------------------------------------- decide

    def set_rule(self, envelope: Envelope, rule: RiskGradeRule) -> None:
        """The authority's grading rule; points already drafted or published
        keep the grade they were given (a draft is re-drafted to regrade)."""
        require_editor(envelope.actor, self.authority)
        check_rule(rule)
        if rule == self.rule:
            raise InvalidInput.one("rule", "unchanged", "等级规则未改变")
        self._rule_set(envelope=envelope, rule=RiskGradeRule(cells=rule.cells, note=rule.note.strip()))

    @event("GradeRuleSet")
    def _rule_set(self, envelope: Envelope, rule: RiskGradeRule) -> None:
        self.own_rule = rule

    def draft(self, envelope: Envelope, edition: RiskEdition) -> None:
        """拟定 (or re-draft) an edition: every point checked, graded by the rule."""
        require_editor(envelope.actor, self.authority)
        version = edition.version.strip()
        errors: list[FieldError] = []
        _text("version", edition.version, "版本", errors)
        if version in self.publications:
            errors.append(FieldError("version", "published", f"版本“{version}”已公布，不能修改；请拟定新版本"))
        _text("title", edition.title, "名称", errors)
        if not edition.points:
            errors.append(FieldError("points", "required", "至少包含一个违法风险点"))
        seen: set[str] = set()
        for i, point in enumerate(edition.points):
            check_point(point, self.rule, f"points[{i}]", errors)
            if point.code.strip() in seen:
                errors.append(FieldError(f"points[{i}].code", "duplicate", f"编号{point.code}重复"))
            seen.add(point.code.strip())
        later = [v for v in self.publications if self.editions[v].effective_from >= edition.effective_from]
        if later:
            errors.append(FieldError(
                "effective_from", "not_later", f"生效日期应晚于已公布版本“{later[0]}”的生效日期{self.editions[later[0]].effective_from}"
            ))
        if errors:
            raise InvalidInput(errors)
        self._drafted(envelope=envelope, edition=RiskEdition(
            version=version, title=edition.title.strip(), effective_from=edition.effective_from,
            points=tuple(stored(p, self.rule) for p in edition.points), document_number=edition.document_number.strip(),
        ))

    @event("EditionDrafted")
    def _drafted(self, envelope: Envelope, edition: RiskEdition) -> None:
        self.editions = {**self.editions, edition.version: edition}

    def solicit(self, envelope: Envelope, version: str, solicitation: RiskSolicitation) -> None:
        """征求意见 on a draft: from whom, how, on what, the opinion and the answer."""
        require_editor(envelope.actor, self.authority)
        self._draft(version)
        errors: list[FieldError] = []
        for field, label in (("consulted", "征求对象"), ("method", "征求方式"), ("subject", "征求内容"),
                             ("opinion", "反馈意见"), ("answer", "采纳情况")):
            _text(f"solicitation.{field}", getattr(solicitation, field), label, errors)
        if errors:
            raise InvalidInput(errors)
        self._solicited(envelope=envelope, version=version, solicitation=RiskSolicitation(
            consulted=solicitation.consulted.strip(), method=solicitation.method.strip(),
            subject=solicitation.subject.strip(), opinion=solicitation.opinion.strip(),
            answer=solicitation.answer.strip(), solicited_on=solicitation.solicited_on,
        ))

    @event("OpinionSolicited")
    def _solicited(self, envelope: Envelope, version: str, solicitation: RiskSolicitation) -> None:
        self.solicitations = {**self.solicitations, version: (*self.solicitations.get(version, ()), solicitation)}

    def publish(self, envelope: Envelope, version: str, publication: RiskPublication) -> None:
        """公布 a draft through its channels, after opinions were solicited on it."""
        require_editor(envelope.actor, self.authority)
        edition = self._draft(version)
        errors: list[FieldError] = []
        if not self.solicitations.get(version):
            errors.append(FieldError("version", "not_solicited", "公布前应当征求意见（第二十条），请先记录征求意见情况"))
        channels = tuple(c.strip() for c in publication.channels if not blank(c))
        if not channels:
            errors.append(FieldError("publication.channels", "required", "至少填写一个公布渠道（门户网站、微博、微信公众号等）"))
        last_solicited = max((s.solicited_on for s in self.solicitations.get(version, ())), default=None)
        if last_solicited is not None and publication.published_on < last_solicited:
            errors.append(FieldError("publication.published_on", "before_solicitation",
                                     f"公布日期早于征求意见日期{last_solicited}"))
        if publication.published_on > edition.effective_from:
            errors.append(FieldError("publication.published_on", "after_effective",
                                     f"公布日期晚于生效日期{edition.effective_from}，请先重新拟定生效日期"))
        later = [v for v in self.publications if self.editions[v].effective_from >= edition.effective_from]
        if later:
            errors.append(FieldError("version", "not_later", f"生效日期应晚于已公布版本“{later[0]}”的生效日期"))
        if errors:
            raise InvalidInput(errors)
        self._published(envelope=envelope, version=version,
                        publication=RiskPublication(published_on=publication.published_on, channels=channels))

    @event("EditionPublished")
    def _published(self, envelope: Envelope, version: str, publication: RiskPublication) -> None:
        self.publications = {**self.publications, version: publication}

    def handle_warning(self, envelope: Envelope, code: str, rule: WarningRule, window: str,
                       action: WarningAction, note: str) -> None:
        """A warning known to (or acted on by) the authority; the view decides
        which warnings are raised, this records who handled which."""
        if envelope.actor.role is not Role.UNIT_STAFF or envelope.actor.unit != self.authority:
            raise NotAllowed(f"只有{self.authority}的执法人员可以处理本单位的风险预警", code="risk_warning_own_unit")
        errors: list[FieldError] = []
        if not any(p.code == code for v in self.publications for p in self.editions[v].points):
            errors.append(FieldError("code", "unknown_point", f"{self.authority}公布的违法风险点中没有编号{code}"))
        if blank(window):
            errors.append(FieldError("window", "required", "预警期间不能为空"))
        if blank(note):
            errors.append(FieldError("note", "required", "处理情况不能为空（知悉或采取的措施）"))
        key = (code, rule.value, window.strip())
        if self.handled.get(key) is WarningAction.ACTED or self.handled.get(key) is action:
            errors.append(FieldError("action", "already_handled", f"该预警已{self.handled[key].label}"))
        if errors:
            raise InvalidInput(errors)
        self._warning_handled(envelope=envelope, code=code, rule=rule, window=window.strip(), action=action,
                              note=note.strip())

    def issue_document(self, envelope: Envelope, issued: IssuedDocument) -> None:
        """A published edition printed as the authority's official copy
        (ledger.documents.risk_points): by its own staff or an administrator."""
        require_editor(envelope.actor, self.authority)
        self._document_issued(envelope=envelope, issued=issued, unit=self.authority)

    @event("DocumentIssued")
    def _document_issued(self, envelope: Envelope, issued: IssuedDocument, unit: str) -> None:
        # ``unit``: the authority, by which the documents view scopes the issue
        self.documents = (*getattr(self, "documents", ()), issued)

    @event("WarningHandled")
    def _warning_handled(self, envelope: Envelope, code: str, rule: WarningRule, window: str, action: WarningAction,
                         note: str) -> None:
        self.handled = {**self.handled, (code, rule.value, window): action}

    # -------------------------------------------------------------- reads

    def _draft(self, version: str) -> RiskEdition:
        edition = self.editions.get(version)
        if edition is None:
            raise InvalidInput.one("version", "unknown_version", f"{self.authority}没有拟定违法风险点版本“{version}”")
        if version in self.publications:
            raise WrongState(f"版本“{version}”已于{self.publications[version].published_on}公布", code="risk_edition_published")
        return edition

    def edition_on(self, day: date) -> RiskEdition | None:
        """The published edition in force on ``day`` (the latest to take effect)."""
        found = [self.editions[v] for v in self.publications if self.editions[v].effective_from <= day]
        return max(found, key=lambda e: e.effective_from, default=None)

    def cite(self, codes: tuple[str, ...], on: date) -> tuple[CitedRiskPoint, ...]:
        """The points ``codes`` name in the list in force on ``on``."""
        edition = self.edition_on(on)
        if edition is None:
            raise InvalidInput.one("codes", "no_list", f"{self.authority}在{on}没有施行中的违法风险点清单")
        points = {p.code: p for p in edition.points}
        unknown = [c for c in codes if c not in points]
        if unknown:
            raise InvalidInput.one("codes", "unknown_point",
                                   f"{edition.version}中没有编号为{'、'.join(unknown)}的违法风险点")
        return tuple(CitedRiskPoint(code=c, point=points[c].point, grade=points[c].grade or RiskGrade.LOW,
                                    version=edition.version) for c in codes)


class RiskPointCitations(CopiedByContainers, Aggregate):
    """The risk points one record (a booking, a service, a guidance, a
    mediation) addresses, cited by an officer of the record's unit."""

    @staticmethod
    def create_id(record_kind: RecordKind, record_id: UUID) -> UUID:
        return uuid5(LEDGER_NAMESPACE, f"risk-citations/{record_kind.value}/{record_id}")

    @event("Started")
    def __init__(self, envelope: Envelope, record_kind: RecordKind, record_id: UUID, unit: str) -> None:
        self.record_kind = record_kind
        self.record_id = record_id
        self.unit = unit
        self.codes: tuple[str, ...] = ()

    def cite(self, envelope: Envelope, authority: str, points: tuple[CitedRiskPoint, ...]) -> None:
        if envelope.actor.unit != self.unit:
            raise NotAllowed(f"该记录的风险点由{self.unit}引用", code="risk_citation_other_unit")
        again = [p.code for p in points if p.code in self.codes]
        if again:
            raise InvalidInput.one("codes", "already_cited", f"已引用过风险点{'、'.join(again)}")
        self._cited(envelope=envelope, authority=authority, points=points)

    @event("PointsCited")
    def _cited(self, envelope: Envelope, authority: str, points: tuple[CitedRiskPoint, ...]) -> None:
        self.codes = (*self.codes, *(p.code for p in points))
