"""Line templates: ``{variable}`` placeholders filled at call time, ``**key words**`` marked.

Templates are parsed once when the script loads (so an unknown variable is a
validation error, never a blank on the agent's screen) and rendered many times,
so rendering is a join over pre-split parts.
"""

from __future__ import annotations

import re
import string
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from callscript.core.names import surname

#: Variables every script may use; values come from the agent, the lead and the script.
BUILTIN_VARIABLES: dict[str, str] = {
    "agent_name": "坐席姓名",
    "agent_surname": "坐席姓氏",
    "our_company": "本公司",
    "lead_company": "客户公司",
    "contact_name": "联系人",
    "contact_surname": "联系人姓氏",
    "contact_title": "职位",
    "contact_department": "部门",
    "contact_unit": "部门或职位",
    "phone": "电话",
}

CONTACT_VARIABLES: tuple[str, ...] = ("contact_name", "contact_title", "contact_department")
"""The lead's contact, as variables a script may also declare as (text) facts. Once a
call learns one — the receptionist names the colleague who books — the learned value
replaces the lead's in every line from then on, and, since facts carry, in the lead's
later calls too (:func:`resolve_variables`)."""

OPTIONAL_VARIABLES = frozenset({"contact_unit"})
"""Variables that render as nothing, not as 〔label〕, when there is nothing to say."""


def resolve_variables(values: Mapping[str, str], facts: Mapping[str, object]) -> dict[str, str]:
    """The variables a line is rendered with: ``values`` (agent, lead, script) with the
    contact facts learned so far put over the lead's (:data:`CONTACT_VARIABLES`), and
    the derived ones filled in:

    * ``agent_surname`` / ``contact_surname``: :func:`callscript.core.names.surname` of
      the full name (two characters for 欧阳, 司马, 诸葛 …);
    * ``contact_unit``: how the seed asks for someone, 「请问XX部的XXX先生/小姐在吗?」 —
      ``市场部的`` when the department is known, else the job title, else nothing.

    A contact named on the call is a different person from the lead's contact, so the
    lead's title and department no longer apply to them unless learned too.
    """
    out = dict(values)
    learned: dict[str, str] = {}
    for name in CONTACT_VARIABLES:
        value = facts.get(name)
        if isinstance(value, str) and value.strip():
            learned[name] = value.strip()
    if "contact_name" in learned:
        for name in ("contact_title", "contact_department"):
            out.pop(name, None)
    out.update(learned)
    if out.get("agent_name") and not out.get("agent_surname"):
        out["agent_surname"] = surname(out["agent_name"])
    if out.get("contact_name"):
        out["contact_surname"] = surname(out["contact_name"])
    department, title = out.get("contact_department", ""), out.get("contact_title", "")
    out["contact_unit"] = f"{department}的" if department else title
    return out


_VALID_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_formatter = string.Formatter()


class TemplateError(ValueError):
    """A template that cannot be parsed; message names the problem."""


@dataclass(frozen=True, slots=True)
class Template:
    """A parsed line: alternating literal text and variable names."""

    source: str
    parts: tuple[tuple[str, str | None], ...]

    @property
    def variables(self) -> tuple[str, ...]:
        return tuple(name for _, name in self.parts if name)

    def render(self, lookup: Callable[[str], str]) -> str:
        return "".join(text + (lookup(name) if name else "") for text, name in self.parts)


def parse_template(source: str) -> Template:
    if source and "{" not in source and "}" not in source:
        return Template(source, ((source, None),))  # no variables: most tips and labels
    try:
        pieces = list(_formatter.parse(source))
    except ValueError as exc:
        raise TemplateError(f"bad braces in line ({exc}); write {{{{ and }}}} for literal braces") from None
    parts: list[tuple[str, str | None]] = []
    for literal, name, spec, conversion in pieces:
        if name is not None:
            if spec or conversion or not _VALID_NAME.match(name):
                raise TemplateError(
                    f"'{{{name}{'!' + conversion if conversion else ''}{':' + spec if spec else ''}}}' is not a variable; write {{name}} with letters, digits and _"
                )
        parts.append((literal, name))
    return Template(source, tuple(parts))


_MARKUP = re.compile(r"\*\*(.+?)\*\*")


def split_markup(text: str) -> list[tuple[str, bool]]:
    """Split a rendered line into (text, is_key_word) runs for ``**key words**``."""
    runs: list[tuple[str, bool]] = []
    pos = 0
    for match in _MARKUP.finditer(text):
        if match.start() > pos:
            runs.append((text[pos : match.start()], False))
        runs.append((match.group(1), True))
        pos = match.end()
    if pos < len(text):
        runs.append((text[pos:], False))
    return runs


def strip_markup(text: str) -> str:
    return _MARKUP.sub(r"\1", text)


def variable_lookup(
    values: Mapping[str, str], facts: Mapping[str, object], labels: Mapping[str, str]
) -> Callable[[str], str]:
    """A lookup for :meth:`Template.render`: given values, then known facts, else 〔label〕."""

    def lookup(name: str) -> str:
        value = values.get(name)
        if value or name in OPTIONAL_VARIABLES:
            return value or ""
        fact = facts.get(name)
        if fact is not None:
            if isinstance(fact, bool):
                return "是" if fact else "否"
            return str(fact)
        return f"〔{labels.get(name, name)}〕"

    return lookup
