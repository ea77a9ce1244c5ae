"""The machinery of parameter sets: frozen dataclasses of values with Brian2 units, validated
field by field, saved to and read from JSON through the strict grammar of :mod:`.values`.

A field is declared with :func:`field`, giving its default, the unit it must
carry (None: dimensionless) and its allowed sign. A parameter set is a frozen
dataclass of sections (:class:`ParameterSet`); derive variants with
:meth:`ParameterSet.with_overrides`, which validates.
"""
from __future__ import annotations

import dataclasses
import json
import math
import numbers
from dataclasses import fields, replace

from brian2 import Quantity, get_dimensions, get_unit, mV, ms, um
from brian2.units.fundamentalunits import DIMENSIONLESS, Unit

import brian2.units

from .errors import ParameterError
from .values import parse

__all__ = ["field", "ParameterSet", "validate_section", "encode_value", "decode_value", "parse_assignments", "whole_steps"]

# The names the grammar accepts, as Brian2 units (the grammar checks the name first)
_UNITS = {name: getattr(brian2.units, name) for name in dir(brian2.units)
          if isinstance(getattr(brian2.units, name), Unit)}


def field(default, unit=None, *, positive=False, nonnegative=False):
    """A parameter field: its default, the unit it must carry (None: a plain number; ``str``: text,
    such as a rule's name, which its parameter set checks) and its sign."""
    meta = {"unit": unit, "positive": positive, "nonnegative": nonnegative}
    if isinstance(default, Quantity):  # unhashable, so dataclasses want a factory
        return dataclasses.field(default_factory=lambda: default, metadata=meta)
    return dataclasses.field(default=default, metadata=meta)


class ParameterSet:
    """A parameter set made of sections (frozen dataclasses of values with units)."""

    def with_overrides(self, **sections):
        """``params.with_overrides(homeostasis={'rho': 0.3})``: a validated copy."""
        names = [f.name for f in fields(self)]
        changed = {}
        for name, values in sections.items():
            if name not in names:
                raise ParameterError(f"unknown parameter section {name!r}; known: {names}")
            section = getattr(self, name)
            known = {f.name for f in fields(section)}
            unknown = set(values) - known
            if unknown:
                raise ParameterError(f"unknown parameter(s) {sorted(unknown)} in {name!r}; known: {sorted(known)}")
            changed[name] = replace(section, **values)
        new = replace(self, **changed)
        new.validate()
        return new

    def validate(self):
        for section in fields(self):
            validate_section(section.name, getattr(self, section.name))
        return self

    def to_dict(self) -> dict:
        return {s.name: {f.name: encode_value(getattr(getattr(self, s.name), f.name))
                         for f in fields(getattr(self, s.name))} for s in fields(self)}

    @classmethod
    def from_dict(cls, data: dict):
        """The parameter set saved by :meth:`to_dict` (values parsed, never evaluated), validated."""
        if not isinstance(data, dict):
            raise ParameterError(f"expected a parameter set (sections of values), got {type(data).__name__}")
        sections = {}
        for s in fields(cls):
            values = data.get(s.name, {})
            if not isinstance(values, dict):
                raise ParameterError(f"section {s.name!r} must hold named values, got {values!r}")
            known = {f.name for f in fields(s.default_factory)}
            unknown = set(values) - known
            if unknown:
                raise ParameterError(f"unknown parameter(s) {sorted(unknown)} in {s.name!r}; known: {sorted(known)}")
            text = {f.name for f in fields(s.default_factory) if f.metadata.get("unit") is str}
            sections[s.name] = s.default_factory(**{k: v if k in text else decode_value(v, f"{s.name}.{k}")
                                                    for k, v in values.items()})
        return cls(**sections).validate()

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2)


