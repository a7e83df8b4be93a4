"""Who may do what: roles, their permissions, the acting account, and the audit log's actions.

The one home of the policy of the BRIEF's "Who may do what (v2)". It sits in ``core``
because every layer that enforces it needs it and may import nothing higher: storage
(:meth:`callscript.storage.Store.acting_as` narrows queries and refuses writes), the
report functions (an agent's figures only), the accounts package (logins) and the
apps. Pure: no database, no clock, no environment.

* :class:`Role` — ``agent`` · ``supervisor`` · ``admin``; each has every permission of
  the one before it (:data:`ROLE_PERMISSIONS`).
* :class:`Actor` — who is acting, from where: an account after its login, or the local
  ``system`` actor (the CLI, which runs on the host with the database file and so with
  its owner's rights; also the terminal app while no account exists).
* :class:`PermissionDenied` — raised with a stable reason ``code`` (:class:`Denial`).
* :class:`AuditAction` — what the append-only audit log records.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    AGENT = "agent"
    SUPERVISOR = "supervisor"
    ADMIN = "admin"


ROLE_LABELS: dict[Role, str] = {Role.AGENT: "坐席", Role.SUPERVISOR: "主管", Role.ADMIN: "管理员"}


class Permission(StrEnum):
    """What an actor may do. Names say the thing, not the screen that does it."""

    CALL = "call"
    """Claim and call leads: the shared pool and the agent's own callbacks and follow-ups;
    add a lead; read the agent's own calls, history and figures."""
    MARK_DO_NOT_CALL = "mark_do_not_call"
    """End a call as "never call again" (the customer asked)."""
    ALL_AGENTS = "all_agents"
    """Read every agent's calls, callbacks, follow-ups, history and figures (every report)."""
    EDIT_SCRIPTS = "edit_scripts"
    """Edit and publish the call script."""
    CLEAR_DO_NOT_CALL = "clear_do_not_call"
    """Undo a do-not-call marked by mistake."""
    REMARKS = "remarks"
    """Write an agent's 优点/缺点/建议 for a day."""
    FLOOR = "floor"
    """The live floor board and acting from it (issue 16)."""
    ACCOUNTS = "accounts"
    """Add accounts, change their passwords and roles, disable them."""
    AUDIT = "audit"
    """Read the audit log."""


_AGENT = frozenset({Permission.CALL, Permission.MARK_DO_NOT_CALL})
_SUPERVISOR = _AGENT | {
    Permission.ALL_AGENTS,
    Permission.EDIT_SCRIPTS,
    Permission.CLEAR_DO_NOT_CALL,
    Permission.REMARKS,
    Permission.FLOOR,
}
_ADMIN = _SUPERVISOR | {Permission.ACCOUNTS, Permission.AUDIT}

ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.AGENT: _AGENT,
    Role.SUPERVISOR: frozenset(_SUPERVISOR),
    Role.ADMIN: frozenset(_ADMIN),
}
"""The BRIEF's table: an agent calls; a supervisor also edits and publishes, reads every
report, the floor board and writes remarks; an admin also manages accounts."""


class Denial(StrEnum):
    """Why an actor was refused. Stable: the apps and tests match on these."""

    NOT_PERMITTED = "not_permitted"
    """The role does not have the permission."""
    NOT_OWN = "not_own"
    """The row belongs to another agent (a call, callback, follow-up, lead assigned to them)."""
    NO_AGENT = "no_agent"
    """The actor makes calls but has no agent row (an account not yet linked)."""
    ACCOUNT_DISABLED = "account_disabled"
    """The account was disabled: its running sessions end at their next action."""


class PermissionDenied(Exception):
    """The acting account may not do this; ``code`` (:class:`Denial`) says why, the message is for people."""

    def __init__(self, message: str, *, code: Denial, permission: Permission | None = None):
        super().__init__(message)
        self.code = code
        self.permission = permission


SYSTEM_NAME = "system"
"""The audit log's name for the local system actor (the CLI on the host)."""


