"""callscript: a terminal call-script assistant for telesales teams.

The core (script model, call session, grading, storage, reports) is plain Python;
the Textual app (``callscript.tui``) and the click CLI (``callscript.cli``) are thin
layers over it.
"""

__version__ = "0.1.0"
