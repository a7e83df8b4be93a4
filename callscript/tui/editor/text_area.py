"""The editor's TextArea: Textual's, made usable on long scripts (30,000 lines and more).

Textual 8.2's TextArea does work per key that grows with the whole document; this
subclass keeps each of those costs to what the edit touched or what is on screen
(see :class:`ScriptTextArea`). It leans on 8.x internals (``_offset_to_line_info``,
``_set_document``, ``_build_highlight_map``), pinned in pyproject.toml and covered
by tests/workshop/test_editor.py and bench/bench_editor.py.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from typing import Any

from rich.cells import cell_len
from textual.geometry import Size
from textual.widgets import TextArea
from textual.widgets.text_area import Document, EditResult, Location, WrappedDocument


class _WrappedDocument(WrappedDocument):
    """Textual's wrapped document with an O(1) ``height``.

    Textual 8.2's ``WrappedDocument.height`` sums over every line, and the TextArea
    asks for it once per rendered row: on a 30,000-line script that is ~0.6 s per
    key. ``_offset_to_line_info`` has exactly one entry per visual row and is kept
    current by ``wrap``/``wrap_range``, so its length is the height.
    """

    @property
    def height(self) -> int:
        try:
            return len(self._offset_to_line_info)
        except AttributeError:  # pragma: no cover - a Textual without that list
            return super().height


class _CountedDocument(Document):
    """Textual's plain document that reports every change to its text area.

    ``replace_range`` is the only way a document's text changes (typing, pasting,
    undo and redo all go through it), so the text area learns of every change here
    and can keep what it derived from the text until the next one.
    """

    changed: Callable[[], None]

    def replace_range(self, start: Location, end: Location, text: str) -> EditResult:
        self.changed()
        return super().replace_range(start, end, text)


def _yaml_highlighter() -> tuple[Any, Any] | None:
    """A tree-sitter parser and Textual's YAML highlight query, or None (no tree-sitter-yaml)."""
    try:
        from textual._tree_sitter import get_language
        from tree_sitter import Parser, Query

        language = get_language("yaml")
        if language is None:
            return None
        return Parser(language), Query(language, TextArea._get_builtin_highlight_query("yaml"))
    except Exception:
        return None


_WINDOW_ANCHOR = re.compile(r"^ {0,2}[^ \t#\n-]")
"""A line that starts a top-level entry or a node: a safe place to start parsing a window."""