@dataclass(frozen=True, slots=True)
class Actor:
    """Who is acting: an account, or the local system actor.

    ``agent_id`` is the ``agents`` row the actor's calls are made as (None: makes no calls
    yet). ``origin`` is where from, as the audit log writes it: the browser's remote
    address, ``tty:/dev/pts/3@host`` for a terminal, ``cli:user@host`` for the CLI.
    """

    name: str
    role: Role
    origin: str
    account_id: int | None = None
    agent_id: int | None = None

    @property
    def is_system(self) -> bool:
        """The local system actor (no account): the CLI, or the terminal app before any account exists."""
        return self.account_id is None

    @property
    def permissions(self) -> frozenset[Permission]:
        return ROLE_PERMISSIONS[self.role]

    def may(self, permission: Permission) -> bool:
        return permission in ROLE_PERMISSIONS[self.role]

    @property
    def sees_every_agent(self) -> bool:
        """True: reads every agent's rows. False: only the actor's own (an agent)."""
        return self.may(Permission.ALL_AGENTS)

    def require(self, permission: Permission) -> None:
        """Raise :class:`PermissionDenied` unless the actor has ``permission``."""
        if permission not in ROLE_PERMISSIONS[self.role]:
            raise PermissionDenied(
                f"{self.name} ({self.role.value}) may not {permission.value}",
                code=Denial.NOT_PERMITTED,
                permission=permission,
            )

    def own_agent_id(self) -> int:
        """The agent row the actor's calls are made as; :class:`PermissionDenied` (``no_agent``) if none."""
        if self.agent_id is None:
            raise PermissionDenied(f"{self.name} has no agent row to call as", code=Denial.NO_AGENT)
        return self.agent_id

    def agent_scope(self) -> int | None:
        """Whose rows a read may return: None for every agent's (a supervisor, the system actor),
        else the actor's own agent id (an agent's own calls, callbacks, figures). The one rule the
        acting store and the report functions both narrow by."""
        if self.sees_every_agent:
            return None
        self.require(Permission.CALL)
        return self.own_agent_id()

    def with_agent(self, agent_id: int) -> Actor:
        return Actor(self.name, self.role, self.origin, self.account_id, agent_id)

    def __str__(self) -> str:
        return f"{self.name}@{self.origin}"


def system_actor(origin: str, *, name: str = SYSTEM_NAME, agent_id: int | None = None) -> Actor:
    """The local system actor: every permission (the database file's owner), no account.

    ``name``: the CLI acts as ``system``; the terminal app with no account yet acts under
    the agent's own name (what it asked for), with the same rights.
    """
    return Actor(name, Role.ADMIN, origin, None, agent_id)


class AuditAction(StrEnum):
    """What the audit log records (append-only; new actions are added at the end)."""

    LOGIN = "login"
    LOGIN_FAILED = "login_failed"
    LOCKOUT = "lockout"
    LOGOUT = "logout"
    IDLE_LOCK = "idle_lock"
    UNLOCK = "unlock"
    SESSION_ENDED = "session_ended"
    """A running session ended by the system (account disabled, locked out while idle-locked)."""
    SESSION_REFUSED = "session_refused"
    """The floor server turned a browser tab away (``--max-sessions``)."""
    PUBLISH = "publish"
    DO_NOT_CALL_SET = "do_not_call_set"
    DO_NOT_CALL_CLEARED = "do_not_call_cleared"
    REMARK = "remark"
    ACCOUNT_ADDED = "account_added"
    PASSWORD_CHANGED = "password_changed"
    ACCOUNT_DISABLED = "account_disabled"
    ACCOUNT_ENABLED = "account_enabled"
    CALL_CLOSED = "call_closed"
    """An unfinished call closed with an outcome by someone other than its agent (the floor board, ``db close-call``)."""
    WORK_REASSIGNED = "work_reassigned"
    """An absent agent's open callbacks and follow-ups given to another agent."""
    FLOOR_SETTING = "floor_setting"
    """A threshold of the floor board or a pause's maximum changed."""


AUDIT_LABELS: dict[AuditAction, str] = {
    AuditAction.LOGIN: "登录",
    AuditAction.LOGIN_FAILED: "登录失败",
    AuditAction.LOCKOUT: "账号锁定",
    AuditAction.LOGOUT: "退出",
    AuditAction.IDLE_LOCK: "闲置锁屏",
    AuditAction.UNLOCK: "解锁",
    AuditAction.SESSION_ENDED: "会话结束",
    AuditAction.SESSION_REFUSED: "拒绝连接",
    AuditAction.PUBLISH: "发布话术",
    AuditAction.DO_NOT_CALL_SET: "标记不再拨打",
    AuditAction.DO_NOT_CALL_CLEARED: "取消不再拨打",
    AuditAction.REMARK: "优点/缺点/建议",
    AuditAction.ACCOUNT_ADDED: "新建账号",
    AuditAction.PASSWORD_CHANGED: "修改密码",
    AuditAction.ACCOUNT_DISABLED: "停用账号",
    AuditAction.ACCOUNT_ENABLED: "启用账号",
    AuditAction.CALL_CLOSED: "结束未完成通话",
    AuditAction.WORK_REASSIGNED: "转交回电和回访",
    AuditAction.FLOOR_SETTING: "看板设置",
}
