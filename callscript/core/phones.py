"""Phone numbers: parse what a person typed into E.164, tell mobile from landline.

Every number the app stores goes through :func:`parse_phone` (Google's
libphonenumber data via ``phonenumbers``), so ``138 1234 5678``,
``+86-138-1234-5678`` and ``008613812345678`` are one number (``+8613812345678``)
and a lead is never stored twice under two spellings.

* Region: numbers without a country code are read as numbers of the default
  region, ``CN`` unless ``$CALLSCRIPT_REGION`` or an explicit ``region=`` says
  otherwise (``0755-2688 1234`` is a Shenzhen landline, ``13812345678`` a mobile).
* Kind: ``mobile``, ``landline`` or ``other`` (400/800 numbers, numbers that may
  be either, foreign numbers of unknown type). The seed's opening asks, on a
  mobile, whether there is a landline nearby: the call screen reads this kind.
* Extensions (``010-8888 6666 转 801``, ``ext. 801``, ``#801``) are kept: two
  contacts behind one switchboard are two leads. The normalised key is then
  ``+861088886666;ext=801`` (RFC 3966's spelling).
* Invalid numbers raise :class:`PhoneError` whose message says why, in words a
  data-entry clerk understands (too short, no such mobile prefix, letters, …).

Speed: ``phonenumbers.parse`` costs ~30 µs; the data team's lists are 100,000
rows. For CN the usual spellings (11-digit mobiles, ``0``-prefixed landlines,
``+86``/``0086`` prefixes, with spaces, dashes, dots or brackets) take a fast path
that strips the prefixes and applies libphonenumber's own CN patterns (from its
metadata, in its order) to the national number; anything else goes through the
full parser. A property test (``tests/leads/test_phones.py``) checks that the two
paths agree.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable
from functools import lru_cache
from typing import NamedTuple

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumber, PhoneNumberFormat, PhoneNumberType, ValidationResult

REGION_ENV = "CALLSCRIPT_REGION"
DEFAULT_REGION = "CN"

MOBILE, LANDLINE, OTHER = "mobile", "landline", "other"
PHONE_KINDS = (MOBILE, LANDLINE, OTHER)
KIND_LABELS = {MOBILE: "手机", LANDLINE: "座机", OTHER: "其他"}

MAX_PHONE_CHARS = 64
"""Longer than this is not a phone number (and not worth handing to the parser)."""

_KIND_OF_TYPE = {
    PhoneNumberType.MOBILE: MOBILE,
    PhoneNumberType.FIXED_LINE: LANDLINE,
}


class PhoneError(ValueError):
    """A text that is not a usable phone number.

    ``str(exc)`` is the reason in English (CLI, logs); ``exc.zh`` the same in
    Chinese for the agent's screen.
    """

    def __init__(self, message: str, zh: str | None = None):
        super().__init__(message)
        self.zh = zh or message


class Phone(NamedTuple):
    """A parsed number (a named tuple: cheap to make 100,000 of in an import)."""

    e164: str
    """``+8613812345678``."""
    kind: str
    """``mobile`` · ``landline`` · ``other``."""
    extension: str | None = None
    region: str | None = None
    """The number's own region (``CN``, ``HK``, ``US``, …)."""

    @property
    def norm(self) -> str:
        """The key the database keeps unique: E.164, plus ``;ext=N`` when there is an extension."""
        return f"{self.e164};ext={self.extension}" if self.extension else self.e164

    @property
    def kind_label(self) -> str:
        return KIND_LABELS[self.kind]


_CN_MOBILE = re.compile(r"(?:\+86|0086)?[ -]?(1(?:[3-68-9][0-9]|7[0-8]))[ -]?([0-9]{4})[ -]?([0-9]{4})").fullmatch
"""``13812345678``, ``138 1234 5678``, ``138-1234-5678``, ``+86 138…``, ``0086-138…`` (not the
``11``/``12``/``179`` prefixes, which libphonenumber reads as carrier codes: :func:`_fast_cn`)."""
_CN_LANDLINE = re.compile(r"\(?0([1-9][0-9]{1,2})\)?[ -]?([0-9]{3,4})[ -]?([0-9]{4})").fullmatch
"""``010-8888 6666``, ``(0755)26881234``, ``0755 2688 1234``: the area code without its ``0``, then the number."""

