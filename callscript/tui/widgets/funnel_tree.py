"""The funnel on the script: the script's tree with each node's arrivals and losses beside it.

Shown in the script editor (F9, beside the text) and on the reports screen (tab 4).
Each question node is a line — its title, then 到达 (arrivals), 结束 (the share of
arrivals that ended there) and 流失 (the share lost there: refused or left
unfinished; callscript/reports/funnel.py) on a heat colour: green under 2%, then
yellow, orange, red, and white on red from 20%. Under it, each option with the share
of the moves that took it, leading to the next node (a node already shown is a
"↪ 见上" line, so loops stay finite) or to an ending.

The numbers are of one stored script version and matched to the tree by node id, so
the editor can show the tree of the text being edited: a node the version does not
have says so ("新节点"). A node with fewer than :data:`FEW` arrivals is grey: its rates
say little.

No database here: :func:`load_funnel` runs in a worker thread and hands a
:class:`~callscript.reports.funnel.Funnel` (or a reason there is none) to
:meth:`FunnelTree.show`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING

from rich.text import Text
from textual.widgets import Tree
from textual.widgets.tree import TreeNode

from callscript.reports.funnel import OUTCOME_SHORT, Funnel, NodeStats, percent
from callscript.storage.analytics_tables import ENTER_KEY, SKIP_KEY

if TYPE_CHECKING:
    from callscript.script.model import Node, Script

FEW = 20
"""Below this many arrivals a node's rates are shown grey."""
HEAT: tuple[tuple[float, str], ...] = (
    (0.02, "black on green"),
    (0.05, "black on yellow"),
    (0.10, "black on dark_orange"),
    (0.20, "white on red"),
    (2.00, "bold white on dark_red"),
)
"""(loss rate below, style): the heat colour of a node's numbers."""
WINDOW_DAYS = 30
"""The funnel shown: the last 30 days up to the day in question (all time if they are empty)."""


def heat_style(stats: NodeStats) -> str:
    if stats.arrivals < FEW or stats.loss_rate is None:
        return "dim"
    rate = float(stats.loss_rate)
    return next(style for bound, style in HEAT if rate < bound)


def node_label(node: Node, stats: NodeStats | None, known: bool) -> Text:
    text = Text()
    text.append(node.title, "bold")
    text.append(f" {node.id}", "dim")
    if not known:
        text.append("  新节点, 还没有数据", "italic dim")
        return text
    if stats is None or stats.arrivals == 0:
        text.append("  没有到达", "dim")
        return text
    ended = Fraction(stats.ended_total + stats.left, stats.arrivals)
    text.append("  ")
    text.append(
        f" 到达 {stats.arrivals:,} · 结束 {percent(ended)} · 流失 {percent(stats.loss_rate, '—')} ({stats.lost:,}) ",
        heat_style(stats),
    )
    return text


def _ways(node: Node) -> list[tuple[str, str, str]]:
    """(key, label, target) of every way on from a question node."""
    ways = [(o.key, o.label.source, o.next) for o in node.options]
    if node.input is not None and node.next:
        ways.append((ENTER_KEY, f"填写 {node.input.fact.label}", node.next))
    if node.skip is not None:
        ways.append((SKIP_KEY, f"跳过: {node.skip.label}", node.skip.next))
    return ways


@dataclass(frozen=True, slots=True)
class FunnelView:
    """What the tree shows: a funnel (None: nothing to show) and a line saying what it is."""

    funnel: Funnel | None
    note: str


class FunnelTree(Tree[str]):
    """The script's tree with the funnel's numbers (see the module docstring)."""

    DEFAULT_CSS = """
    FunnelTree { padding: 0 1; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__("话术漏斗", id=id)
        self.show_root = True
        self.guide_depth = 2
        self.lines_for: dict[str, TreeNode[str]] = {}
        """The tree line of each question node shown (for jumping to the node being edited)."""

    def show(self, script: Script | None, view: FunnelView) -> None:
        """Rebuild the tree for ``script`` (None: the funnel's own version) with ``view``'s
        numbers (matched by node id)."""
        from callscript.script.model import END

        self.clear()
        self.lines_for = {}
        self.root.set_label(Text(view.note, "bold"))
        funnel = view.funnel
        if script is None and funnel is not None:
            script = funnel.script
        if script is None:
            self.root.expand()
            return
        stats = {n.node: n for n in funnel.nodes} if funnel is not None else {}
        known = set(funnel.script.nodes) if funnel is not None and funnel.script is not None else set()
        stack: list[tuple[TreeNode[str], str]] = [(self.root, script.start)]
        while stack:
            parent, node_id = stack.pop()
            node = script.nodes[node_id]
            if node_id in self.lines_for:
                parent.add_leaf(Text(f"↪ 见上「{node.title}」", "dim"))
                continue
            if node.kind == END:  # a script that starts at an ending
                parent.add_leaf(Text(f"结束: {OUTCOME_SHORT.get(node.end or '', node.end)}", "dim"))
                continue
            here = stats.get(node_id)
            line = parent.add(node_label(node, here, funnel is None or node_id in known), data=node_id, expand=True)
            self.lines_for[node_id] = line
            total = sum(here.choices.values()) if here is not None else 0
            later: list[tuple[TreeNode[str], str]] = []
            for key, label, target_id in _ways(node):
                target = script.nodes[target_id]
                option = Text()
                option.append(f"{'' if key.startswith('@') else key + ' '}{label}")
                if here is not None and total:
                    option.append(f"  {percent(Fraction(here.choices.get(key, 0), total))}", "cyan")
                if target.kind == END:
                    option.append(f"  → 结束: {OUTCOME_SHORT.get(target.end or '', target.end)}", "dim")
                    line.add_leaf(option)
                else:
                    later.append((line.add(option, expand=True), target_id))
            stack.extend(reversed(later))  # depth first, options in the script's order
        self.root.expand()

    def focus_node(self, node_id: str) -> None:
        """Put the cursor on a question node's line (the one being edited)."""
        line = self.lines_for.get(node_id)
        if line is not None:
            self.move_cursor(line)
            self.scroll_to_node(line)


def load_funnel(db_path: Path | None, script_name: str | None, today: date) -> FunnelView:
    """The funnel to show beside a script (worker thread; its own connection): the newest
    stored version of ``script_name`` (None: any) with calls in the 30 days up to
    ``today``, else in all time. Never raises: a view with a note says why there is none."""
    from callscript.config import resolve_db_path
    from callscript.reports.funnel import funnel, versions_in_range
    from callscript.reports.queries import open_db

    if db_path is None or not resolve_db_path(db_path).exists():
        return FunnelView(None, "还没有数据库: 没有通话, 没有漏斗")
    try:
        db = open_db(db_path)
    except Exception as exc:  # a locked or damaged file: say so, the editor goes on
        return FunnelView(None, f"读不了数据库: {exc}")
    try:
        start = today - timedelta(days=WINDOW_DAYS - 1)
        for first, last, words in ((start, today, f"近{WINDOW_DAYS}天"), (None, None, "全部日期")):
            found = [(v, n) for v, n in versions_in_range(db.conn, first, last) if script_name in (None, v.name)]
            if found:
                version, calls = found[0]
                result = funnel(db.conn, version.id, first, last, others=False)
                return FunnelView(
                    result, f"话术漏斗  版本 #{version.id} ({version.sha256[:8]})  {words}  通话 {calls:,}"
                )
        return FunnelView(None, "这个脚本还没有通话记录")
    except Exception as exc:
        return FunnelView(None, f"读不了漏斗: {type(exc).__name__}: {exc}")
    finally:
        db.close()