def validate_section(section_name: str, section) -> None:
    """Check one section's fields: units, integer fields, finite values, signs."""
    for f in fields(section):
        value = getattr(section, f.name)
        meta = f.metadata
        where = f"{section_name}.{f.name}"
        if value is None:
            if _default(f) is not None:
                raise ParameterError(f"{where} cannot be None: only a field that is unset by default can be unset")
            continue
        unit = meta.get("unit")
        if unit is str:
            if not isinstance(value, str):
                raise ParameterError(f"{where} = {value!r} must be text")
            continue
        if unit is not None:
            if not isinstance(value, Quantity) or get_dimensions(value) != get_dimensions(unit):
                raise ParameterError(f"{where} = {value!r} needs units of {_unit_name(unit)} (e.g. {unit!r})")
            magnitude = float(value / unit)
        else:
            if isinstance(value, Quantity) and get_dimensions(value) is not DIMENSIONLESS:
                raise ParameterError(f"{where} = {value!r} must be dimensionless")
            if isinstance(value, bool) or not isinstance(value, (numbers.Real, Quantity)):
                raise ParameterError(f"{where} = {value!r} must be a number")
            if f.type == "int" and not isinstance(value, numbers.Integral):
                raise ParameterError(f"{where} = {value!r} must be an integer")
            magnitude = float(value)
        if not math.isfinite(magnitude):  # (1e400 reads as infinity)
            raise ParameterError(f"{where} = {value} must be a finite number")
        if meta.get("positive") and not magnitude > 0:
            raise ParameterError(f"{where} = {value} must be positive")
        if meta.get("nonnegative") and not magnitude >= 0:
            raise ParameterError(f"{where} = {value} must not be negative")


def _default(f):
    return f.default_factory() if f.default is dataclasses.MISSING else f.default


def _unit_name(unit):
    names = {get_dimensions(ms): "time", get_dimensions(mV): "voltage", get_dimensions(um): "length"}
    return names.get(get_dimensions(unit), str(get_dimensions(unit)))


def encode_value(value):
    """JSON form: plain numbers stay numbers, quantities become '0.005 * second' (SI, exact)."""
    if isinstance(value, Quantity) and get_dimensions(value) is not DIMENSIONLESS:
        return f"{float(value)!r} * {get_unit(get_dimensions(value))!r}"
    if isinstance(value, Quantity):
        return float(value)
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        return int(value)
    if isinstance(value, numbers.Real):
        return float(value)
    return value


def whole_steps(duration, dt) -> int:
    """``duration`` in time steps of ``dt`` (a parameter set checks that it is a whole number)."""
    return int(round(float(duration / dt)))


def decode_value(value, where: str = "value"):
    """A value of params.json or the command line: numbers and None as they are, strings by the grammar of
    :mod:`.values` ('4 * ms', '-60*mV', '0.005 * second') into Brian2 quantities. Nothing is evaluated."""
    if value is None or isinstance(value, numbers.Real) and not isinstance(value, bool):
        return value
    if not isinstance(value, str):
        raise ParameterError(f"{where} = {value!r}: expected a number or a value with units")
    parsed = parse(value)
    if parsed is None:
        return None
    result = parsed.number
    for op, name, power in parsed.factors:
        unit = _UNITS[name] ** power
        result = result * unit if op == "*" else result / unit
    return result


def parse_assignments(assignments) -> dict:
    """['connections.g_feedback=3', 'presentation.readout_split=10*ms'] -> {section: {name: value}}."""
    overrides = {}
    for assignment in assignments:
        key, _, text = assignment.partition("=")
        section, _, name = key.strip().partition(".")
        if not (section and name and text):
            raise ParameterError(f"expected SECTION.NAME=VALUE, got {assignment!r}")
        if section.strip() == "rules":
            raise ParameterError(f"{assignment!r}: a pathway's rule is not a parameter to set; choose it with "
                                 f"the command's rule option (train.py, sweep.py: --rule PATHWAY=RULE(...))")
        overrides.setdefault(section, {})[name.strip()] = decode_value(text, key.strip())
    return overrides
