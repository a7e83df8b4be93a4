"""Text that enters the database: no control characters, bounded lengths. The one home of the rule.

Whatever a person types, pastes or imports — a company name, an agent's name, a note, a fact
typed during a call, a remark — is cleaned here before it is stored, so a stored value can
never set a terminal's title, clear its screen (``\\e]0;PWNED\\a\\e[2J``), hide text from a
report or break a one-line field:

* **Control characters** go: C0 (``\\x00``–``\\x1f``), DEL (``\\x7f``) and C1 (``\\x80``–``\\x9f``,
  which some terminals also obey). Ordinary spaces stay (ideographic spaces too).
* **One line** where one line is expected (:func:`clean_line`: names, company, phone, industry,
  a fact typed in a box): tabs and line breaks (``\\r``, ``\\n``, ``\\x85``, U+2028/9) become spaces.
* **Several lines** where they make sense (:func:`clean_text`: notes, remarks): line breaks stay
  (as ``\\n``), tabs become spaces.
* Leading and trailing whitespace is dropped.
* **Lengths** are bounded (:data:`LIMITS`, in characters after cleaning); a longer text is
  refused with :class:`TextTooLong` (a ``ValueError``) — storage refuses, the import rejects the
  row, the app's boxes stop taking characters at the limit, so nothing is cut silently.

Storage applies this in its write methods (so no path is missed); readers of what is already
stored use :func:`for_display`, so text written before this rule existed (or by another tool)
is not echoed raw to a terminal either. Script text is validated separately (the script loader).
"""

from __future__ import annotations

import re

LIMITS: dict[str, int] = {
    "agent_name": 64,
    "company": 200,
    "contact": 100,
    "title": 100,
    "department": 100,
    "phone": 100,
    "industry": 100,
    "source": 200,
    "lead_notes": 2_000,
    "note": 2_000,
    "address": 500,
    "fact_text": 500,
    "reason": 500,
    "remark": 2_000,
}
"""The longest text each kind of field takes, in characters (docs/storage.md, "Text")."""

LEAD_TEXT_FIELDS: dict[str, str] = {
    "company": "company",
    "contact": "contact",
    "title": "title",
    "department": "department",
    "phone": "phone",
    "industry": "industry",
    "source": "source",
    "notes": "lead_notes",
}
"""A lead's text columns and the limit (a key of :data:`LIMITS`) each is held to; one line
each, ``notes`` may have several. Storage and the lead import both read it here."""

LABELS: dict[str, str] = {
    "agent_name": "agent name",
    "company": "company",
    "contact": "contact",
    "title": "title",
    "department": "department",
    "phone": "phone",
    "industry": "industry",
    "source": "source",
    "lead_notes": "notes",
    "note": "note",
    "address": "address",
    "fact_text": "answer",
    "reason": "reason",
    "remark": "remark",
}

_ONE_LINE_BREAKS = re.compile(r"[\t\n\r\x0b\x0c\x85\u2028\u2029]")
_BREAKS = re.compile(r"\r\n?|[\x0b\x0c\x85\u2028\u2029]")
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
"""C0 except tab and newline (handled first), DEL, C1."""


class TextTooLong(ValueError):
    """A text longer than its field's limit; the message names the field, the length and the limit."""

    def __init__(self, field: str, length: int, limit: int):
        label = LABELS.get(field, field)
        super().__init__(f"{label}: too long ({length:,} characters, at most {limit:,})")
        self.field = field
        self.length = length
        self.limit = limit


def strip_controls(text: str, *, keep_newlines: bool) -> str:
    """``text`` without control characters; tabs become spaces, and line breaks become ``\\n``
    (``keep_newlines``) or spaces. Not stripped at the ends, not bounded."""
    if text.isprintable():  # the common case: nothing to do, checked in C
        return text
    if keep_newlines:
        text = _BREAKS.sub("\n", text).replace("\t", " ")
    else:
        text = _ONE_LINE_BREAKS.sub(" ", text)
    return _CONTROLS.sub("", text)


def clean_line(value: object, field: str | None = None) -> str:
    """One line of text for ``field`` (a key of :data:`LIMITS`; None: no limit): controls out,
    breaks and tabs to spaces, trimmed. :class:`TextTooLong` if it is still too long."""
    text = strip_controls(str(value), keep_newlines=False).strip()
    return _bounded(text, field)


def clean_text(value: object, field: str | None = None) -> str:
    """Text that may have several lines (notes, remarks): controls out, line breaks kept as ``\\n``,
    tabs to spaces, trimmed. :class:`TextTooLong` if it is still too long."""
    text = strip_controls(str(value), keep_newlines=True).strip()
    return _bounded(text, field)


def clean_optional(value: object, field: str, *, lines: bool = False) -> str | None:
    """:func:`clean_line` (or :func:`clean_text` with ``lines``) for an optional field: None, or
    a text that is empty once cleaned, is None."""
    if value is None:
        return None
    text = clean_text(value, field) if lines else clean_line(value, field)
    return text or None


_ESCAPES = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def without_escapes(text: str) -> str:
    """``text`` without the control characters a terminal or a program could act on (ESC, BEL,
    NUL, DEL, C1 …), keeping tab, CR and LF, which a spreadsheet cell may hold as they are."""
    return text if text.isprintable() else _ESCAPES.sub("", text)


def for_display(value: str | None) -> str | None:
    """A stored text made safe to show on a terminal (control characters out, line breaks kept):
    for what was stored before this rule, or by another program."""
    if value is None:
        return None
    return strip_controls(value, keep_newlines=True)


def _bounded(text: str, field: str | None) -> str:
    if field is not None:
        limit = LIMITS[field]
        if len(text) > limit:
            raise TextTooLong(field, len(text), limit)
    return text
