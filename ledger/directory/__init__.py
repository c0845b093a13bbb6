"""The staff directory: units and users, each change an event.

Passwords are not here: their hashes are credentials, kept in a table of
their own (see ``ledger_http.common.auth``), not facts for the permanent log. The
log records *that* a password was set, by whom and when.
"""

from __future__ import annotations

import re
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate, event

from ledger.copying import CopiedByContainers
from ledger.errors import InvalidInput, NotAllowed, WrongState
from ledger.inputs import blank
from ledger.numbering import DEFAULT_NUMBER_FORMAT, LEDGER_NAMESPACE, PATTERNED_KINDS, check_number_format
from ledger.values import Envelope, FormKind, LabelledEnum, Role, Struct

USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,31}$")
UNIT_NAME_SEPARATORS = frozenset("、|")


class UnitKind(LabelledEnum):
    COORDINATION = "coordination", "行政执法协调监督部门"
    ENFORCEMENT = "enforcement", "行政执法单位"
    SUPERVISION = "supervision", "执法监督部门"
    OTHER = "other", "其他"
    # seed 003: a town's (镇（街道）) 司法所, and the units that collect the
    # suggestion boxes and mailboxes (四)
    JUSTICE_OFFICE = "justice_office", "司法所"
    SERVICE_CENTRE = "service_centre", "便民服务（分）中心"
    CITIZEN_CENTRE = "citizen_centre", "为民服务中心"


class Post(LabelledEnum):
    """A user's post (职务) in their unit: what a rule may ask of the person,
    beyond the role — e.g. a typical case of guidance is marked by the unit's
    head (seed 004 五(三)). A 司法所's posts read 所长 / 副所长 / 司法干警."""

    HEAD = "head", "单位负责人"
    DEPUTY = "deputy", "副职负责人"
    STAFF = "staff", "工作人员"


# How a unit of a kind names its posts (the stored codes stay the same).
POST_LABELS = {UnitKind.JUSTICE_OFFICE: {Post.HEAD: "所长", Post.DEPUTY: "副所长", Post.STAFF: "司法干警"}}


def post_label(post: Post, kind: UnitKind | None) -> str:
    """The post as a unit of ``kind`` calls it: 所长 / 副所长 / 司法干警 in a 司法所."""
    return POST_LABELS.get(kind, {}).get(post, post.label) if kind is not None else post.label


def require_administrator(role: Role) -> None:
    """Units, users, their roles and passwords are managed by the
    administrator (or the system itself, at set-up): the one rule the
    commands here and the workbench's administration pages apply."""
    if role not in (Role.ADMINISTRATOR, Role.SYSTEM):
        raise NotAllowed("只有系统管理员可以管理单位和用户", code="admin_only")


def require_directory_reader(role: Role) -> None:
    """Who may list the units and users: those who manage them, and those who
    oversee who did what (supervisors and auditors)."""
    if role not in (Role.ADMINISTRATOR, Role.SUPERVISOR, Role.AUDITOR):
        raise NotAllowed("只有系统管理员、执法监督和审计人员可以查看单位和用户", code="role_not_allowed")


def _require_admin(envelope: Envelope) -> None:
    require_administrator(envelope.actor.role)


class Unit(CopiedByContainers, Aggregate):
    """A unit (科室, 执法单位…), named as it appears on forms."""

    @staticmethod
    def create_id(name: str) -> UUID:
        return uuid5(LEDGER_NAMESPACE, f"unit/{name}")

    @classmethod
    def register(cls, envelope: Envelope, name: str, kind: UnitKind) -> Unit:
        _require_admin(envelope)
        if blank(name) or len(name.strip()) > 100:
            raise InvalidInput.one("name", "required", "单位名称不能为空，且不超过100个字")
        if UNIT_NAME_SEPARATORS.intersection(name):
            # the views list a case's units joined by these; a name holding one could not be told apart
            raise InvalidInput.one("name", "separator", "单位名称不能包含“、”或“|”")
        return cls(envelope=envelope, name=name.strip(), kind=kind)

    @event("Registered")
    def __init__(self, envelope: Envelope, name: str, kind: UnitKind) -> None:
        self.name = name
        self.kind = kind
        self.number_formats: dict[FormKind, str] = {}

    def set_number_format(self, envelope: Envelope, kind: FormKind, pattern: str) -> None:
        """The unit's format of one series of numbers (``ledger.numbering``);
        an empty pattern goes back to the default. Numbers already issued
        keep the text they were issued with."""
        _require_admin(envelope)
        if kind not in PATTERNED_KINDS:
            allowed = "、".join(k.label for k in PATTERNED_KINDS)
            raise InvalidInput.one("kind", "not_patterned", f"{kind.label}的编号格式固定为“年第号”；可设置格式的有：{allowed}")
        text = "" if blank(pattern) else check_number_format(pattern)
        if text == DEFAULT_NUMBER_FORMAT:
            text = ""
        if text == self.number_formats.get(kind, ""):
            raise InvalidInput.one("pattern", "unchanged", "编号格式没有变化")
        self._number_format_set(envelope=envelope, kind=kind, pattern=text)

    @event("NumberFormatSet")
    def _number_format_set(self, envelope: Envelope, kind: FormKind, pattern: str) -> None:
        formats = {k: v for k, v in self.number_formats.items() if k is not kind}
        self.number_formats = {**formats, kind: pattern} if pattern else formats

    def number_format(self, kind: FormKind) -> str:
        """The pattern this unit's numbers of ``kind`` are issued in now."""
        return self.number_formats.get(kind) or DEFAULT_NUMBER_FORMAT


