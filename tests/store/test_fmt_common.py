"""store.formats._common: reading JSON and the number/time coercion the
JSON/XML families share (stt_json, youtube, podcasting), with each family's
own flavour."""

from __future__ import annotations

import json

import pytest

from hark.store.formats import _FAMILIES, ParseError, _common, parse, podcasting, registry, stt_json, youtube
from hark.store.formats._common import is_scalar, load_json, ms, num, sec

HUGE = 10**400  # no float holds it


# --- num --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value,expected",
    [
        (0, 0.0),
        (7, 7.0),
        (-3, -3.0),  # negative numbers are numbers: callers decide what they mean
        (2.5, 2.5),
        (-0.25, -0.25),
        (7.6000000000000005, 7.6000000000000005),  # num does not round
        (10**308, 1e308),  # large but still a float
        ("1.5", 1.5),
        ("  12.25\t\n", 12.25),
        ("-4", -4.0),
        ("1e3", 1000.0),
        ("1_000", 1000.0),  # float() takes underscores
        ("-0", -0.0),
    ],
)
def test_num_numbers(value, expected):
    got = num(value)
    assert type(got) is float
    assert got == expected


@pytest.mark.parametrize(
    "value",
    [
        None,
        True,  # a bool is an int to Python, never a number here
        False,
        float("nan"),
        float("inf"),
        float("-inf"),
        "nan",
        "inf",
        " -Infinity ",
        "1e400",  # a string too big becomes inf, so None
        "9" * 5000,
        HUGE,
        -HUGE,
        2**1024,
        "",
        "   ",
        "abc",
        "1.5s",
        "0x10",
        "00:01:02.5",  # not a time unless asked
        "1:02",
        [],
        {},
        [1.5],
        b"1.5",
        3 + 0j,
    ],
)
def test_num_not_numbers(value):
    assert num(value) is None


def test_num_times():
    assert num("00:01:02.5", times=True) == 62.5
    assert num("1:02,5", times=True) == 62.5
    assert num("62:03", times=True) == 3723.0
    assert num(" 00:01 ", times=True) == 1.0
    assert num("01:02:03.500", times=True) == 3723.5
    # plain numbers still go through float(), not parse_time
    assert num("1e3", times=True) == 1000.0
    assert num(" 2.75 ", times=True) == 2.75
    for bad in ("abc", "", "1:xx", "nan", "inf", "-1:00", None, True, HUGE):
        assert num(bad, times=True) is None, bad


def test_num_times_with_an_absurd_hour_count_raises():
    # Kept from podcasting's own copy: parse_time's sum overflows, and the
    # family's parse guard turns that into ParseError for the file.
    with pytest.raises(OverflowError):
        num("1" * 400 + ":00", times=True)


def test_num_huge_int_raises_when_asked():
    assert num(HUGE) is None
    with pytest.raises(OverflowError):
        num(HUGE, huge_int_raises=True)
    with pytest.raises(OverflowError):
        num(-HUGE, huge_int_raises=True)
    # only ints overflow: strings and floats still give None
    assert num("1e400", huge_int_raises=True) is None
    assert num(float("inf"), huge_int_raises=True) is None
    assert num(10**308, huge_int_raises=True) == 1e308


# --- sec, ms ----------------------------------------------------------------------


def test_sec_rounds_to_the_millisecond():
    assert sec(7.6000000000000005) == 7.6
    assert sec(1.23456) == 1.235
    assert sec("  3.14159 ") == 3.142
    assert sec(12) == 12.0 and type(sec(12)) is float
    assert sec(-1.5) == -1.5
    assert sec("00:00:01,23456", times=True) == 1.235
    assert sec("00:00:01,5") is None
    for bad in (None, True, "x", float("nan"), float("inf"), HUGE, "1e400"):
        assert sec(bad) is None
    with pytest.raises(OverflowError):
        sec(HUGE, huge_int_raises=True)


