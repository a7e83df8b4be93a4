"""A child process for the disk-full test: one agent's call, answered until the disk is full.

Prints one JSON line: the sequence numbers storage acknowledged (``record_event`` returned),
the error's code and what the agent's app would say about it, and whether finishing the call
failed too. Run as ``python -m storage.fault_child DB`` from tests/.
"""

from __future__ import annotations

import json
import sys

from callscript.script.session import CallSession
from callscript.storage import StorageError, Store
from callscript.tui.backend import problem_text
from storage.helpers import mini_script


def main(db: str) -> None:
    script = mini_script()
    acknowledged: list[int] = []
    outcome = {"acknowledged": acknowledged, "code": None, "said": None, "finish_failed": None}
    with Store.open(db) as store:
        script_id = store.store_script_version(script)
        lead = store.claim_next_lead("王芳")
        assert lead is not None
        call_id = store.start_call(lead.id, "王芳", script_id)
        outcome["call_id"] = call_id
        session = CallSession(script)
        try:
            for step in range(100_000):  # a long call (an answer, back, again …) until the disk is full
                event = session.back() if step % 2 else session.choose(session.node.options[0].key)
                record = store.record_event(call_id, event)
                acknowledged.append(record.seq)
        except StorageError as exc:
            outcome["code"] = str(exc.code)
            outcome["said"] = problem_text(exc)
        try:
            store.finish_call(call_id, "busy")
            outcome["finish_failed"] = False
        except StorageError as exc:
            outcome["finish_failed"] = True
            outcome["finish_said"] = problem_text(exc)
    print(json.dumps(outcome, ensure_ascii=False))


if __name__ == "__main__":
    main(sys.argv[1])