_new_phone = tuple.__new__
"""``Phone(...)`` without the named tuple's Python-level ``__new__`` (half the cost, same object)."""


def default_region() -> str:
    """``$CALLSCRIPT_REGION`` (two letters, e.g. ``HK``) or ``CN``."""
    region = (os.environ.get(REGION_ENV) or "").strip().upper()
    return region or DEFAULT_REGION


def check_region(region: str) -> str:
    """``region`` upper-cased if libphonenumber knows it, else :class:`PhoneError`."""
    if region in phonenumbers.SUPPORTED_REGIONS:
        return region
    code = (region or "").strip().upper()
    if code not in phonenumbers.SUPPORTED_REGIONS:
        raise PhoneError(
            f"unknown phone region {region!r} (use a two-letter code such as CN, HK, US)", f"未知的地区代码 {region!r}"
        )
    return code


# ---------------------------------------------------------------------------
# Cleaning the text
# ---------------------------------------------------------------------------

# Full-width digits and signs (a Chinese IME types these) → ASCII.
_FULLWIDTH = str.maketrans(
    "０１２３４５６７８９＋－（）．＃　",
    "0123456789+-().# ",
)
# What people put between digit groups; removed on the fast path.
_GROUPING = str.maketrans("", "", " -().\u00a0\u2010\u2011\u2012\u2013\u2014\u2212\t")
# 转 / 分机 / ext / x / # followed by digits at the end: an extension.
_EXTENSION = re.compile(r"\s*(?:转|轉|分机|分機|ext\.?|extension|x|#)\s*(\d{1,6})\s*$", re.IGNORECASE)
_DASH_EXTENSION = re.compile(r"^(.*\d)\s*-\s*(\d{1,5})$")
_HAS_LETTER = re.compile(r"[^\W\d_]")


_EXTENSION_HINTS = frozenset("转轉分eExX#")


def _clean(text: str) -> tuple[str, str | None]:
    """Whitespace trimmed, full-width made ASCII, a trailing extension split off."""
    cleaned = (text if text.isascii() else text.translate(_FULLWIDTH)).strip()
    if _EXTENSION_HINTS.isdisjoint(cleaned):
        return cleaned, None
    match = _EXTENSION.search(cleaned)
    if match and match.start() > 0:
        return cleaned[: match.start()].strip(), match.group(1)
    return cleaned, None


# ---------------------------------------------------------------------------
# Parsing
# ---------------------------------------------------------------------------


def parse_phone(text: str, region: str | None = None) -> Phone:
    """Parse ``text`` as a phone number of ``region`` (default :func:`default_region`).

    Raises :class:`PhoneError` with a short reason when ``text`` is not a valid number.
    """
    if not isinstance(text, str):
        raise PhoneError(f"not a phone number: {text!r}", "不是电话号码")
    if region != "CN":  # "CN" (the import's, a million times) is known: no need to look it up
        region = check_region(region) if region else default_region()
    raw = text.strip()
    if not raw:
        raise PhoneError("no phone number", "没有电话号码")
    if len(raw) > MAX_PHONE_CHARS:
        raise PhoneError(f"not a phone number (longer than {MAX_PHONE_CHARS} characters)", "不是电话号码(太长)")
    if region == "CN":
        # the lead import's hot path (a million numbers): the spellings nearly every list uses,
        # read by one pattern each into the national number _fast_cn would give; a number whose
        # type is unknown (invalid, or a landline with a dash extension) goes the whole way
        # below, so the answers are _parse's (tests/leads/test_phones.py checks)
        found = _CN_MOBILE(raw) or _CN_LANDLINE(raw)
        if found is not None:
            national = "".join(found.groups())
            by_length = (_CN_TABLE or _cn_table()).get(len(national))  # _cn_number_type, inline
            number_type = PhoneNumberType.UNKNOWN if by_length is None else by_length(national)
            if number_type != PhoneNumberType.UNKNOWN:
                return _new_phone(Phone, ("+86" + national, _KIND_OF_TYPE.get(number_type, OTHER), None, "CN"))
    return _parse(raw, region, fast=True)


