"""Ball-and-stick cells from cable parameters: equations, locations, back-propagation, EPSPs."""
import numpy as np
import pytest
from brian2 import Equations, defaultclock, meter, mV, ms, nS, ohm, second, um, us

from brianmodel.cells import backprop, ball_and_stick_equations, compartment, steady_state_attenuation
from brianmodel.errors import ParameterError
from brianmodel.mstdp.network import build_network
from brianmodel.params.cable import Cable, check_step, geometry
from brianmodel.params.mstdp import ModelParams
from brianmodel.protocols.epsp import somatic_epsp

REST = dict(E_L=-65 * mV, E_e=0 * mV, tau_e=2 * ms)


def test_geometry_from_cable_parameters():
    shape = geometry(Cable(n_compartments=10))  # d 1 µm, R_m 20 kΩ cm², R_i 150 Ω cm, 10 x 50 µm
    assert float(shape.length_constant / um) == pytest.approx(np.sqrt(1e-4 * 20000 / (4 * 150)) * 1e4)
    assert float(shape.tau_d / ms) == pytest.approx(20.0)
    assert shape.c_dendrite == pytest.approx(float((shape.length_constant / (50 * um)) ** 2))
    assert shape.c_first == pytest.approx(2 * shape.c_dendrite)


def test_equations_carry_units_and_one_compartment_per_variable():
    eqs = Equations(ball_and_stick_equations(Cable(n_compartments=4), "+ g_stim*(E_e - v)"))
    assert {f"v_{k}" for k in range(1, 5)} <= set(eqs.diff_eq_names)
    assert eqs["v_3"].dim == mV.dim and eqs["g_d_3"].dim == (mV / mV).dim
    hidden = Equations(ball_and_stick_equations(Cable(n_compartments=3), synapse="g_e"))
    assert {"g_e_1", "g_e_3"} <= set(hidden.diff_eq_names) and "g_d_1" not in hidden.diff_eq_names
    assert "v_5" not in ball_and_stick_equations(Cable(n_compartments=4))  # sealed end


def test_steady_state_attenuation_matches_the_cable_equation():
    cable = Cable(n_compartments=20)
    # exponential Euler reaches the exact steady state at any step (RK4 would need a tiny one here)
    result = somatic_epsp(cable, [10 * um], 0 * nS, **REST, dt=0.1 * ms, duration=300 * ms, soma_clamp=1e4,
                          method="exponential_euler")
    held = result["soma"][0, -1]
    centres = (np.arange(20) + 0.5) * (cable.length / 20)
    np.testing.assert_allclose(result["dendrite"][0] / held, steady_state_attenuation(centres, cable), rtol=2e-3)
    assert result["dendrite"][0][-1] / held < 0.75  # L/λ = 0.87: the far end keeps cosh(0)/cosh(0.87)


def test_epsp_falls_and_slows_with_distance():
    cable = Cable(n_compartments=10)
    locations = [25 * um, 125 * um, 275 * um, 475 * um]
    clock_dt = defaultclock.dt
    result = somatic_epsp(cable, locations, 1 * nS, **REST, dt=0.05 * ms, duration=40 * ms, method="rk4")
    assert np.all(np.diff(result["amplitude"]) < 0) and np.all(np.diff(result["latency"]) > 0)
    assert list(result["compartment"]) == [1, 3, 6, 10]
    # RK4 at 50 µs agrees with exponential Euler at 5 µs (converged) ...
    fine = somatic_epsp(cable, locations, 1 * nS, **REST, dt=5 * us, duration=40 * ms, method="exponential_euler")
    np.testing.assert_allclose(result["amplitude"], fine["amplitude"], rtol=0.03)
    # ... and so does the network's RK2 at 0.1 ms on its default 5 compartments
    network = somatic_epsp(Cable(), locations, 1 * nS, **REST, dt=0.1 * ms, duration=40 * ms)
    fine = somatic_epsp(Cable(), locations, 1 * nS, **REST, dt=5 * us, duration=40 * ms, method="exponential_euler")
    np.testing.assert_allclose(network["amplitude"], fine["amplitude"], rtol=0.01)
    np.testing.assert_allclose(network["latency"], fine["latency"], atol=0.15e-3)
    assert defaultclock.dt == clock_dt  # the protocol's 5 µs step stays its own: a later network keeps its clock


def test_too_stiff_a_cable_is_rejected_before_running():
    assert check_step(Cable(), 0.1 * ms) < 1.0  # the default 5 compartments, RK2
    assert check_step(Cable(n_compartments=10), 0.05 * ms, "rk4") < 2.0
    with pytest.raises(ParameterError, match="too stiff"):
        check_step(Cable(n_compartments=10), 0.1 * ms)
    with pytest.raises(ParameterError, match="too stiff"):
        build_network(ModelParams().with_overrides(locations={"feedback": 100 * um}, cable={"n_compartments": 10}),
                      4, 1)
    with pytest.raises(ParameterError, match="too stiff"):
        somatic_epsp(Cable(n_compartments=20), [100 * um], 1 * nS, **REST, dt=0.1 * ms)


@pytest.mark.parametrize("location, compartment_index", [(0 * um, 1), (49.9 * um, 1), (50 * um, 2),
                                                           (250 * um, 6), (500 * um, 10)])
def test_location_picks_the_compartment_that_holds_it(location, compartment_index):
    assert compartment(location, Cable(n_compartments=10)) == compartment_index


@pytest.mark.parametrize("location, message", [(-10 * um, "negative"), (501 * um, "beyond the dendrite"),
                                               (100, "units of length"), (1 * ms, "units of length")])
def test_invalid_locations_are_rejected(location, message):
    with pytest.raises(ParameterError, match=message):
        compartment(location, Cable())


def test_backprop_delay_and_attenuation():
    cable = Cable(bap_velocity=0.25 * meter / second, bap_length_constant=200 * um)
    delay, attenuation = backprop(300 * um, cable, 0.1 * ms)
    assert float(delay / ms) == pytest.approx(1.2) and attenuation == pytest.approx(np.exp(-1.5))
    delay, _ = backprop(310 * um, cable, 0.1 * ms)  # 1.24 ms: rounded to the network's dt
    assert float(delay / ms) == pytest.approx(1.2)


@pytest.mark.parametrize("change, message", [({"diameter": -1 * um}, "positive"), ({"length": 500}, "length"),
                                             ({"R_i": 150 * ohm}, "needs units"), ({"n_compartments": 2.5}, "integer")])
def test_invalid_cables_are_rejected(change, message):
    with pytest.raises(ParameterError, match=message):
        geometry(Cable(**change))
