"""Each layer's cell is data (brianmodel.mstdp.layers): what its equations, threshold, reset and rest refer to is
in its constants or its own variables, for every kind of cell the presets make."""
import numpy as np
import pytest
from brian2 import DEFAULT_FUNCTIONS, ms, mV, um
from brian2.utils.stringtools import get_identifiers

from brianmodel.mstdp.layers import Cell, hidden_cell, pool_cell, visible_cell
from brianmodel.params.mstdp import preset

PARAMS = {
    "compact": preset("main"),
    "distal feedback": preset("dendritic").with_overrides(locations={"feedback": 300 * um}),
    "located feedforward": preset("main").with_overrides(locations={"feedforward": 50 * um}),
    "lateral": preset("lateral"),
    "slow hidden excitation": preset("main").with_overrides(neurons={"tau_e_hidden": 10 * ms}),
    "slow located feedforward": preset("main").with_overrides(neurons={"tau_e_hidden": 10 * ms},
                                                              locations={"feedforward": 50 * um}),
    "noisy visible": preset("main").with_overrides(neurons={"visible_noise": 4 * mV}),
    "noisy ball-and-stick": preset("dendritic").with_overrides(neurons={"visible_noise": 4 * mV},
                                                               locations={"feedback": 300 * um}),
}
BUILT_IN = {"t", "dt", "i", "N", "t_in_timesteps", "lastspike", "not_refractory", "xi", *DEFAULT_FUNCTIONS}


@pytest.mark.parametrize("params", PARAMS.values(), ids=PARAMS.keys())
@pytest.mark.parametrize("make", [visible_cell, hidden_cell, pool_cell])
def test_a_cell_names_everything_its_code_refers_to(make, params):
    cell = make(params)
    own = set(cell.equations.names)
    referred = set(cell.equations.identifiers) | get_identifiers(cell.threshold) | get_identifiers(cell.reset) \
        | get_identifiers(cell.rest)
    assert referred - own - BUILT_IN <= set(cell.constants), referred - own - BUILT_IN - set(cell.constants)
    assert set(cell.carried) <= own and set(cell.initial) <= own


def test_compartments_follow_the_synapses_locations():
    compact, distal = visible_cell(PARAMS["compact"]), visible_cell(PARAMS["distal feedback"])
    assert "v_d" in compact.equations.names and compact.method == "euler"
    n = PARAMS["distal feedback"].cable.n_compartments
    assert {f"v_{k}" for k in range(1, n + 1)} <= set(distal.equations.names) and distal.method != "euler"
    assert all(f"g_d_{k} = 0" in distal.rest for k in range(1, n + 1))
    assert hidden_cell(PARAMS["lateral"]).rest.endswith("g_l = 0") and "g_l" not in hidden_cell(PARAMS["compact"]).rest


def test_visible_noise_is_on_the_soma_only_when_set():
    """neurons.visible_noise: an OU drive on the visible soma (rk2 takes no noise: Heun's method on cables);
    unset, the paper's deterministic cells, their code as it was."""
    for name in ("compact", "distal feedback"):
        cell = visible_cell(PARAMS[name])
        assert "xi" not in str(cell.equations) and "sigma_visible" not in cell.equations.names
    for name, method in (("noisy visible", "euler"), ("noisy ball-and-stick", "heun")):
        cell = visible_cell(PARAMS[name])
        soma = next(eq for eq in cell.equations.ordered if eq.varname == "v")
        assert "xi" in str(soma.expr) and cell.method == method
        assert all("xi" not in str(eq.expr) for eq in cell.equations.ordered if eq.varname != "v")
        assert {"sigma_visible", "random_seed"} <= set(cell.equations.names)
        assert "xi" not in str(hidden_cell(PARAMS[name]).equations)


def test_a_variant_is_a_cell_of_other_fields(numpy_runtime):
    """An adaptive threshold, say: the same equations plus a threshold variable, another threshold and reset."""
    from brian2 import Equations, Network, NeuronGroup, linked_var
    base = hidden_cell(PARAMS["compact"])
    variant = Cell(base.equations + Equations("dtheta/dt = -theta / (50*ms) : volt"), base.method, base.refractory,
                   base.rest, {**base.constants}, base.resting_potential, threshold="v > V_threshold + theta",
                   reset=base.reset + "\ntheta += 1*mV")
    group = variant.group(3, "adaptive")
    assert float(group.v[0] / mV) == pytest.approx(float(base.resting_potential / mV))
    group.v = base.constants["V_threshold"] + 1 * mV  # above threshold at once: one spike, then the threshold rises
    pool = NeuronGroup(1, "g : 1", name="no_inhibition")  # (the layer's pool, silent)
    group.g_i = linked_var(pool, "g", index=[0, 0, 0])
    Network(group, pool).run(1 * ms, namespace=variant.constants)
    assert all(group.theta[:] > 0 * mV)


@pytest.mark.parametrize("located", [False, True], ids=["compact", "ball-and-stick"])
def test_the_hidden_excitation_decays_with_its_own_time_constant(numpy_runtime, located):
    """neurons.tau_e_hidden: the hidden units' g_e decays with it, every other cell's with tau_e; unset, the
    hidden cell's code is the paper's (the name tau_e, so the default network's generated code is unchanged)."""
    from brian2 import Network, NeuronGroup, defaultclock, linked_var
    from brianmodel.mstdp.network import namespace
    defaultclock.dt = 0.1 * ms  # (another test's network may have left another)
    base = PARAMS["located feedforward" if located else "compact"]
    assert "tau_e_hidden" not in str(hidden_cell(base).equations) and "tau_e_hidden" not in namespace(base)
    slow = base.with_overrides(neurons={"tau_e_hidden": 10 * ms})
    cell = hidden_cell(slow)
    assert namespace(slow)["tau_e_hidden"] == 10 * ms and namespace(slow)["tau_e"] == 2 * ms
    assert "tau_e_hidden" not in str(visible_cell(slow).equations) + str(pool_cell(slow).equations)
    group = cell.group(1, "hidden")
    synapse = "g_e_1" if located else "g_e"
    setattr(group, synapse, 1.0)
    pool = NeuronGroup(1, "g : 1", name="no_inhibition")
    group.g_i = linked_var(pool, "g", index=[0])
    Network(group, pool).run(2 * ms, namespace=namespace(slow))
    # (Euler steps of the compact cell: 0.99^20 = 0.818)
    assert float(getattr(group, synapse)[0]) == pytest.approx(np.exp(-2 / 10), rel=5e-3)  # not exp(-2 / 2)


def test_two_cells_cannot_give_one_constant_two_values():
    """The network has one namespace: a cell whose constant clashes with another cell's is refused, not
    silently overridden (why tau_e_hidden has a name of its own)."""
    import dataclasses
    from brianmodel.errors import ParameterError
    from brianmodel.mstdp.network import cells, namespace
    params = PARAMS["compact"]
    layers = cells(params)
    clash = {**layers, "hidden": dataclasses.replace(layers["hidden"],
                                                     constants={**layers["hidden"].constants, "tau_e": 5 * ms})}
    with pytest.raises(ParameterError, match="hidden cell's constant 'tau_e'"):
        namespace(params, clash)
    assert namespace(params, layers)["tau_e"] == 2 * ms