def parse_phones(texts: Iterable[str], region: str | None = None) -> list[Phone | None]:
    """:func:`parse_phone` of each text, None where it raises :class:`PhoneError` (ask
    :func:`parse_phone` for the reason): the lead import's hot path, a chunk of numbers at a time.

    The same answers (the tests compare), a little cheaper: the CN shortcut of :func:`parse_phone`
    runs inline, without a call per number; a text it does not settle (blanks at the ends, another
    spelling, an invalid number, another region) goes through :func:`parse_phone` itself.
    """
    region = check_region(region) if region else default_region()
    found: list[Phone | None] = []
    append = found.append
    if region == "CN":
        table = _CN_TABLE or _cn_table()
        mobile, landline, kinds, unknown = _CN_MOBILE, _CN_LANDLINE, _KIND_OF_TYPE, PhoneNumberType.UNKNOWN
        for text in texts:
            match = (mobile(text) or landline(text)) if type(text) is str else None
            if match is not None:
                national = "".join(match.groups())
                by_length = table.get(len(national))
                number_type = unknown if by_length is None else by_length(national)
                if number_type != unknown:
                    append(_new_phone(Phone, ("+86" + national, kinds.get(number_type, OTHER), None, "CN")))
                    continue
            append(_phone_or_none(text, region))
    else:
        for text in texts:
            append(_phone_or_none(text, region))
    return found


def _phone_or_none(text: str, region: str) -> Phone | None:
    try:
        return parse_phone(text, region)
    except PhoneError:
        return None


def _parse(raw: str, region: str, *, fast: bool) -> Phone:
    body, extension = _clean(raw)
    try:
        return _parse_body(body, extension, region, fast)
    except PhoneError:
        # 0755-2688 1234-8001: a landline with its extension after a dash
        match = _DASH_EXTENSION.match(body) if extension is None else None
        if match:
            try:
                phone = _parse_body(match.group(1), match.group(2), region, fast)
            except PhoneError:
                pass
            else:
                if phone.kind == LANDLINE:
                    return phone
        raise


def _parse_body(body: str, extension: str | None, region: str, fast: bool) -> Phone:
    if fast and region == "CN":
        national = _fast_cn(body)
        if national is not None:
            return _finish_cn(national, extension, body)
    return _slow(body, extension, region)


def phone_norm(text: str) -> str | None:
    """The storage layer's normaliser (``Store(normalise=...)``): the key, or None if invalid."""
    try:
        return parse_phone(str(text)).norm
    except PhoneError:
        return None


def kind_of_norm(norm: str | None) -> str | None:
    """``mobile``/``landline``/``other`` for a stored key (None if it is not an E.164 key)."""
    parsed = _parsed_norm(norm) if norm and norm.startswith("+") else None
    if parsed is None:
        return None
    number_type = phonenumbers.number_type(parsed[0])
    if number_type == PhoneNumberType.UNKNOWN:
        return None
    return _KIND_OF_TYPE.get(number_type, OTHER)


def _fast_cn(body: str) -> str | None:
    """The national number for the common CN spellings, or ``None`` to use the full parser.

    Handles: ``1XXXXXXXXXX`` (11 digits), ``0AAA…`` (national prefix + area code +
    number, 10–12 digits), and either after ``+86`` / ``0086``. Prefixes that
    libphonenumber treats specially (the ``11``/``12``/``179xx`` carrier codes, a
    ``0`` after the country code, a bare ``86`` that may be the country code) go the slow way.
    """
    digits = body.translate(_GROUPING)
    if digits.startswith("+86"):
        national = digits[3:]
        with_country = True
    elif digits.startswith("0086"):
        national = digits[4:]
        with_country = True
    else:
        national = digits
        with_country = False
    if not (national.isascii() and national.isdigit()) or len(national) < 2:
        return None
    if national[0] == "0":
        if with_country or national[1] == "0" or not 10 <= len(national) <= 12:
            return None
        national = national[1:]
    elif with_country:
        if not 7 <= len(national) <= 12:
            return None
    elif len(national) != 11 or national.startswith("86"):
        # 86… without + or 00 may be the country code itself (860311-10000-00 is 0311 1000 0000
        # to libphonenumber, which strips a leading 86 when the rest makes the better number)
        return None
    if national[0] == "1" and (national[1] in "12" or national.startswith("179")):
        return None  # carrier-code prefixes: let libphonenumber decide
    return national