class PendingGrant(Struct):
    """A role (in a unit) proposed by one administrator, waiting for another's
    confirmation; ``initial``: the account itself waits (a new user)."""

    role: Role
    unit: str
    proposed_by: str
    reason: str | None
    initial: bool


def reads_case_data(role: Role) -> bool:
    """Every role but the administrator's reads case data (``ledger.scope``)."""
    return role not in (Role.ADMINISTRATOR, Role.SYSTEM)


class User(CopiedByContainers, Aggregate):
    """A person who uses the ledger, in one role, for one unit.

    Granting a role that reads case data is a four-eyes step whenever another
    active administrator exists: the grant is proposed (with its reason) and
    takes effect only when a second administrator confirms it; nobody changes
    their own role. ``credential_generation`` counts the password changes: a
    token or session issued before the last one no longer admits its holder."""

    @staticmethod
    def create_id(username: str) -> UUID:
        return uuid5(LEDGER_NAMESPACE, f"user/{username}")

    @classmethod
    def register(
        cls, envelope: Envelope, username: str, display_name: str, role: Role, unit: str, *, four_eyes: bool = False
    ) -> User:
        """``four_eyes``: another active administrator exists, so a user in a
        role that reads case data waits for their confirmation."""
        _require_admin(envelope)
        if not USERNAME.match(username or ""):
            raise InvalidInput.one("username", "username_format", "用户名为2至32位小写字母、数字、点、下划线或连字符")
        if blank(display_name):
            raise InvalidInput.one("display_name", "required", "姓名不能为空")
        if role is Role.SYSTEM:
            raise InvalidInput.one("role", "reserved_role", "系统角色不能分配给用户")
        user = cls(envelope=envelope, username=username, display_name=display_name.strip(), role=role, unit=unit)
        if four_eyes and reads_case_data(role) and envelope.actor.role is Role.ADMINISTRATOR:
            user._grant_proposed(envelope=envelope, role=role, unit=unit, initial=True)
        return user

    @event("Registered")
    def __init__(self, envelope: Envelope, username: str, display_name: str, role: Role, unit: str) -> None:
        self.username = username
        self.display_name = display_name
        self.role = role
        self.unit = unit
        self.active = True
        self.password_set = False
        self.pending: PendingGrant | None = None
        self.credential_generation = 0
        self.must_change_password = False
        self.post = Post.STAFF  # until an administrator sets it (``set_post``)

    @property
    def can_sign_in(self) -> bool:
        """Active, and not a new account still waiting for a second administrator."""
        return self.active and not (self.pending is not None and self.pending.initial)

    def assign(self, envelope: Envelope, role: Role, unit: str, *, four_eyes: bool = False) -> bool:
        """Change the role or unit; True if it took effect, False if it now
        waits for another administrator's confirmation (``four_eyes``)."""
        _require_admin(envelope)
        if envelope.actor.id == self.username:
            raise NotAllowed("不能修改自己的角色或单位，请由其他系统管理员办理", code="own_assignment")
        if role is Role.SYSTEM:
            raise InvalidInput.one("role", "reserved_role", "系统角色不能分配给用户")
        if (role, unit) == (self.role, self.unit):
            raise InvalidInput.one("role", "unchanged", "角色和单位没有变化")
        if reads_case_data(role) and envelope.actor.role is Role.ADMINISTRATOR:
            if blank(envelope.basis):
                raise InvalidInput.one("basis", "required", "授予可查阅案件数据的角色须写明理由")
            if four_eyes:
                self._grant_proposed(envelope=envelope, role=role, unit=unit, initial=False)
                return False
        self._assigned(envelope=envelope, role=role, unit=unit)
        return True

    @event("Assigned")
    def _assigned(self, envelope: Envelope, role: Role, unit: str) -> None:
        self.role = role
        self.unit = unit
        self.pending = None

    @event("GrantProposed")
    def _grant_proposed(self, envelope: Envelope, role: Role, unit: str, initial: bool) -> None:
        self.pending = PendingGrant(role=role, unit=unit, proposed_by=envelope.actor.id, reason=envelope.basis, initial=initial)

    def confirm_grant(self, envelope: Envelope) -> None:
        """A second administrator confirms the pending grant."""
        _require_admin(envelope)
        if self.pending is None:
            raise WrongState("该用户没有待确认的授权", code="nothing_pending")
        if envelope.actor.id in (self.pending.proposed_by, self.username):
            raise NotAllowed("授权须由提出人以外的另一名系统管理员确认", code="four_eyes")
        self._grant_confirmed(envelope=envelope)

    @event("GrantConfirmed")
    def _grant_confirmed(self, envelope: Envelope) -> None:
        if self.pending is not None:
            self.role = self.pending.role
            self.unit = self.pending.unit
        self.pending = None

    def set_post(self, envelope: Envelope, post: Post) -> None:
        """职务: set by an administrator (also their own: a post grants no reading)."""
        _require_admin(envelope)
        if post is self.post:
            raise InvalidInput.one("post", "unchanged", f"职务已是{post.label}")
        self._post_set(envelope=envelope, post=post)

    @event("PostSet")
    def _post_set(self, envelope: Envelope, post: Post) -> None:
        self.post = post

    def disable(self, envelope: Envelope) -> None:
        _require_admin(envelope)
        if envelope.actor.id == self.username:
            raise NotAllowed("不能停用自己的账户", code="own_account")
        if not self.active:
            raise WrongState("该用户已停用", code="already_disabled")
        self._disabled(envelope=envelope)

    @event("Disabled")
    def _disabled(self, envelope: Envelope) -> None:
        self.active = False

    def enable(self, envelope: Envelope) -> None:
        _require_admin(envelope)
        if self.active:
            raise WrongState("该用户未停用", code="already_enabled")
        self._enabled(envelope=envelope)

    @event("Enabled")
    def _enabled(self, envelope: Envelope) -> None:
        self.active = True

    def record_password_set(self, envelope: Envelope) -> None:
        """The user set a new password of their own; or an administrator (or
        the system, at set-up) set it for them — a reset by an administrator
        makes the user choose their own at the next sign-in."""
        if envelope.actor.id == self.username:
            self._password_set(envelope=envelope)
        elif envelope.actor.role is Role.SYSTEM:
            self._password_set(envelope=envelope)
        elif envelope.actor.role is Role.ADMINISTRATOR:
            self._password_reset(envelope=envelope)
        else:
            raise NotAllowed("只能修改自己的密码", code="own_password_only")

    @event("PasswordSet")
    def _password_set(self, envelope: Envelope) -> None:
        self.password_set = True
        self.credential_generation += 1
        self.must_change_password = False

    @event("PasswordReset")
    def _password_reset(self, envelope: Envelope) -> None:
        self.password_set = True
        self.credential_generation += 1
        self.must_change_password = True


ROSTER_ID = uuid5(LEDGER_NAMESPACE, "directory/administrators")


class AdminRoster(CopiedByContainers, Aggregate):
    """The active administrators (usernames), kept with every change that
    makes or unmakes one: whether a second one exists decides whether a grant
    needs another administrator's confirmation."""

    @staticmethod
    def create_id() -> UUID:
        return ROSTER_ID

    @event("Started")
    def __init__(self, envelope: Envelope, admins: tuple[str, ...]) -> None:
        self.admins = admins

    def others_than(self, username: str) -> tuple[str, ...]:
        return tuple(a for a in self.admins if a != username)

    def update(self, envelope: Envelope, user: User) -> bool:
        """Bring the roster in line with ``user``; True if it changed."""
        admin = user.can_sign_in and user.role is Role.ADMINISTRATOR
        admins = tuple(sorted({*self.admins, user.username} if admin else set(self.admins) - {user.username}))
        if admins == self.admins:
            return False
        self._changed(envelope=envelope, admins=admins)
        return True

    @event("Changed")
    def _changed(self, envelope: Envelope, admins: tuple[str, ...]) -> None:
        self.admins = admins
