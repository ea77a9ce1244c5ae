"""Values with units, as text: a strict grammar, parsed and never evaluated.

A results folder may come from someone else, and ``--set`` comes from the
command line: neither may run code. A value is

    value := 'None' | number [ ('*' | '/') unit [ '**' integer ] ]...

where ``unit`` is one of Brian2's unit names (``ms``, ``mV``, ``um``,
``nS``, ``metre``, ``kilogram``, ...). ``parse`` turns the text into a
:class:`Parsed` number and unit list; :func:`brianmodel.parameters.decode_value`
makes a Brian2 quantity of it, and :func:`si_value` gives its SI magnitude and
dimensions without importing brian2 (figures read results with it).
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from .errors import ParameterError

__all__ = ["Parsed", "parse", "si_value", "unit_scale", "UNIT_NAMES", "DIMENSION_NAMES"]

DIMENSION_NAMES = ("metre", "kilogram", "second", "amp", "kelvin", "mole", "candela")

_TOKEN = re.compile(r"\s*(?:(?P<number>[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)|(?P<name>[A-Za-z_]\w*)"
                    r"|(?P<op>\*\*|\*|/))")
HELP = ("a number, optionally times or divided by Brian2 unit names with integer powers "
        "(e.g. 3, -65 * mV, 0.005 * second, 20000 * ohm * cm ** 2)")


@dataclass(frozen=True)
class Parsed:
    """``number`` followed by (operator, unit name, power) factors."""

    number: int | float
    factors: tuple = ()  # ((op '*' or '/', name, power), ...)


def _tokens(text: str) -> list[tuple[str, str]]:
    tokens, position = [], 0
    text = text.rstrip()
    while position < len(text):
        match = _TOKEN.match(text, position)
        if not match or match.end() == position:
            raise ParameterError(f"cannot read the value {text!r}: expected {HELP}")
        kind = match.lastgroup
        tokens.append((kind, match.group(kind)))
        position = match.end()
    return tokens


def _number(literal: str) -> int | float:
    return int(literal) if re.fullmatch(r"[+-]?\d+", literal) else float(literal)


def parse(text: str) -> Parsed | None:
    """The value ``text`` as a :class:`Parsed`, or None for 'None'; ParameterError if it is anything else."""
    if text.strip() == "None":
        return None
    tokens = _tokens(text)
    if not tokens or tokens[0][0] != "number":
        raise ParameterError(f"cannot read the value {text!r}: expected {HELP}")
    factors, k = [], 1
    while k < len(tokens):
        (kind, op), name = tokens[k], tokens[k + 1] if k + 1 < len(tokens) else ("end", "")
        if kind != "op" or op == "**" or name[0] != "name":
            raise ParameterError(f"cannot read the value {text!r}: expected {HELP}")
        unit_scale(name[1])  # an unknown name fails here
        power, k = 1, k + 2
        if k < len(tokens) and tokens[k] == ("op", "**"):
            if k + 1 >= len(tokens) or tokens[k + 1][0] != "number" or not isinstance(_number(tokens[k + 1][1]), int):
                raise ParameterError(f"cannot read the value {text!r}: a unit's power must be an integer")
            power, k = _number(tokens[k + 1][1]), k + 2
        factors.append((op, name[1], power))
    return Parsed(_number(tokens[0][1]), tuple(factors))


# -- Brian2's unit names, without brian2 ----------------------------------------
# (scale to SI, dimensions as exponents of DIMENSION_NAMES). tests/test_params.py
# checks every name against brian2.units.
_BASE = {
    "metre": (1.0, (1, 0, 0, 0, 0, 0, 0)), "meter": (1.0, (1, 0, 0, 0, 0, 0, 0)),
    "gram": (1e-3, (0, 1, 0, 0, 0, 0, 0)), "gramme": (1e-3, (0, 1, 0, 0, 0, 0, 0)),
    "second": (1.0, (0, 0, 1, 0, 0, 0, 0)), "amp": (1.0, (0, 0, 0, 1, 0, 0, 0)),
    "mole": (1.0, (0, 0, 0, 0, 0, 1, 0)), "hertz": (1.0, (0, 0, -1, 0, 0, 0, 0)),
    "volt": (1.0, (2, 1, -3, -1, 0, 0, 0)), "ohm": (1.0, (2, 1, -3, -2, 0, 0, 0)),
    "siemens": (1.0, (-2, -1, 3, 2, 0, 0, 0)), "farad": (1.0, (-2, -1, 4, 2, 0, 0, 0)),
    "coulomb": (1.0, (0, 0, 1, 1, 0, 0, 0)), "joule": (1.0, (2, 1, -2, 0, 0, 0, 0)),
    "watt": (1.0, (2, 1, -3, 0, 0, 0, 0)), "pascal": (1.0, (-1, 1, -2, 0, 0, 0, 0)),
    "liter": (1e-3, (3, 0, 0, 0, 0, 0, 0)), "litre": (1e-3, (3, 0, 0, 0, 0, 0, 0)),
    "molar": (1e3, (-3, 0, 0, 0, 0, 1, 0)),
}
_UNPREFIXED = {"kilogram": (1.0, (0, 1, 0, 0, 0, 0, 0)), "kelvin": (1.0, (0, 0, 0, 0, 1, 0, 0))}
_PREFIXES = {"p": 1e-12, "n": 1e-9, "u": 1e-6, "m": 1e-3, "k": 1e3, "M": 1e6, "G": 1e9, "T": 1e12}
_SHORT = {"metre": "m", "second": "s", "volt": "V", "amp": "A", "siemens": "S", "farad": "F", "molar": "M",
          "hertz": "Hz"}
# the short names Brian2 defines (prefix + short base [+ power])
_SHORT_NAMES = ("Hz", "kHz", "MHz", "cm", "cm2", "cm3", "mm", "mm2", "mm3", "um", "um2", "um3", "ms", "us", "mV",
                "mA", "uA", "nA", "pA", "mS", "uS", "nS", "mM", "uM", "nM", "uF", "nF", "pF")


def _table() -> dict:
    table = dict(_UNPREFIXED)
    for name, (scale, dims) in _BASE.items():
        table[name] = (scale, dims)
        for prefix, factor in _PREFIXES.items():
            table[prefix + name] = (factor * scale, dims)
        if name in ("metre", "meter"):
            table["c" + name] = (1e-2, dims)
    short = {v: k for k, v in _SHORT.items()}
    for name in _SHORT_NAMES:
        power = int(name[-1]) if name[-1] in "23" else 1
        stem = name[:-1] if power > 1 else name
        prefix, base = ("", stem) if stem in short else (stem[0], stem[1:])
        scale, dims = _BASE[short[base]]
        factor = {"": 1.0, "c": 1e-2, **_PREFIXES}[prefix] * scale
        table[name] = (factor ** power, tuple(d * power for d in dims))
    return table


UNITS = _table()
UNIT_NAMES = frozenset(UNITS)


def unit_scale(name: str) -> tuple[float, tuple]:
    """(scale to SI, dimensions) of a Brian2 unit name."""
    try:
        return UNITS[name]
    except KeyError:
        raise ParameterError(f"unknown unit {name!r} (Brian2 unit names: ms, mV, um, nS, second, metre, ...)") \
            from None


def si_value(value) -> tuple[float | None, tuple]:
    """(SI magnitude, dimensions) of a value as params.json holds it: a number, None or a string of the grammar."""
    if value is None or isinstance(value, (int, float)):
        return value, (0,) * 7
    parsed = parse(value)
    if parsed is None:
        return None, (0,) * 7
    magnitude, dims = float(parsed.number), [0] * 7
    for op, name, power in parsed.factors:
        scale, unit_dims = unit_scale(name)
        sign = 1 if op == "*" else -1
        magnitude = magnitude * scale ** power if sign > 0 else magnitude / scale ** power
        dims = [d + sign * power * u for d, u in zip(dims, unit_dims)]
    return magnitude, tuple(dims)