# libphonenumber's number-type rules (``_number_type_helper``), with the CN patterns
# compiled once: the same answers as ``phonenumbers.number_type`` in a third of the time.
_TYPE_ORDER = (
    ("premium_rate", PhoneNumberType.PREMIUM_RATE),
    ("toll_free", PhoneNumberType.TOLL_FREE),
    ("shared_cost", PhoneNumberType.SHARED_COST),
    ("voip", PhoneNumberType.VOIP),
    ("personal_number", PhoneNumberType.PERSONAL_NUMBER),
    ("pager", PhoneNumberType.PAGER),
    ("uan", PhoneNumberType.UAN),
    ("voicemail", PhoneNumberType.VOICEMAIL),
)


@lru_cache(maxsize=8)
def _desc_matchers(region: str):
    metadata = phonenumbers.PhoneMetadata.metadata_for_region(region)
    if metadata is None:  # callers pass regions phonenumbers knows; say so if one slips through
        raise ValueError(f"phonenumbers has no metadata for region {region!r}")

    def matcher(desc):
        if desc is None or not desc.national_number_pattern:
            return None
        return frozenset(desc.possible_length), re.compile(desc.national_number_pattern).fullmatch

    return (
        matcher(metadata.general_desc),
        tuple((matcher(getattr(metadata, name)), kind) for name, kind in _TYPE_ORDER),
        matcher(metadata.fixed_line),
        matcher(metadata.mobile),
        bool(metadata.same_mobile_and_fixed_line_pattern),
    )


def _ok_for_length(matcher, length: int) -> bool:
    return matcher is not None and (not matcher[0] or length in matcher[0])


_CN_TABLE: dict[int, Callable[[str], int]] | None = None


def _cn_table() -> dict[int, Callable[[str], int]]:
    """Per national-number length: a function giving libphonenumber's number type for a CN number
    that long (the length checks done once, not per number)."""
    global _CN_TABLE
    if _CN_TABLE is None:
        general, special, fixed, mobile, same = _desc_matchers("CN")
        table = {}
        for length in range(1, 18):
            if not _ok_for_length(general, length):
                continue
            table[length] = _type_of_length(
                general[1],
                tuple((m[1], kind) for m, kind in special if _ok_for_length(m, length)),
                fixed[1] if _ok_for_length(fixed, length) else None,
                mobile[1] if _ok_for_length(mobile, length) else None,
                same,
            )
        _CN_TABLE = table
    return _CN_TABLE


def _type_of_length(general, special, fixed, mobile, same: bool) -> Callable[[str], int]:
    """libphonenumber's ``_number_type_helper`` for numbers of one length: the general pattern,
    then the special kinds in its order, fixed line (or fixed-or-mobile), mobile."""
    patterns = [m.__self__ for m, _ in special] + [m.__self__ for m in (fixed, mobile) if m is not None]
    if not same and all(p.groups == 0 for p in patterns) and general.__self__.groups == 0:
        # one regex instead of one per kind: alternatives are tried in order and the first that
        # matches the whole number wins, which is the order of the checks below
        names = [f"s{i}" for i in range(len(special))]
        branches = [f"(?P<{n}>{fullmatch.__self__.pattern})" for n, (fullmatch, _) in zip(names, special)]
        if fixed is not None:
            branches.append(f"(?P<fixed>{fixed.__self__.pattern})")
        if mobile is not None:
            branches.append(f"(?P<mobile>{mobile.__self__.pattern})")
        kind_of = {n: kind for n, (_, kind) in zip(names, special)}
        kind_of["mobile"] = PhoneNumberType.MOBILE
        combined = re.compile(f"(?=(?:{general.__self__.pattern})\\Z)(?:{'|'.join(branches)})").fullmatch

        def number_type(national: str) -> int:
            found = combined(national)
            if found is None:
                return PhoneNumberType.UNKNOWN
            branch = found.lastgroup
            if branch == "fixed":
                if mobile is not None and mobile(national) is not None:
                    return PhoneNumberType.FIXED_LINE_OR_MOBILE
                return PhoneNumberType.FIXED_LINE
            return kind_of[branch]  # type: ignore[index]  # a match is in one named branch

        return number_type

    def number_type_in_steps(national: str) -> int:
        if general(national) is None:
            return PhoneNumberType.UNKNOWN
        for fullmatch, kind in special:
            if fullmatch(national) is not None:
                return kind
        if fixed is not None and fixed(national) is not None:
            if same or (mobile is not None and mobile(national) is not None):
                return PhoneNumberType.FIXED_LINE_OR_MOBILE
            return PhoneNumberType.FIXED_LINE
        if not same and mobile is not None and mobile(national) is not None:
            return PhoneNumberType.MOBILE
        return PhoneNumberType.UNKNOWN

    return number_type_in_steps