def test_ms_is_milliseconds_to_seconds():
    assert ms(1500) == 1.5
    assert ms("2500") == 2.5
    assert ms(" 1234.5678 ") == 1.235
    assert ms(1) == 0.001
    assert ms(0.4) == 0.0
    assert ms(-2000) == -2.0
    assert ms(10**308) == 1e305
    for bad in (None, False, "1:00", "x", float("nan"), float("-inf"), HUGE):
        assert ms(bad) is None
    with pytest.raises(OverflowError):
        ms(HUGE, huge_int_raises=True)


# --- is_scalar --------------------------------------------------------------------


def test_is_scalar():
    for v in ("", "x", 0, -1, 2.5, float("nan"), HUGE):
        assert is_scalar(v), v
    for v in (None, True, False, [], {}, b"x", (1,)):
        assert not is_scalar(v), v


# --- each family keeps its own flavour ----------------------------------------------


def test_family_flavours():
    # podcasting reads time strings and rounds
    assert podcasting._sec("00:01:02.5") == 62.5
    assert podcasting._sec("1.23456") == 1.235
    assert podcasting._sec(HUGE) is None
    # youtube: no time strings, and a huge int raises (a ParseError for the file)
    assert youtube._sec("00:01:02.5") is None
    assert youtube._sec("1.23456") == 1.235
    assert youtube._ms(1500) == 1.5
    assert youtube._num("7.6000000000000005") == 7.6000000000000005
    for f in (youtube._num, youtube._ms, youtube._sec):
        with pytest.raises(OverflowError):
            f(HUGE)
    # stt_json: no time strings, a huge int is no number
    assert stt_json.num is num and stt_json.sec is sec and stt_json.ms is ms
    assert stt_json.sec("00:01:02.5") is None
    assert stt_json.num(HUGE) is None


def test_common_is_not_a_family():
    assert "_common" not in _FAMILIES
    assert all(f.family != "_common" for f in registry().values())
    assert not hasattr(_common, "FORMATS")


def test_a_huge_int_in_a_file():
    # the families differ on a huge int in a file: stt_json and podcasting
    # ignore the time, youtube refuses the file
    t = parse(json.dumps({"segments": [{"start": HUGE, "end": 2, "text": "hello there"}]}), fmt="whisper-json")
    assert [(s.start, s.end, s.text) for s in t.segments] == [(0.0, 2.0, "hello there")]
    t = parse(json.dumps({"segments": [{"startTime": HUGE, "endTime": 2, "body": "hello"}]}), fmt="podcast-json")
    assert [(s.start, s.end, s.text) for s in t.segments] == [(0.0, 2.0, "hello")]
    with pytest.raises(ParseError, match="OverflowError"):
        parse(json.dumps({"events": [{"tStartMs": HUGE, "segs": [{"utf8": "hello"}]}]}), fmt="youtube-json3")
    assert youtube._ms(10**300) == 1e297


# --- load_json: one reader for the three JSON families -------------------------------


def test_load_json_reads_and_says_where_it_is_broken():
    assert load_json('{"a": [1, 2.5, "x"]}') == {"a": [1, 2.5, "x"]}
    with pytest.raises(ParseError) as e:
        load_json('{\n  "segments": [\n    {"start": 1,,}\n  ]\n}')
    assert e.value.line == 3 and e.value.message.startswith("not valid JSON: ")
    with pytest.raises(ParseError, match="JSON nested too deeply"):
        load_json("[" * 100_000 + "]" * 100_000)


def test_the_json_families_share_load_json():
    assert stt_json.load_json is load_json and podcasting.load_json is load_json and youtube.load_json is load_json


@pytest.mark.parametrize("fmt", ["whisper-json", "deepgram", "podcast-json", "youtube-json3"])
def test_every_json_family_reports_broken_json_alike(fmt):
    with pytest.raises(ParseError) as e:
        parse('{\n  "segments": [\n    {"start": 1,,}\n  ]\n}', fmt=fmt)
    assert str(e.value) == "line 3: not valid JSON: Expecting property name enclosed in double quotes"
