"""How the store turns a phone number as written into the key that makes it one lead.

``Store.open(normalise=…)`` takes any ``str -> str | None``; the default is
:func:`e164_normalise` (E.164 through :mod:`callscript.core.phones`).
"""

from __future__ import annotations

import re


def e164_normalise(phone: str) -> str | None:
    """Default phone normaliser: :func:`callscript.core.phones.phone_norm` (E.164 via
    ``phonenumbers``, region CN unless ``$CALLSCRIPT_REGION``); None if not a valid number.

    Imported on first use so opening the store does not load libphonenumber's data.
    """
    from callscript.core.phones import phone_norm

    return phone_norm(phone)


def digits_only(phone: str) -> str | None:
    """A bare normaliser (``Store.open(..., normalise=digits_only)``): keep a leading ``+``
    and the digits; None if under 5 digits."""
    text = str(phone).strip()
    digits = re.sub(r"\D", "", text)
    if len(digits) < 5:
        return None
    return ("+" if text.startswith("+") else "") + digits


def phone_kind(norm: str) -> str | None:
    """``mobile``, ``landline`` or ``other`` for a normalised number (None if not E.164)."""
    from callscript.core.phones import kind_of_norm

    return kind_of_norm(norm)
