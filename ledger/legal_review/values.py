"""The values of legal review before major decisions (重大行政执法决定法制审核,
seed 003 七) and of credit-repair guidance (信用修复, seed 003 十)."""

from __future__ import annotations

from decimal import Decimal

from ledger.values import LabelledEnum, Struct

# 较大数额罚款: the seed names no amount. The default is the usual provincial
# standard for a "large fine" (the hearing threshold set under 行政处罚法
# Art. 63, e.g. 江苏省: 对公民处以5000元以上、对法人或者其他组织处以5万元以上);
# each authority's may differ, so the administrator or the supervision
# department records its own (``ReviewThreshold``) and this is only the fallback.
DEFAULT_INDIVIDUAL_YUAN = Decimal("5000")
DEFAULT_ORGANISATION_YUAN = Decimal("50000")
DEFAULT_SOURCE = "默认标准：对公民处以5000元以上、对法人或者其他组织处以5万元以上罚款（参照省级较大数额罚款标准）"


class MajorKind(LabelledEnum):
    """The kinds of decision seed 003 七 names as directly touching a firm's major interests."""

    FINE = "fine", "较大数额罚款"
    STOP_PRODUCTION = "stop_production", "责令停产停业"
    SUSPEND_LICENCE = "suspend_licence", "暂扣许可证或者执照"
    REVOKE_LICENCE = "revoke_licence", "吊销许可证或者执照"


class PartyKind(LabelledEnum):
    INDIVIDUAL = "individual", "公民（个人）"
    ORGANISATION = "organisation", "法人或者其他组织"


class ReviewState(LabelledEnum):
    PENDING = "pending", "待审核"
    PASSED = "passed", "审核通过"
    PASSED_WITH_CHANGES = "passed_with_changes", "修改后通过"
    FAILED = "failed", "审核未通过"


class ReviewOutcome(LabelledEnum):
    """The reviewer's three answers (同意 / 修改后同意 / 不同意)."""

    PASSED = "passed", "审核通过"
    PASSED_WITH_CHANGES = "passed_with_changes", "修改后通过"
    FAILED = "failed", "审核未通过"


# A decision may be made citing a review in one of these states; after
# "修改后通过" the decision is made with the changes (or the unit resubmits).
CITABLE = (ReviewState.PASSED, ReviewState.PASSED_WITH_CHANGES)
RESUBMITTABLE = (ReviewState.FAILED, ReviewState.PASSED_WITH_CHANGES)


class DraftDecision(Struct):
    """The draft decision sent for review (拟作出的执法决定)."""

    party: str
    party_kind: PartyKind
    facts: str
    legal_basis: str
    proposed: str
    kind: MajorKind
    # the fine proposed, in yuan (a fine only)
    amount_yuan: Decimal | None = None
    # the party's 统一社会信用代码 (an organisation's; validated)
    party_code: str = ""


class ReviewRound(Struct):
    """One round: the draft as submitted and, once reviewed, the answer."""

    number: int
    draft: DraftDecision
    requested_by: str
    outcome: ReviewOutcome | None = None
    reviewer_id: str = ""


class FilingReviewOutcome(LabelledEnum):
    """The supervisor's 备案审查 of a filed major decision."""

    OK = "ok", "备案审查无异议"
    LETTER = "letter", "发现问题，拟制发整改建议书"


class RepairState(LabelledEnum):
    REQUESTED = "requested", "已申请，待指导"
    GUIDED = "guided", "已指导"
    REPAIRED = "repaired", "已修复"
    NOT_ELIGIBLE = "not_eligible", "不符合修复条件"
    WITHDRAWN = "withdrawn", "已撤回"


class RepairOutcome(LabelledEnum):
    REPAIRED = "repaired", "已修复"
    NOT_ELIGIBLE = "not_eligible", "不符合修复条件"
    WITHDRAWN = "withdrawn", "企业撤回申请"
