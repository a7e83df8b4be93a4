"""F1: every key of the app, in one place."""

from __future__ import annotations

from typing import ClassVar

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Label, Static

CALL_KEYS: list[tuple[str, str]] = [
    ("1–9", "选择听到的回答 (每个回答一个键)"),
    ("Enter", "输入框: 确认输入的值 · 结束语: 完成通话"),
    ("Tab", "输入框: 跳过 (客户不愿说, 只在标明时可用)"),
    ("Backspace", "上一步 (撤销); 输入框里先删完文字, 空了再按一次"),
    ("Ctrl+N", "记备注 (带时间); 以 ! 开头 = 重点"),
    (
        "Ctrl+B",
        "约回电: 直接输入客户说的时间 (17:30 · 明天下午3点 · 周五 10:00 · 半小时后) 按 Enter; 或 1/2/3 再 Enter 快选",
    ),
    ("Ctrl+E", "结束通话, 选择结果 (客户回答过问题后不再有 空号/无人接听/占线)"),
    ("Ctrl+R", "保存失败时: 重试保存"),
    ("PgUp PgDn", "台词太长时上下翻 (小窗口)"),
    ("Esc", "还没回答任何问题时: 放弃这个通话 (拨错了)"),
    ("F1", "本帮助"),
]

LIST_KEYS: list[tuple[str, str]] = [
    ("↑ ↓", "选择客户"),
    ("Enter", "给选中的客户打电话"),
    ("n", "手动添加客户"),
    ("/", "搜索公司或电话"),
    ("i", "按行业筛选 (再按切换)"),
    ("u", "继续未完成的通话"),
    ("r", "日报/统计"),
    ("p", "暂停: 选原因 (休息/午饭/培训/会议/其他), Enter 回来继续工作"),
    ("b", "主管看板 (主管和管理员)"),
    ("F5", "马上刷新 (列表每隔几秒自己刷新; 回电到期会响铃提醒)"),
    ("s", "空数据库: 载入示例客户, 马上试打一通"),
    ("q", "退出"),
]

SUMMARY_KEYS: list[tuple[str, str]] = [
    ("Enter", "下一个客户 (自动领取)"),
    ("Esc", "回到客户列表 (光标在下一个要打的客户上)"),
    ("↑ ↓ PgUp PgDn", "小结太长时上下翻"),
]


def _close_line() -> Text:
    text = Text()
    for i, key in enumerate(("Esc", "F1", "Enter")):
        if i:
            text.append(" / ")
        text.append(f" {key} ", "reverse")
    text.append(" 关闭本帮助")
    return text


def keys_table(title: str, rows: list[tuple[str, str]]) -> Table:
    table = Table.grid(padding=(0, 2))
    table.add_column(style="bold cyan", no_wrap=True)
    table.add_column()
    table.title = title
    table.title_style = "bold"
    table.title_justify = "left"
    for key, what in rows:
        table.add_row(key, what)
    return table


class HelpScreen(ModalScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape,f1,q,enter", "close", "关闭")]

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="dialog", id="help-dialog"):
            yield Label(Text.assemble("按键说明  ", ("(Esc 或 F1 关闭 · ↑↓ 翻看)", "dim")), classes="dialog-title")
            yield Static(keys_table("通话中", CALL_KEYS))
            yield Static(keys_table("客户列表", LIST_KEYS))
            yield Static(keys_table("通话小结", SUMMARY_KEYS))
            yield Static(Text("Ctrl+Q 退出程序 (通话中会先问) · 每个回答按下即保存, 断电/崩溃后重开可继续通话", "dim"))
            yield Static(_close_line(), classes="dialog-keys")

    def action_close(self) -> None:
        self.dismiss(None)