class ScriptTextArea(TextArea):
    """The editor's TextArea: Textual's, made usable on long scripts.

    Four per-key costs of Textual 8.2's TextArea grow with the document:

    * the wrapped height (see :class:`_WrappedDocument`);
    * the widest line, which ``Document.get_size`` measures anew for every line
      on every edit (~0.2 s per key at 30,000 lines): here line widths are
      remembered by line text, so an edit measures only the lines it changed;
    * ``render_line`` reads ``self.text`` (the whole document joined) for every
      row it draws, to decide on the placeholder: here the joined text is kept
      until the document changes (``Document.replace_range`` is the only way a
      document changes, so counting its calls tells when);
    * YAML highlighting: Textual re-parses the whole document after every key
      (tree-sitter's YAML grammar re-reads it all, ~90 ms at 30,000 lines, on top
      of one Python callback per line) and turns every capture of the whole tree
      into Python tuples. Here the document stays plain text and only the rows
      around the view (from the node they start in) are parsed and highlighted,
      after an edit or when scrolling leaves them.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self._line_widths: dict[str, int] = {}
        self._doc_version = 0
        self.edited_at = 0.0
        """time.perf_counter() of the last change to the text (the debounce counts from it)."""
        self._text_cache: tuple[int, int, str] | None = None
        super().__init__(*args, **kwargs)

    def _set_document(self, text: str, language: str | None) -> None:
        super()._set_document(text, language)
        self._doc_version += 1
        if type(self.wrapped_document) is WrappedDocument:
            self.wrapped_document.__class__ = _WrappedDocument
        document = self.document
        if type(document) is Document:  # always, with language=None (the YAML is highlighted here, not by Textual)
            document.__class__ = _CountedDocument
            assert isinstance(document, _CountedDocument)
            document.changed = self._document_changed

    def _document_changed(self) -> None:
        self._doc_version += 1
        self.edited_at = time.perf_counter()

    @property
    def text(self) -> str:
        """The document's text (joined once, kept until the document changes)."""
        document = self.document
        if not isinstance(document, _CountedDocument):  # a document that does not report its changes
            return document.text
        cached = self._text_cache
        if cached is not None and cached[0] == id(document) and cached[1] == self._doc_version:
            return cached[2]
        text = document.text
        self._text_cache = (id(document), self._doc_version, text)
        return text

    @text.setter
    def text(self, value: str) -> None:
        self.load_text(value)  # as TextArea.text's setter

    def _widest_line(self) -> int:
        lines = self.document.lines
        widths = self._line_widths
        if len(widths) > 2 * len(lines) + 1000:  # old versions of edited lines pile up
            widths.clear()
        try:
            return max(map(widths.__getitem__, lines), default=0)
        except KeyError:
            tab = self.indent_width
            for line in lines:
                if line not in widths:
                    widths[line] = cell_len(line.expandtabs(tab))
            return max(map(widths.__getitem__, lines), default=0)

    def _refresh_size(self) -> None:
        if self.soft_wrap:
            super()._refresh_size()  # the height only: O(1) with _WrappedDocument
            return
        # as TextArea._refresh_size: +1 width for the cursor resting at the end of the line
        self.virtual_size = Size(self._widest_line() + self.gutter_width + 1, self.document.line_count)
        self._refresh_scrollbars()

    # -- highlighting: only the rows around the view --------------------------------
    HIGHLIGHT_MARGIN = 150

    _highlight_window: tuple[int, int] = (0, -1)
    _highlighter: tuple[Any, Any] | None = None

    def enable_yaml(self) -> bool:
        """Highlight as YAML (False: tree-sitter-yaml is not installed; the text stays plain)."""
        self._highlighter = _yaml_highlighter()
        self._highlight_window = (0, -1)
        self.refresh()
        return self._highlighter is not None

    @property
    def yaml_highlighting(self) -> bool:
        return self._highlighter is not None

    def _build_highlight_map(self) -> None:
        if self._highlighter is None:
            super()._build_highlight_map()
            return
        from tree_sitter import QueryCursor

        self._line_cache.clear()
        highlights = self._highlights
        highlights.clear()
        lines = self.document.lines
        top = self.scroll_offset.y
        first = max(0, top - self.HIGHLIGHT_MARGIN)
        last = min(len(lines) - 1, top + max(self.size.height, 50) + self.HIGHLIGHT_MARGIN)
        start = first
        while start > 0 and first - start < 400 and not _WINDOW_ANCHOR.match(lines[start]):
            start -= 1
        self._highlight_window = (first, last)
        parser, query = self._highlighter
        # A window that starts on a node (indented) gets a dummy top-level key above it,
        # so the top-level keys further down stay its siblings as in the whole file.
        indented = lines[start][:1] == " "
        source = ("_:\n" if indented else "") + "\n".join(lines[start : last + 1])
        offset = start - 1 if indented else start
        tree = parser.parse(source.encode("utf-8"))
        for name, nodes in QueryCursor(query).captures(tree.root_node).items():
            for node in nodes:
                start_row, start_col = node.start_point
                end_row, end_col = node.end_point
                start_row += offset
                end_row += offset
                if end_row < start:
                    continue  # the dummy line
                start_row = max(start_row, start)
                if start_row == end_row:
                    highlights[start_row].append((start_col, end_col, name))
                else:
                    highlights[start_row].append((start_col, None, name))
                    for row in range(start_row + 1, end_row):
                        highlights[row].append((0, None, name))
                    highlights[end_row].append((0, end_col, name))

    def render_lines(self, crop: Any) -> Any:
        if self._highlighter is not None:
            top = self.scroll_offset.y
            first, last = self._highlight_window
            if top < first or (top + self.size.height > last + 1 and last < self.document.line_count - 1):
                self._build_highlight_map()
        return super().render_lines(crop)


def make_text_area(text: str, highlight: bool = True) -> ScriptTextArea:
    """A code editor for YAML: highlighted when tree-sitter-yaml is installed, plain text otherwise."""
    area = ScriptTextArea.code_editor(text, language=None, id="source", soft_wrap=False)
    assert isinstance(area, ScriptTextArea)  # code_editor is `cls(...)`, typed as returning a TextArea
    if highlight:
        area.enable_yaml()
    return area
