"""The floor server: ``callscript serve`` (docs/deploy.md). See :mod:`callscript.serve.server`."""

from callscript.serve.server import DEFAULT_MAX_SESSIONS, FloorServer, app_command, client_address, serve

__all__ = ["DEFAULT_MAX_SESSIONS", "FloorServer", "app_command", "client_address", "serve"]
