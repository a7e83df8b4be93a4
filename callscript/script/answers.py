"""Answers lists: a call written down as the keys and values an agent gave.

The one format shared by ``callscript replay``, script tests (``NAME.tests.yaml``),
the path explorer and the tests: a list whose items are a key (``"1"``),
``{enter: text}``, ``skip``, ``back`` or ``{end: outcome}``. Plain Python, no CLI.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from callscript.script.model import Script
from callscript.script.session import CallSession, SessionError

Action = tuple[str, str | None]


class AnswerError(ValueError):
    """An answers list that cannot be read or walked; the message names the answer."""


def parse_answers(data: Any) -> list[Action]:
    """An answers list as (action, value) pairs: choose/enter/end with a value, skip/back without."""
    if isinstance(data, dict) and "answers" in data:
        data = data["answers"]
    if not isinstance(data, list):
        raise AnswerError('answers must be a list, e.g. ["1", {enter: "3"}, skip, back]')
    actions: list[Action] = []
    for index, item in enumerate(data, start=1):
        if isinstance(item, bool) or item is None:
            raise AnswerError(f'answer {index}: {item!r} is not a key; quote keys such as "1"')
        if isinstance(item, int):
            actions.append(("choose", str(item)))
        elif isinstance(item, str):
            actions.append((item, None) if item in ("skip", "back") else ("choose", item))
        elif isinstance(item, dict) and len(item) == 1:
            ((kind, value),) = item.items()
            if kind not in ("choose", "enter", "end"):
                raise AnswerError(f"answer {index}: unknown action {kind!r}; use a key, enter:, end:, skip or back")
            actions.append((kind, str(value)))
        else:
            raise AnswerError(f"answer {index}: cannot read {item!r}")
    return actions


def walk_answers(
    script: Script,
    actions: list[Action],
    variables: Mapping[str, str] | None = None,
    *,
    carried: Mapping[str, Any] | None = None,
) -> tuple[CallSession, str | None]:
    """Walk a new session through ``actions``, stopping at the first that fails.

    ``carried``: facts earlier calls on the lead learned (``{fact: value}`` or
    :class:`~callscript.script.carry.CarriedFact`), as a later call starts with them.
    Returns the session as far as it got and the error (``None`` if all applied),
    so a failing script test still shows where the walk stood and counts coverage.
    """
    session = CallSession(script, variables, carried)
    for index, (kind, value) in enumerate(actions, start=1):
        try:
            if kind == "choose":
                session.choose(value or "")
            elif kind == "enter":
                session.enter(value or "")
            elif kind == "end":
                session.end(value or "")
            elif kind == "skip":
                session.skip()
            else:
                session.back()
        except SessionError as exc:
            return session, f"answer {index} ({kind} {value or ''}) at node '{session.node_id}': {exc}"
    return session, None


def run_answers(
    script: Script,
    actions: list[Action],
    variables: Mapping[str, str] | None = None,
    *,
    carried: Mapping[str, Any] | None = None,
) -> CallSession:
    """Walk a new session through ``actions``; :class:`AnswerError` names the answer that failed."""
    session, error = walk_answers(script, actions, variables, carried=carried)
    if error is not None:
        raise AnswerError(error)
    return session


def session_summary(session: CallSession) -> dict[str, Any]:
    """Where a call got to, as ``replay --json`` prints it."""
    return {
        "path": session.path,
        "node": session.node_id,
        "finished": session.finished,
        "outcome": session.outcome,
        "facts": session.facts,
        **session.grade().to_json(),
    }
