"""callscript.core.phones: normalisation, kinds, clear errors, masking; the fast path agrees with libphonenumber."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from callscript.core import phones
from callscript.core.phones import PhoneError, display_phone, kind_of_norm, mask_phone, parse_phone, phone_norm


@pytest.mark.parametrize(
    "text, norm, kind",
    [
        ("13812345678", "+8613812345678", "mobile"),
        ("138 1234 5678", "+8613812345678", "mobile"),
        ("138-1234-5678", "+8613812345678", "mobile"),
        ("+86 138 1234 5678", "+8613812345678", "mobile"),
        ("0086-13812345678", "+8613812345678", "mobile"),
        ("86 13812345678", "+8613812345678", "mobile"),
        ("１３８１２３４５６７８", "+8613812345678", "mobile"),  # full-width digits from an IME
        ("010-88886666", "+861088886666", "landline"),
        ("(010) 8888 6666", "+861088886666", "landline"),
        ("（010）88886666", "+861088886666", "landline"),
        ("+86 10 8888 6666", "+861088886666", "landline"),
        ("+86 010 8888 6666", "+861088886666", "landline"),
        ("0755-2688 1234", "+8675526881234", "landline"),
        ("1088886666", "+861088886666", "landline"),  # an Excel number cell that lost its 0
        ("400-820-6666", "+864008206666", "other"),
        ("+852 2345 6789", "+85223456789", "landline"),
        ("010-88886666 转 801", "+861088886666;ext=801", "landline"),
        ("010-88886666-801", "+861088886666;ext=801", "landline"),
        ("010 8888 6666 ext. 12", "+861088886666;ext=12", "landline"),
    ],
)
def test_spellings_normalise_to_one_key(text, norm, kind):
    phone = parse_phone(text)
    assert phone.norm == norm
    assert phone.kind == kind
    assert phone_norm(text) == norm
    assert kind_of_norm(phone.e164) == kind


@pytest.mark.parametrize(
    "text, words",
    [
        ("", "no phone number"),
        ("   ", "no phone number"),
        ("无", "no digits"),
        ("abc", "no digits"),
        ("1381234567", "has 11 digits, this one has 10"),
        ("138123456789", "this one has 12"),
        ("14012345678", "no such mobile prefix 140"),
        ("12345", "not a number in use"),
        ("021-6438123", "not a number in use"),
        ("9" * 80, "longer than"),
    ],
)
def test_invalid_numbers_say_why(text, words):
    with pytest.raises(PhoneError) as info:
        parse_phone(text)
    assert words in str(info.value)
    assert info.value.zh  # a Chinese reason for the agent's screen
    assert phone_norm(text) is None


def test_region_is_configurable(monkeypatch):
    assert parse_phone("2345 6789", "HK").e164 == "+85223456789"
    monkeypatch.setenv(phones.REGION_ENV, "HK")
    assert parse_phone("2345 6789").e164 == "+85223456789"
    with pytest.raises(PhoneError, match="unknown phone region"):
        parse_phone("13812345678", "XX")


def test_display_and_mask():
    assert display_phone("+8613812345678") == "138 1234 5678"
    assert display_phone("+861088886666;ext=801") == "010 8888 6666 转 801"
    assert mask_phone("+8613812345678") == "138 **** 5678"
    assert mask_phone("0755-2688 1234") == "0755 **** 1234"
    assert mask_phone("+861088886666;ext=801") == "010 **** 6666 转 801"
    assert "5678" in mask_phone("not a number 13812345678x")
    assert mask_phone("") == ""


# --------------------------------------------------------------------------- fast path == libphonenumber


def _slow(text: str):
    try:
        return phones._parse(text.strip(), "CN", fast=False)
    except PhoneError:
        return None


def _fast(text: str):
    try:
        return parse_phone(text, "CN")
    except PhoneError:
        return None


_digit_runs = st.text(alphabet="0123456789", min_size=1, max_size=14)
_seps = st.sampled_from(["", " ", "-", ".", "(", ")", "  "])
_prefix = st.sampled_from(["", "", "+86", "+86 ", "0086", "0086-", "86", "0", "00", "+860", "17951", "12"])
_mobile = st.builds(lambda p, n: f"1{p}{n:08d}", st.sampled_from("3456789"), st.integers(0, 10**9 - 1))
_area = st.sampled_from(
    [
        "10",
        "20",
        "21",
        "22",
        "23",
        "24",
        "25",
        "27",
        "28",
        "29",
        "311",
        "351",
        "371",
        "411",
        "431",
        "451",
        "512",
        "531",
        "571",
        "591",
        "731",
        "755",
        "757",
        "769",
        "851",
        "871",
        "898",
        "979",
    ]
)
_landline = st.builds(lambda a, n, z: f"{z}{a}-{n}", _area, st.integers(10**6, 10**8 - 1), st.sampled_from(["0", ""]))


@st.composite
def _spellings(draw):
    core = draw(st.one_of(_mobile, _landline, _digit_runs))
    groups, i = [], 0
    while i < len(core):
        size = draw(st.integers(1, 5))
        groups.append(core[i : i + size])
        i += size
    return draw(_prefix) + "".join(g + draw(_seps) for g in groups).strip()


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_spellings())
@example("860311-10000-00")  # a bare leading 86 is the country code to libphonenumber here
@example("86031110000")
@example("86-13812345678")
def test_fast_path_agrees_with_libphonenumber(text):
    assert _fast(text) == _slow(text)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=40))
def test_any_text_is_a_phone_or_a_phone_error(text):
    try:
        phone = parse_phone(text)
    except PhoneError as exc:
        assert str(exc)
    else:
        assert phone.norm.startswith("+") and phone.kind in phones.PHONE_KINDS


def _outcome(parse, text: str):
    """What a parse gives: the number, or the reason it is refused (the words a row problem shows)."""
    try:
        return parse(text)
    except PhoneError as exc:
        return ("refused", str(exc), exc.zh)


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_spellings(), st.sampled_from(["", " 转 801", "#12", "-8001", " ext. 9"]), st.booleans())
def test_fast_path_gives_the_same_number_and_the_same_reason(text, extension, full_width):
    """The import's shortcut (plain ASCII CN spellings) and the whole parser agree on every
    spelling: the same number and kind, or the same reason in both languages."""
    text += extension
    if full_width:
        text = text.translate(str.maketrans("0123456789+-()", "０１２３４５６７８９＋－（）"))
    assert _outcome(lambda t: parse_phone(t, "CN"), text) == _outcome(
        lambda t: phones._parse(t.strip(), "CN", fast=False), text
    )


@settings(max_examples=600, deadline=None)
@given(
    st.one_of(
        st.text(alphabet="0123456789", min_size=1, max_size=13),
        st.from_regex(r"1[3-9][0-9]{9}|[2-9][0-9]{8,10}|[48]00[0-9]{7}", fullmatch=True),
    )
)
def test_cn_number_types_are_libphonenumbers(national):
    """The per-length type finder (one combined pattern) says what ``phonenumbers.number_type`` says."""
    import phonenumbers

    number = phonenumbers.PhoneNumber(country_code=86, national_number=int(national))
    if str(number.national_number) != national:
        return  # a leading zero: not a national number
    assert phones._cn_number_type(national) == phonenumbers.number_type(number)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.one_of(_spellings(), st.text(max_size=20), st.sampled_from(["", " 13812345678", "010-8888 6666 转 8"]))
    ),
    st.sampled_from(["CN", "HK", "US"]),
)
def test_parsing_a_chunk_gives_what_each_number_gives(texts, region):
    """parse_phones (the import's chunk at a time) answers as parse_phone does, number by number."""

    def one(text):
        try:
            return parse_phone(text, region)
        except PhoneError:
            return None

    assert phones.parse_phones(texts, region) == [one(t) for t in texts]
