"""The model–device contract (brianmodel.device.contract), checked the same way on every implementation: the
mSTDP network, an mSTDP ensemble of two copies and the sym-STDP network. A new model joins IMPLEMENTATIONS and gets
every check (as scikit-learn's estimator checks do)."""
import numpy as np
import pytest
from brian2 import Quantity, ms, mV, second, um

from brianmodel import mstdp, symstdp
from brianmodel.device import Simulator
from brianmodel.device.contract import check_model
from brianmodel.errors import DamagedFile
from brianmodel.mstdp.network import RUN_TIME_FIELDS as MSTDP_RUN_TIME
from brianmodel.params.mstdp import ModelParams
from brianmodel.params.symstdp import preset as symstdp_preset
from brianmodel.symstdp.network import RUN_TIME_FIELDS as SYMSTDP_RUN_TIME

N = 2  # presentations a run shows
# an mSTDP network with every optional part (located synapses, lateral inhibition), so every run-time field has
# an effect
MSTDP = ModelParams().with_overrides(architecture={"n_hidden": 20, "n_visible_pool": 10, "n_hidden_pool": 5},
                                     rules={"lateral": "istdp"}, lateral={"g_lateral": 0.3},
                                     locations={"feedback": 300 * um, "feedforward": 50 * um},
                                     neurons={"visible_noise": 0 * mV})  # (noise of no size: copies alike)
SYMSTDP = symstdp_preset("mnist").with_overrides(architecture={"n_excitatory": 10})


class Implementation:
    """A model, a seed for its initial state, its run-time fields, a compiled change, a stimulus of N rows."""

    def __init__(self, name, model, seed, run_time, compiled, stimulus):
        self.name, self.model, self.seed, self.run_time = name, model, seed, run_time
        self.compiled, self.stimulus = compiled, stimulus

    def __repr__(self):
        return self.name


def _images(n_inputs, rng=np.random.default_rng(0)):
    return rng.uniform(0, 1, (N, n_inputs))


IMPLEMENTATIONS = [
    Implementation("mstdp.Model", mstdp.Model(MSTDP, 392), 7, MSTDP_RUN_TIME,
                   {"architecture": {"n_hidden": 21}}, _images(392)),
    # two identical copies: their runs must be identical too
    Implementation("mstdp.Ensemble(K=2)", mstdp.Ensemble([MSTDP, MSTDP], 392), [7, 7], MSTDP_RUN_TIME,
                   {"architecture": {"n_hidden": 21}}, _images(392)),
    Implementation("symstdp.Model", symstdp.Model(SYMSTDP, 197), 7, SYMSTDP_RUN_TIME,
                   {"architecture": {"n_excitatory": 11}},
                   np.hstack([_images(196), np.array([[3.0], [-1.0]])])),  # a teacher, then none
]
OTHER = {"backprop_delay_feedforward": 1 * ms, "backprop_delay_feedback": 1 * ms, "crossover": 100 * um}


def _other(name, value):
    """Another valid value of a run-time field."""
    if value is None:
        return OTHER[name]
    if isinstance(value, Quantity) and float(value) == 0:
        return Quantity(1e-3, dim=value.dim)  # (1 ms, 1 mV)
    return value * 2


def _override(model, changes):
    params = model.params
    if isinstance(params, (list, tuple)):  # an ensemble: every copy
        return model.with_params([p.with_overrides(**changes) for p in params])
    return model.with_params(params.with_overrides(**changes))


def _params(model):
    return model.params[0] if isinstance(model.params, (list, tuple)) else model.params


@pytest.fixture(params=IMPLEMENTATIONS, ids=repr)
def implementation(request):
    return request.param


def test_it_meets_the_declared_contract(implementation):
    check_model(implementation.model)
    assert implementation.model.copies == (2 if "Ensemble" in implementation.name else 1)


def test_its_state_round_trips_through_its_arrays(implementation):
    model = implementation.model
    state = model.initial_state(implementation.seed)
    arrays = state.arrays()
    back = model.load_state(arrays).arrays()
    assert sorted(back) == sorted(arrays)
    for name in arrays:
        np.testing.assert_array_equal(back[name], arrays[name])
    other = model.initial_state([s + 1 for s in implementation.seed] if isinstance(implementation.seed, list)
                                else implementation.seed + 1).arrays()
    assert any(not np.array_equal(other[name], arrays[name]) for name in arrays)  # the seed matters
    with pytest.raises(DamagedFile):
        model.load_state({name: value for name, value in arrays.items() if name != sorted(arrays)[0]})
    weights = next(name for name in sorted(arrays) if name.startswith("W"))
    with pytest.raises(DamagedFile, match=f"not finite in {weights}"):
        model.load_state({**arrays, weights: np.where(arrays[weights] == arrays[weights].max(), np.nan,
                                                      arrays[weights])})


def test_its_build_key_is_blind_to_every_run_time_field_and_sees_a_compiled_one(implementation):
    model = implementation.model
    key = (model.compiled_form(N), model.sources())
    params = _params(model)
    for section, name in sorted(implementation.run_time):
        changed = _override(model, {section: {name: _other(name, getattr(getattr(params, section), name))}})
        assert _params(changed) != params, (section, name)
        assert (changed.compiled_form(N), changed.sources()) == key, f"{section}.{name} is compiled in"
        assert changed.compiled_params() == model.compiled_params(), f"{section}.{name} reaches the code"
    assert _override(model, implementation.compiled).compiled_form(N) != key[0]


def test_a_run_gives_counts_of_every_presentation_and_spikes_split_by_copy(implementation, numpy_runtime):
    model = implementation.model
    run = Simulator(model, "runtime", chunk_size=N).run(implementation.stimulus,
                                                        model.initial_state(implementation.seed))
    spikes = {name: (run.spikes(name)[0], np.asarray(run.spikes(name)[1] / second)) for name in run.spike_monitors}
    assert sum(len(i) for i, _ in spikes.values()) > 0
    split = model.split_spikes(spikes)
    assert len(split) == model.copies
    for name, (i, t) in spikes.items():
        assert sum(len(copy[name][0]) for copy in split) == len(i), name  # every spike goes to one copy
        assert all(np.all(copy[name][0] >= 0) for copy in split)
    for copy in split[1:]:  # (identical copies)
        for name in spikes:
            np.testing.assert_array_equal(copy[name][0], split[0][name][0])
            np.testing.assert_array_equal(copy[name][1], split[0][name][1])
    for k in range(model.copies):
        counts = run.copy(k).counts if model.copies > 1 else run.counts
        values = counts if isinstance(counts, dict) else vars(counts)
        assert values and all(np.asarray(v).shape[0] == N for v in values.values()), \
            {name: np.shape(v) for name, v in values.items()}
