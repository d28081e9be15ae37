"""Helpers shared by the JSON/XML format families (stt_json, youtube,
podcasting): reading JSON, and coercing its values.

A private helper module, not a family: the registry only imports the
modules named in ``formats._FAMILIES``, so this one is never asked for
``FORMATS``.

JSON and XML hand a parser numbers as ints, floats or strings (AWS writes
times as strings, XML attributes are always strings); a bool is never a
number here (``True`` would otherwise read as 1 second), and NaN/inf never
reach a Segment.
"""

from __future__ import annotations

import json
import math
from typing import Any

from ..text import parse_time
from . import ParseError


def load_json(text: str) -> Any:
    """The parsed JSON, or ParseError saying where it is not valid."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as e:
        raise ParseError(f"not valid JSON: {e.msg}", line=e.lineno) from None
    except RecursionError:
        raise ParseError("JSON nested too deeply") from None


def num(value: Any, *, times: bool = False, huge_int_raises: bool = False) -> float | None:
    """A finite float from a JSON/XML value, or None.

    Ints, floats and numeric strings (surrounding whitespace allowed) count;
    bools, None, other types, garbage strings, NaN and ±inf give None.

    ``times``: a string that is not a plain number is also tried as a time
    ('00:01:02.5', '1:02,5') with :func:`store.text.parse_time`.
    ``huge_int_raises``: an int too large for a float raises OverflowError
    (the family's parse guard turns it into ParseError) instead of giving
    None.
    """
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float)):
        try:
            f = float(value)
        except OverflowError:
            if huge_int_raises:
                raise
            return None
    elif isinstance(value, str):
        try:
            f = float(value.strip())
        except ValueError:
            if not times:
                return None
            p = parse_time(value)
            if p is None:
                return None
            f = p
    else:
        return None
    return f if math.isfinite(f) else None


def sec(value: Any, *, times: bool = False, huge_int_raises: bool = False) -> float | None:
    """Seconds, rounded to the millisecond (whisper writes 7.6000000000000005)."""
    f = num(value, times=times, huge_int_raises=huge_int_raises)
    return None if f is None else round(f, 3)


def ms(value: Any, *, huge_int_raises: bool = False) -> float | None:
    """Milliseconds -> seconds, rounded to the millisecond."""
    f = num(value, huge_int_raises=huge_int_raises)
    return None if f is None else round(f / 1000.0, 3)


def is_scalar(value: Any) -> bool:
    """A JSON string or number (not a bool, though bool is an int subclass):
    the values a family copies into metadata as they are."""
    return isinstance(value, (str, int, float)) and not isinstance(value, bool)
