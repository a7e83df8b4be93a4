"""The outcome vocabulary, as the script package has always exported it.

Outcomes are shared by the script, the lead life cycle and storage, so their one
home is :mod:`callscript.core.outcomes` (core may import nothing else, and the life
cycle there needs them). This module re-exports it for the modules of
``callscript/tui`` that still import it from here; new code imports from core.
"""

from callscript.core.outcomes import EFFECTIVE_VALUES, NOT_EFFECTIVE, OUTCOME_LABELS, OUTCOME_VALUES, Outcome

__all__ = ["EFFECTIVE_VALUES", "NOT_EFFECTIVE", "OUTCOME_LABELS", "OUTCOME_VALUES", "Outcome"]
