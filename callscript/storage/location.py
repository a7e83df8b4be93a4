"""Where the database file is.

The app has one resolution function, :func:`callscript.config.resolve_db_path`
(``--db`` → ``$CALLSCRIPT_DB`` → ``data/callscript.db`` beside the checkout, else
under the working directory). It is re-exported here so storage users need only
``callscript.storage``; :meth:`Store.open` with no path uses it.
"""

from __future__ import annotations

from callscript.config import DB_ENV as ENV_VAR
from callscript.config import resolve_db_path

__all__ = ["ENV_VAR", "resolve_db_path"]
