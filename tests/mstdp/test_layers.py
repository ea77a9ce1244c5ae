"""Each layer's cell is data (brianmodel.mstdp.layers): what its equations, threshold, reset and rest refer to is
in its constants or its own variables, for every kind of cell the presets make."""
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
