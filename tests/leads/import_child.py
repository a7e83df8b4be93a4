"""Child process for the interrupted-import test: imports a file and (``pause``) stops
inside the transaction after the first batch, saying so in FLAG, until it is killed.

    python -m tests.leads.import_child DB FILE FLAG pause|run
"""

from __future__ import annotations

import os
import sys
import time

from callscript.leads.importer import import_leads
from callscript.storage import Store


def main() -> None:
    db, source, flag, mode = sys.argv[1:5]

    def progress(done: int, total: int) -> None:
        if mode == "pause":
            with open(flag, "w") as fh:
                fh.write(f"{done}/{total}")
                fh.flush()
                os.fsync(fh.fileno())
            time.sleep(120)

    with Store.open(db) as store:
        result = import_leads(store, source, progress=progress)
    print(result.imported, flush=True)


if __name__ == "__main__":
    main()
