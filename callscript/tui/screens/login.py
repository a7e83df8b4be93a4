"""Who is at the keyboard: the login screen, the idle lock, and a session that has ended.

* :class:`LoginScreen` — once any account exists, the app (terminal or browser tab)
  starts here: 账号 + 密码. The password is checked on the database thread
  (argon2id costs ~0.16 s); a refusal says why in Chinese (wrong password and unknown
  name read the same; a lockout gives the time it ends).
* :class:`LockScreen` — after the idle time the app asks for the password again,
  *over* whatever was showing: a call stays underneath, untouched, and no key reaches
  it (nothing is recorded while locked). The right password takes the lock away and
  the call goes on where it was. Wrong passwords count towards the lockout; a lockout
  or a disabled account ends the session instead.
* :class:`SessionEndedScreen` — the account was disabled, or locked out at the idle
  lock: the reason, then any key closes the app (in a browser, the tab's session).

The password box never echoes, and its text is cleared after every attempt; the
password is passed to the backend and dropped, never logged or shown.
"""

from __future__ import annotations

from typing import ClassVar, cast

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.events import Key
from textual.screen import ModalScreen, Screen
from textual.widgets import Input, Label, Static

from callscript.core.access import Actor
from callscript.tui.host import SessionHost
from callscript.tui.widgets import ImeInput


class _PasswordBox(Input):
    """A password input: never echoed, never pre-filled, no IME (Chinese input methods off)."""

    def __init__(self, **kwargs: object) -> None:
        super().__init__(password=True, placeholder="密码", **kwargs)  # type: ignore[arg-type]


class _NameBox(ImeInput):
    """The account box (IME on: names are Chinese)."""


class LoginScreen(Screen[Actor]):
    """账号 and 密码, checked by :meth:`~callscript.tui.backend.Backend.log_in`; dismissed with the actor.

    Tab, Shift+Tab and Enter in the account box move the focus as *priority* bindings: the app
    runs them before it hands the next key to the focused box, so a fast typist or a password
    manager typing ahead (``name⇥password⏎`` in one burst) never puts part of the password in
    the account box or part of the name in the password box. Without that, the keys after Tab
    were forwarded to the box that still had the focus.
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("tab,shift+tab", "other_box", show=False, priority=True),
        Binding("enter", "to_password", show=False, priority=True),
    ]

    def __init__(self, name: str = "", *, title: str = "callscript 登录") -> None:
        super().__init__()
        self._prefill = name
        self._title = title
        self.attempts = 0
        """Finished attempts (tests wait on it)."""

    @property
    def host(self) -> SessionHost:
        return cast(SessionHost, self.app)

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="login-dialog"):
            yield Label(self._title, classes="dialog-title")
            yield Static("账号:")
            yield _NameBox(value=self._prefill, placeholder="你的账号名, 例如 王芳", id="login-name")
            yield Static("密码:")
            yield _PasswordBox(id="login-password")
            yield Static("", id="login-error", classes="error")
            yield Static(Text("Enter 登录 · Tab 下一项 · Ctrl+Q 退出", "dim"), classes="dialog-keys")

    def on_mount(self) -> None:
        blink = self.host.cursor_blink
        for box in self.query(Input):
            box.cursor_blink = blink
        start = "#login-password" if self._prefill else "#login-name"
        self.query_one(start, Input).focus()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Enter is ours only in the account box; in the password box it submits as usual."""
        if action == "to_password":
            return self.focused is self.query_one("#login-name", Input)
        return True

    def action_other_box(self) -> None:
        name_box = self.query_one("#login-name", Input)
        self.set_focus(self.query_one("#login-password", Input) if self.focused is name_box else name_box)

    def action_to_password(self) -> None:
        self.set_focus(self.query_one("#login-password", Input))

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        name_box = self.query_one("#login-name", Input)
        password_box = self.query_one("#login-password", Input)
        if event.input is name_box:
            self.set_focus(password_box)
            return
        name, password = name_box.value.strip(), password_box.value
        password_box.value = ""
        if not name:
            self._error("请输入账号")
            self.set_focus(name_box)
            return
        if not password:
            self._error("请输入密码")
            return
        self._error("正在验证…", dim=True)
        self._check(name, password)

    @work(exclusive=True, group="login")
    async def _check(self, name: str, password: str) -> None:
        from callscript.accounts import LoginRefused

        backend = self.host.backend
        try:
            actor = await backend.run(backend.log_in, name, password, self.host.origin)
        except LoginRefused as refused:
            self.attempts += 1
            self._error(str(refused))
            return
        except Exception as exc:
            self.attempts += 1
            self._error(f"登录失败: {type(exc).__name__}")
            return
        self.attempts += 1
        self.dismiss(actor)

    def _error(self, message: str, *, dim: bool = False) -> None:
        self.query_one("#login-error", Static).update(Text(message, "dim" if dim else "bold red"))


class LockScreen(ModalScreen[str | None]):
    """The idle lock, over the screen that was showing. Dismissed with None when unlocked, or
    with the reason the session must end (locked out, disabled)."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "swallow", show=False)]

    def __init__(self, who: str, idle_minutes: float) -> None:
        super().__init__()
        self._who = who
        self._idle_minutes = idle_minutes
        self.attempts = 0

    @property
    def host(self) -> SessionHost:
        return cast(SessionHost, self.app)

    def compose(self) -> ComposeResult:
        minutes = f"{self._idle_minutes:g}"
        with Vertical(classes="dialog", id="lock-dialog"):
            yield Label("已锁屏", classes="dialog-title")
            yield Static(f"闲置超过 {minutes} 分钟。{self._who}, 请输入密码继续 (通话不会丢失)。")
            yield _PasswordBox(id="lock-password")
            yield Static("", id="lock-error", classes="error")
            yield Static(Text("Enter 解锁 · Ctrl+Q 退出", "dim"), classes="dialog-keys")

    def on_mount(self) -> None:
        box = self.query_one("#lock-password", Input)
        box.cursor_blink = self.host.cursor_blink
        box.focus()

    def action_swallow(self) -> None:
        """Esc does nothing here: only the password takes the lock away."""

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        password = event.input.value
        event.input.value = ""
        if not password:
            self._error("请输入密码")
            return
        self._error("正在验证…", dim=True)
        self._check(password)

    @work(exclusive=True, group="unlock")
    async def _check(self, password: str) -> None:
        from callscript.accounts import LoginRefused, Refusal

        backend = self.host.backend
        try:
            await backend.run(backend.unlock, password)
        except LoginRefused as refused:
            self.attempts += 1
            if refused.code == Refusal.BAD_CREDENTIALS:
                self._error("密码不对")
                return
            self.dismiss(str(refused))
            return
        except Exception as exc:
            self.attempts += 1
            self._error(f"解锁失败: {type(exc).__name__}")
            return
        self.attempts += 1
        self.dismiss(None)

    def _error(self, message: str, *, dim: bool = False) -> None:
        self.query_one("#lock-error", Static).update(Text(message, "dim" if dim else "bold red"))


class SessionEndedScreen(Screen[None]):
    """The session is over (account disabled, locked out): the reason, then any key closes the app."""

    def __init__(self, reason: str) -> None:
        super().__init__()
        self.reason = reason

    def compose(self) -> ComposeResult:
        yield Static(Text("会话已结束", "bold red"), id="error-title")
        yield Static(self.reason, id="error-detail")
        yield Static(Text("未完成的通话已保存, 下次登录时可以继续。按任意键退出。", "dim"), id="ended-hint")

    def on_key(self, event: Key) -> None:
        event.stop()
        self.app.exit()