def _cn_number_type(national: str) -> int:
    by_length = (_CN_TABLE or _cn_table()).get(len(national))
    return PhoneNumberType.UNKNOWN if by_length is None else by_length(national)


def _finish_cn(national: str, extension: str | None, shown: str) -> Phone:
    number_type = _cn_number_type(national)
    if number_type == PhoneNumberType.UNKNOWN:
        raise PhoneError(*_invalid_reason(PhoneNumber(country_code=86, national_number=int(national)), shown))
    return Phone(e164="+86" + national, kind=_KIND_OF_TYPE.get(number_type, OTHER), extension=extension, region="CN")


def _finish(number: PhoneNumber, extension: str | None, shown: str) -> Phone:
    number_type = phonenumbers.number_type(number)
    if number_type == PhoneNumberType.UNKNOWN:
        raise PhoneError(*_invalid_reason(number, shown))
    return Phone(
        e164=phonenumbers.format_number(number, PhoneNumberFormat.E164),
        kind=_KIND_OF_TYPE.get(number_type, OTHER),
        extension=extension,
        region=phonenumbers.region_code_for_number(number),
    )


def _slow(body: str, extension: str | None, region: str) -> Phone:
    if not any(ch.isdigit() for ch in body):
        raise PhoneError(f"not a phone number: {_shorten(body)!r} has no digits", "不是电话号码(没有数字)")
    try:
        number = phonenumbers.parse(body, region)
    except NumberParseException as exc:
        raise PhoneError(*_parse_error_reason(exc, body)) from None
    except Exception:  # libphonenumber on a pathological string: still the user's bad input
        raise PhoneError(f"not a phone number: {_shorten(body)!r}", "不是电话号码") from None
    if number.extension:
        extension = extension or number.extension
        number.extension = None
    if not phonenumbers.is_valid_number(number):
        raise PhoneError(*_invalid_reason(number, body))
    return _finish(number, extension, body)


def _parse_error_reason(exc: NumberParseException, body: str) -> tuple[str, str]:
    shown = _shorten(body)
    if exc.error_type == NumberParseException.INVALID_COUNTRY_CODE:
        return f"not a phone number: {shown!r} has an unknown country code", "国家/地区代码不对"
    if exc.error_type in (NumberParseException.TOO_SHORT_NSN, NumberParseException.TOO_SHORT_AFTER_IDD):
        return f"not a phone number: {shown!r} is too short", "号码太短"
    if exc.error_type == NumberParseException.TOO_LONG:
        return f"not a phone number: {shown!r} is too long", "号码太长"
    if _HAS_LETTER.search(body):
        return f"not a phone number: {shown!r} contains letters", "号码里有字母"
    return f"not a phone number: {shown!r}", "不是电话号码"


def _invalid_reason(number: PhoneNumber, body: str) -> tuple[str, str]:
    shown = _shorten(body)
    region = phonenumbers.region_code_for_country_code(number.country_code or 0)
    where = region if region and region != "ZZ" else f"+{number.country_code}"
    try:
        possible = phonenumbers.is_possible_number_with_reason(number)
    except Exception:
        possible = ValidationResult.INVALID_LENGTH
    abroad = number.country_code != 86 and _dials_abroad(body)
    if possible in (ValidationResult.TOO_SHORT, ValidationResult.INVALID_LENGTH) and abroad:
        return (
            f"invalid number {shown!r}: it starts with 00, the international prefix, and what follows "
            f"(+{number.country_code} {number.national_number}) is too short for {where}; "
            "a number inside China does not start with 00",
            f"以 00 开头是国际长途, 但后面的号码 (+{number.country_code} {number.national_number}) 位数不够; "
            "国内号码不以 00 开头",
        )
    if possible == ValidationResult.TOO_SHORT:
        return f"invalid number {shown!r}: too short for {where}", "号码位数不够"
    if possible == ValidationResult.TOO_LONG:
        return f"invalid number {shown!r}: too long for {where}", "号码位数太多"
    if possible == ValidationResult.INVALID_LENGTH:
        return f"invalid number {shown!r}: wrong number of digits for {where}", "号码位数不对"
    if possible == ValidationResult.INVALID_COUNTRY_CODE:
        return f"invalid number {shown!r}: unknown country code +{number.country_code}", "国家/地区代码不对"
    if _HAS_LETTER.search(body):
        return f"invalid number {shown!r}: contains letters", "号码里有字母"
    national = str(number.national_number)
    if number.country_code == 86 and national[:1] == "1" and national[1:2] in "3456789" and len(national) != 11:
        return (
            f"invalid number {shown!r}: a mobile number has 11 digits, this one has {len(national)}",
            f"手机号应为11位,这个是{len(national)}位",
        )
    if number.country_code == 86 and len(national) == 11 and national.startswith("1"):
        return f"invalid number {shown!r}: no such mobile prefix {national[:3]}", f"没有 {national[:3]} 开头的手机号"
    return f"invalid number {shown!r}: not a number in use in {where}", "不是有效号码(空号段或区号不对)"


