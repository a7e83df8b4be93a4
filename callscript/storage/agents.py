"""Agents (created on first use) and their day reviews (the daily table's 优点/缺点/建议)."""

from __future__ import annotations

from datetime import date, datetime

from callscript.core.access import Actor, AuditAction
from callscript.core.cleantext import clean_line, clean_optional
from callscript.storage.audit import AuditMixin
from callscript.storage.errors import NotFound
from callscript.storage.records import Agent, DayReview
from callscript.storage.timefmt import iso, iso_day

AgentRef = int | str | Agent
"""An agent as callers name one: the id, the name, or the record."""


class AgentsMixin(AuditMixin):
    """``ensure_agent``, ``agents``, ``get_agent``; ``set_day_review``, ``day_review``."""

    def ensure_agent(self, name: str, *, now: datetime | None = None) -> Agent:
        """The agent called ``name``, created on first use (``now``: when, if not the clock's now).

        The name is one line without control characters, at most 64 characters
        (:mod:`callscript.core.cleantext`; ``ValueError`` otherwise)."""
        name = clean_line(name, "agent_name")
        if not name:
            raise ValueError("an agent needs a name")
        stamp = iso(self._now(now))

        def work() -> Agent:
            self._execute(
                "INSERT INTO agents (name, created_at) VALUES (?, ?) ON CONFLICT (name) DO NOTHING", (name, stamp)
            )
            return self._agent_named(name)

        committed = not self._in_tx()  # inside an outer transaction the row may yet be rolled back
        agent = self._tx(work)
        if committed:
            self._agent_ids[name] = agent.id
        return agent

    def _agent_named(self, name: str) -> Agent:
        row = self._row("SELECT * FROM agents WHERE name = ?", (name,))
        if row is None:
            raise NotFound(f"no agent named {name!r}")
        return Agent.from_row(row)

    def agents(self) -> list[Agent]:
        return [Agent.from_row(r) for r in self._rows("SELECT * FROM agents ORDER BY name")]

    def get_agent(self, agent: AgentRef) -> Agent:
        row = self._row("SELECT * FROM agents WHERE id = ?", (self._agent_id(agent, create=False),))
        if row is None:
            raise NotFound(f"no agent {agent!r}")
        return Agent.from_row(row)

    def _agent_id(self, agent: AgentRef, *, create: bool = True) -> int:
        """The id of an agent given by id, name or record; a new name is created unless ``create`` is
        False (then :class:`NotFound`)."""
        if isinstance(agent, Agent):
            return agent.id
        if isinstance(agent, int):
            return agent
        name = clean_line(agent)
        known = self._agent_ids
        if name in known:
            return known[name]
        found = self._value("SELECT id FROM agents WHERE name = ?", (name,))
        if found is not None:
            known[name] = found
            return int(found)
        if not create:
            raise NotFound(f"no agent named {name!r}")
        return self.ensure_agent(name).id

    # ------------------------------------------------------------------ day reviews (优点/缺点/建议)

    def set_day_review(
        self,
        agent: AgentRef,
        day: date | datetime | str,
        *,
        strengths: str | None = None,
        weaknesses: str | None = None,
        suggestions: str | None = None,
        keep_unset: bool = False,
        create_agent: bool = True,
        actor: Actor | None = None,
        now: datetime | None = None,
    ) -> DayReview:
        """Write (or replace) the agent's 优点/缺点/建议 for ``day`` (audited as ``remark``).

        ``keep_unset``: a part given as None keeps what was written before (an empty text
        clears it). ``create_agent=False``: an unknown agent is :class:`NotFound`. Each part
        may have several lines, at most 2,000 characters, no control characters.
        """
        agent_id = self._agent_id(agent, create=create_agent)
        key = iso_day(day)
        moment = self._now(now)
        stamp = iso(moment)
        parts = {
            "strengths": strengths,
            "weaknesses": weaknesses,
            "suggestions": suggestions,
        }
        cleaned = {k: clean_optional(v, "remark", lines=True) for k, v in parts.items()}

        def work() -> None:
            if keep_unset:
                old = self._row(
                    "SELECT strengths, weaknesses, suggestions FROM agent_day_reviews WHERE agent_id = ? AND day = ?",
                    (agent_id, key),
                )
                for name, given in parts.items():
                    if given is None and old is not None:
                        cleaned[name] = old[name]
            self._execute(
                """INSERT INTO agent_day_reviews (agent_id, day, strengths, weaknesses, suggestions, updated_at)
                   VALUES (?, ?, ?, ?, ?, ?)
                   ON CONFLICT (agent_id, day) DO UPDATE SET strengths = excluded.strengths,
                       weaknesses = excluded.weaknesses, suggestions = excluded.suggestions,
                       updated_at = excluded.updated_at""",
                (agent_id, key, cleaned["strengths"], cleaned["weaknesses"], cleaned["suggestions"], stamp),
            )
            name = self._value("SELECT name FROM agents WHERE id = ?", (agent_id,))
            self.audit(AuditAction.REMARK, actor=actor, target=f"agent:{name}", detail={"day": key}, now=moment)

        self._tx(work)
        review = self.day_review(agent_id, key)
        if review is None:  # pragma: no cover - written just above
            raise NotFound(f"no day review for agent {agent_id} on {key}")
        return review

    def day_review(self, agent: AgentRef, day: date | datetime | str) -> DayReview | None:
        """The agent's review for ``day``, if written (None for an unknown agent too)."""
        try:
            agent_id = self._agent_id(agent, create=False)
        except NotFound:
            return None
        row = self._row("SELECT * FROM agent_day_reviews WHERE agent_id = ? AND day = ?", (agent_id, iso_day(day)))
        return DayReview.from_row(row) if row else None
