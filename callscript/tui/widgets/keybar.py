"""A one-line key bar the screen fills itself (Textual's Footer recomposes on every
binding change, which costs a frame's worth of work per answer on the call screen)."""

from __future__ import annotations

from collections.abc import Iterable

from rich.text import Text
from textual.widgets import Static


def keys_text(pairs: Iterable[tuple[str, str]]) -> Text:
    text = Text(no_wrap=True, overflow="ellipsis")
    for i, (key, label) in enumerate(pairs):
        if i:
            text.append(" ")
        text.append(f" {key} ", "bold reverse")
        text.append(f" {label}")
    return text


class KeyBar(Static):
    DEFAULT_CSS = """
    KeyBar { dock: bottom; height: 1; width: 100%; background: $panel; color: $text-muted; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__("", id=id)
        self._shown: tuple[tuple[str, str], ...] = ()

    def show(self, pairs: Iterable[tuple[str, str]]) -> None:
        pairs = tuple(pairs)
        if pairs != self._shown:
            self._shown = pairs
            self.update(keys_text(pairs), layout=False)
