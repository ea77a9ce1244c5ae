"""Values with units are parsed by a strict grammar: never evaluated, so a results folder cannot run code."""
import json

import brian2.units
import numpy as np
import pytest
from brian2 import Quantity, cm, mV, ms, ohm, second, um
from brian2.units.fundamentalunits import Unit

from brianmodel.errors import ParameterError
from brianmodel.parameters import decode_value, encode_value, parse_assignments
from brianmodel.params.mstdp import ModelParams
from brianmodel.values import UNIT_NAMES, parse, si_value, unit_scale

# What got past the eval "sandbox" of earlier versions: a shell command through object.__subclasses__().
ESCAPE = ("[c for c in ().__class__.__base__.__subclasses__() if c.__name__ == 'Popen'][0]"
          "(['touch', '{marker}'])")
IMPORT = "__import__('os').system('touch {marker}')"


@pytest.mark.parametrize("text, expected", [
    ("3", 3), ("-65 * mV", -65 * mV), ("0.005 * second", 5 * ms), ("4*ms", 4 * ms), ("2.5e-3 * second", 2.5 * ms),
    ("20000 * ohm * cm ** 2", 20000 * ohm * cm ** 2), ("150 * ohm * cm", 150 * ohm * cm),
    ("0.3 * metre * second ** -1", 0.3 * brian2.units.metre / second),
    ("1 * ufarad / cm ** 2", 1e-6 * brian2.units.farad / cm ** 2),
    ("250 * um", 250 * um), ("None", None), (" 7 ", 7),
])
def test_numbers_with_brian2_units_are_read(text, expected):
    value = decode_value(text)
    if expected is None:
        assert value is None
    elif isinstance(expected, Quantity):
        assert isinstance(value, Quantity) and value.dim == expected.dim
        assert float(value) == pytest.approx(float(expected), rel=1e-12)
    else:
        assert value == expected and type(value) is type(expected)


@pytest.mark.parametrize("text", ["fast", "ms", "3 ms", "3 * ", "3 * * ms", "3 ** 2", "3 * ms ** 0.5", "3 * ms ** x",
                                  "3 * mss", "3 * exp", "(3) * ms", "3 * ms + 1", "3; 4", "[3]", "'3'", "0x10",
                                  "3 * ms.__class__", "1e400 * ms * check_units"])
def test_anything_else_is_refused(text):
    with pytest.raises(ParameterError, match="cannot read the value|unknown unit|power must be an integer"):
        decode_value(text)


@pytest.mark.parametrize("payload", [ESCAPE, IMPORT])
def test_code_in_params_json_is_refused_and_runs_nothing(payload, tmp_path):
    marker = tmp_path / "ran"
    saved = ModelParams().to_dict()
    saved["plasticity"]["eta"] = payload.format(marker=marker)
    with pytest.raises(ParameterError, match="cannot read the value"):
        ModelParams.from_dict(json.loads(json.dumps(saved)))
    assert not marker.exists()


@pytest.mark.parametrize("payload", [ESCAPE, IMPORT])
def test_code_in_set_is_refused_and_runs_nothing(payload, tmp_path):
    marker = tmp_path / "ran"
    with pytest.raises(ParameterError, match="cannot read the value"):
        parse_assignments([f"plasticity.eta={payload.format(marker=marker)}"])
    assert not marker.exists()


def test_saved_parameters_read_back_exactly():
    params = ModelParams().with_overrides(connections={"delay_feedback": 4 * ms}, locations={"feedback": 333 * um})
    assert ModelParams.from_dict(json.loads(json.dumps(params.to_dict()))) == params
    assert encode_value(20000 * ohm * cm ** 2) == "2.0 * metre ** 4 * kilogram * second ** -3 * amp ** -2"
    assert decode_value(encode_value(20000 * ohm * cm ** 2)) == 20000 * ohm * cm ** 2


def test_a_foreign_params_json_is_refused_with_its_fault():
    with pytest.raises(ParameterError, match="unknown parameter.*'nonsense'"):
        ModelParams.from_dict({"plasticity": {"nonsense": 1}})
    with pytest.raises(ParameterError, match="must hold named values"):
        ModelParams.from_dict({"plasticity": [1, 2]})
    with pytest.raises(ParameterError, match="expected a number"):
        ModelParams.from_dict({"plasticity": {"eta": [0.1]}})


def test_the_brian2_free_unit_table_is_brian2s():
    brian2_names = {name for name in dir(brian2.units) if isinstance(getattr(brian2.units, name), Unit)}
    assert UNIT_NAMES == brian2_names
    for name in sorted(brian2_names):
        unit = getattr(brian2.units, name)
        scale, dims = unit_scale(name)
        assert scale == pytest.approx(float(unit), rel=1e-12), name
        assert dims == tuple(int(d) for d in unit.dim._dims), name


def test_si_values_without_brian2():
    assert si_value("65 * ms") == (pytest.approx(0.065), (0, 0, 1, 0, 0, 0, 0))
    assert si_value("0.3 * metre * second ** -1")[1] == (1, 0, -1, 0, 0, 0, 0)
    assert si_value("1 * nS / um ** 2")[0] == pytest.approx(1e3)
    assert si_value(0.5) == (0.5, (0,) * 7) and si_value(None)[0] is None
    assert parse("3 * mV").factors == (("*", "mV", 1),)
    values = np.array([si_value(encode_value(q))[0] for q in (5 * ms, -65 * mV, 250 * um)])
    np.testing.assert_allclose(values, [0.005, -0.065, 250e-6])
