"""Value types of the register of legal-risk points (行政相对人违法风险点, seed 002
第二十条): a point, an edition, the authority's grading rule, an opinion
solicited before publication, the publication, a point as cited.

Their names are unique among the stored value types (docs/EVENTS.md lists
value types by bare name), hence the ``Risk`` prefix."""

from __future__ import annotations

from datetime import date

from ledger.values import LabelledEnum, Struct


class RiskGrade(LabelledEnum):
    """高风险违法等级 / 中风险 / 低风险 (第二十条(一))."""

    HIGH = "high", "高"
    MEDIUM = "medium", "中"
    LOW = "low", "低"


class RiskSeverity(LabelledEnum):
    """How grave the harm a violation may cause is (可能造成的危害后果)."""

    SEVERE = "severe", "严重"
    SERIOUS = "serious", "较重"
    MINOR = "minor", "一般"


class RiskLikelihood(LabelledEnum):
    """How likely the violation is (发生的概率)."""

    HIGH = "high", "高"
    MEDIUM = "medium", "中"
    LOW = "low", "低"


class RiskCell(Struct):
    """One cell of a grading matrix: harm severity × likelihood → grade."""

    severity: RiskSeverity
    likelihood: RiskLikelihood
    grade: RiskGrade


class RiskGradeRule(Struct):
    """An authority's rule deriving a point's grade (a setting of its register):
    every severity × likelihood once."""

    cells: tuple[RiskCell, ...]
    note: str = ""  # how the authority explains its rule (shown beside the matrix)

    def grade_of(self, severity: RiskSeverity, likelihood: RiskLikelihood) -> RiskGrade:
        for cell in self.cells:
            if cell.severity is severity and cell.likelihood is likelihood:
                return cell.grade
        raise KeyError((severity, likelihood))


def _matrix(rows: dict[RiskSeverity, tuple[RiskGrade, RiskGrade, RiskGrade]]) -> tuple[RiskCell, ...]:
    order = (RiskLikelihood.HIGH, RiskLikelihood.MEDIUM, RiskLikelihood.LOW)
    return tuple(RiskCell(severity=s, likelihood=lk, grade=g) for s, grades in rows.items() for lk, g in zip(order, grades))


H, M, L = RiskGrade.HIGH, RiskGrade.MEDIUM, RiskGrade.LOW
# The usual risk matrix (the seed sets none): grave and likely is high, slight
# and unlikely is low; each authority may record its own.
DEFAULT_RULE = RiskGradeRule(
    cells=_matrix({RiskSeverity.SEVERE: (H, H, M), RiskSeverity.SERIOUS: (H, M, L), RiskSeverity.MINOR: (M, L, L)}),
    note="默认规则：危害后果严重程度 × 发生概率（风险矩阵）",
)


class RiskPoint(Struct):
    """One legal-risk point of a category of parties, as an edition lists it.

    ``grade`` left empty is derived by the authority's rule; a grade that
    differs from the rule's needs ``grade_reason``. ``citation_threshold``:
    warn when more than this many records cite the point within 30 days
    (none: no such warning); a high-grade point also warns when no guidance
    cites it in a quarter."""

    code: str  # 编号, unique in its edition
    category: str  # 相对人类别
    point: str  # 违法风险点
    manifestation: str  # 表现形式
    cause: str  # 形成原因
    harm: str  # 危害后果
    severity: RiskSeverity  # 危害后果程度
    likelihood: RiskLikelihood  # 发生概率
    basis: str  # 法律依据
    measures: str  # 指导方式及措施
    grade: RiskGrade | None = None
    grade_reason: str = ""
    citation_threshold: int | None = None


class RiskEdition(Struct):
    """A version of an authority's list (e.g. ``2026版``), in force from a date
    once published; the latest published edition in force on a day is the list."""

    version: str
    title: str
    effective_from: date
    points: tuple[RiskPoint, ...]
    document_number: str = ""


class RiskSolicitation(Struct):
    """征求意见: an opinion asked for before publication (第二十条(一))."""

    consulted: str  # 征求对象 (e.g. 辖区食品经营者代表)
    method: str  # 征求方式 (座谈会, 网上征求…)
    subject: str  # 征求内容
    opinion: str  # 反馈意见
    answer: str  # 采纳情况及理由
    solicited_on: date


class RiskPublication(Struct):
    """公布: when and where an edition was made public (第二十条(二))."""

    published_on: date
    channels: tuple[str, ...]  # 门户网站, 微博, 微信公众号…


class CitedRiskPoint(Struct):
    """A point as it stood when a record cited it."""

    code: str
    point: str
    grade: RiskGrade
    version: str


class RecordKind(LabelledEnum):
    """The records that may cite the points they address."""

    CASE = "case", "预约指导服务"
    SERVICE = "service", "指导服务"
    GUIDANCE = "guidance", "行政指导"
    MEDIATION = "mediation", "行政调解"


# the records that count as guidance for the quarterly warning of a high point
GUIDING_KINDS = (RecordKind.SERVICE, RecordKind.GUIDANCE)


class WarningRule(LabelledEnum):
    CITATIONS = "citations", "30日内引用次数超过阈值"
    NO_GUIDANCE = "no_guidance", "高风险点一个季度内无指导"


class WarningAction(LabelledEnum):
    ACKNOWLEDGED = "acknowledged", "已知悉"
    ACTED = "acted", "已介入处置"