def _dials_abroad(body: str) -> bool:
    """The number as typed starts with ``00`` (the international prefix dialled from China)."""
    return body.translate(_GROUPING).lstrip().startswith("00")


def _shorten(text: str, limit: int = 30) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


# ---------------------------------------------------------------------------
# Showing numbers
# ---------------------------------------------------------------------------


@lru_cache(maxsize=4096)
def _parsed_norm(norm: str) -> tuple[PhoneNumber, str | None] | None:
    e164, _, ext = norm.partition(";ext=")
    try:
        return phonenumbers.parse(e164, None), (ext or None)
    except NumberParseException:
        return None


def display_phone(norm: str, region: str | None = None) -> str:
    """A stored key shown the way a person dials it from ``region``: ``138 1234 5678``,
    ``010 8888 6666 转 801``, ``00 852 2345 6789``."""
    return _display(norm, (region or default_region()).upper())


@lru_cache(maxsize=8192)
def _display(norm: str, region: str) -> str:
    """:func:`display_phone` for a resolved region, remembered: libphonenumber's formatting costs
    ~0.15 ms a number, and the lead list shows the same few hundred numbers on every refresh."""
    parsed = _parsed_norm(norm)
    if parsed is None:
        return norm
    number, ext = parsed
    if phonenumbers.region_code_for_number(number) == region:
        shown = phonenumbers.format_number(number, PhoneNumberFormat.NATIONAL)
    else:  # as dialled from here: 00 852 2345 6789 from CN
        shown = phonenumbers.format_out_of_country_calling_number(number, region)
    return f"{shown} 转 {ext}" if ext else shown


def dial_form(phone_norm: str, raw: str) -> str:
    """A stored lead's number as a person dials it (:func:`display_phone`); the text as
    imported when it was never parsed to E.164 (a key without a leading ``+``)."""
    return display_phone(phone_norm) if phone_norm.startswith("+") else raw


def mask_phone(phone: str, region: str | None = None) -> str:
    """Hide the middle of a number for an export: ``138 **** 5678``, ``0755 **** 1234``.

    A stored key or any spelling that parses is shown as :func:`display_phone` with
    every digit hidden except the first group (mobile prefix, area code or country
    code) and the last four; an extension is kept. Anything else keeps its first
    three and last four digits (a short text only its last two).
    """
    try:
        norm = phone if phone.startswith("+") and _parsed_norm(phone) else parse_phone(phone, region).norm
        shown = display_phone(norm, region)
    except PhoneError:
        return _mask_digits(phone, 3, 4)
    number, sep, ext = shown.partition(" 转 ")
    groups = re.split(r"([ -])", number)
    if groups[0] == "00" and len(groups) > 2:  # 00 852 2345 6789: keep the country code
        groups = [groups[0] + groups[1] + groups[2], *groups[3:]]
    head = groups[0]
    rest = "".join(groups[1:])
    return head + _mask_digits(rest, 0, 4) + sep + ext


def _mask_digits(text: str, keep_head: int, keep_tail: int) -> str:
    digits = [i for i, ch in enumerate(text) if ch.isdigit()]
    if len(digits) < keep_head + keep_tail + 2:
        keep_head, keep_tail = 0, min(2, len(digits))
    hidden = set(digits[keep_head : len(digits) - keep_tail])
    return "".join("*" if i in hidden else ch for i, ch in enumerate(text))
