"""The live floor board and the supervisor's day (docs/floor.md).

* :mod:`callscript.floor.board` — the board: one snapshot from storage, assembled per agent
  (state, node, call time, today's figures against the last 7 working days, the spark line);
* :mod:`callscript.floor.alerts` — the alerts and their thresholds;
* :mod:`callscript.floor.day` — login, logout, talk, wrap-up, pauses and occupancy per agent and day;
* :mod:`callscript.floor.render` — the cells both views draw, and the JSON snapshot.

No Textual: the app's board screen (``callscript.tui.screens.floor``) and ``callscript floor``
(``callscript.cli.floor_cmds``) are thin layers over these. Who may read the board is enforced in
storage (``Store.acting_as``: the ``floor`` permission).
"""
