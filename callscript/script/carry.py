"""Facts that carry across the calls of one lead (BRIEF v2).

A later call on a lead — a callback, a follow-up, any call after the first — starts
knowing what earlier calls learned: for each fact, the value from the latest finished
call that learned it. :class:`CarriedFact` is one such value with the call it came
from (shown to the agent as 「酒店星级: 4 (来自 11-25 的通话)」); :func:`carry_over`
picks, of what storage offers, the facts this call's script starts with.

Storage records the offer on the call row when the call starts
(``calls.carried``), so a resumed or rebuilt call starts from exactly the same facts.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from callscript.script.facts import FactSpec, FactValue, FactValueError


@dataclass(frozen=True, slots=True)
class CarriedFact:
    """A fact an earlier call learned: its value, that call's id and when it started."""

    value: FactValue
    call_id: int | None = None
    at: datetime | None = None

    def source(self) -> str:
        """Where the value came from, for the agent: ``来自 11-25 的通话``."""
        if self.at is None:
            return "来自之前的通话"
        return f"来自 {self.at.strftime('%m-%d')} 的通话"

    def to_json(self) -> dict[str, Any]:
        return {"value": self.value, "call_id": self.call_id, "at": self.at.isoformat() if self.at else None}

    @classmethod
    def from_json(cls, data: Any) -> CarriedFact:
        """From :meth:`to_json`'s mapping (as stored), or a bare value (tests files, ``known:``)."""
        if isinstance(data, Mapping) and "value" in data:
            at = data.get("at")
            call_id = data.get("call_id")
            return cls(
                data["value"],
                int(call_id) if call_id is not None else None,
                datetime.fromisoformat(at) if isinstance(at, str) and at else None,
            )
        return cls(data)


def carried_from_json(data: Mapping[str, Any] | None) -> dict[str, CarriedFact]:
    """A ``{fact: CarriedFact JSON}`` mapping (the ``calls.carried`` column) as objects."""
    return {name: CarriedFact.from_json(value) for name, value in (data or {}).items() if value is not None}


def carry_over(catalogue: Mapping[str, FactSpec], offered: Mapping[str, Any] | None) -> dict[str, CarriedFact]:
    """Of the facts earlier calls learned, those a call on a script with these facts
    starts knowing: facts the script knows, that carry (:attr:`FactSpec.carries`: not
    "who answered" or "what this call did"), with a value the fact can take now (a
    script edited since may have dropped a value). In the order offered."""
    kept: dict[str, CarriedFact] = {}
    for name, item in (offered or {}).items():
        fact = item if isinstance(item, CarriedFact) else CarriedFact.from_json(item)
        spec = catalogue.get(name)
        if spec is None or not spec.carries or fact.value is None:
            continue
        try:
            value = spec.check(fact.value)
        except FactValueError:
            continue
        kept[name] = CarriedFact(value, fact.call_id, fact.at)
    return kept
