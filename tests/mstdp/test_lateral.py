"""Plastic lateral inhibition between hidden units (rules.lateral): its code, its state, ensembles, cpp."""
import os

import numpy as np
import pytest
from brian2 import NeuronGroup, Network, SpikeGeneratorGroup, Synapses, TimedArray, ms, second

from brianmodel.errors import ParameterError
from brianmodel.mstdp import Ensemble, Model
from brianmodel.mstdp.equations import LATERAL_TABLE, lateral_synapse_code
from brianmodel.mstdp.network import NetworkState, compiled_form, lateral_matrix, pathway_table
from brianmodel.params.mstdp import ModelParams
from brianmodel.params.run import RunSettings
from brianmodel.plots import load_script
from brianmodel.rules import parse_rules, rule
from brianmodel.training import Member, train, train_ensemble

FIGURES = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "figures")
SMALL = {"architecture": {"n_hidden": 4, "n_visible_pool": 2, "n_hidden_pool": 2}}


def test_the_paper_network_has_no_lateral_synapses_and_its_compiled_form_is_unchanged(brian_runtime):
    params = ModelParams().with_overrides(**SMALL)
    net = Model(params, 8).build(1)
    assert net.lateral is None and "g_l" not in net.hidden.variables
    assert "lateral" not in compiled_form(params) and compiled_form(params)["rules"]["lateral"] == "none"
    with pytest.raises(ParameterError, match="no lateral synapses"):
        params.check_effective("lateral", "g_lateral")


def test_lateral_synapses_connect_each_copys_units_to_the_others(brian_runtime):
    copies = [ModelParams().with_overrides(**SMALL, rules={"lateral": f"istdp(alpha={a})"},
                                           lateral={"g_lateral": g}) for a, g in ((0.1, 0.2), (0.3, 0.5))]
    net = Ensemble(copies, 8).build(1)
    i, j = np.asarray(net.lateral.i[:]), np.asarray(net.lateral.j[:])
    assert len(i) == 2 * 4 * 3 and np.all(i != j) and np.array_equal(i // 4, j // 4)
    assert np.array_equal(net.lateral.copy_syn[:], i // 4)
    table = pathway_table("lateral", copies)  # each copy's row: its rule's values, its gain and delay
    assert table[:, 1].tolist() == [0.1, 0.3] and table[:, -2].tolist() == [0.2, 0.5]
    assert "g_l" in net.hidden.variables


def test_the_lateral_weights_round_trip_through_synapse_order(brian_runtime):
    params = ModelParams().with_overrides(**SMALL, rules={"lateral": "istdp"})
    model = Model(params, 8)
    net = model.build(1)
    M = np.arange(16.0).reshape(4, 4) / 16 * (1 - np.eye(4))
    state = model.initial_state(0)
    state.synapses["lateral_m"] = M.T[~np.eye(4, dtype=bool)]
    for view, values in net.state_values(state).items():
        view[:] = values
    read = net.read_state()
    np.testing.assert_array_equal(lateral_matrix(read), M)
    # M[k, j] is the synapse j -> k
    k = np.flatnonzero((net.lateral.i[:] == 1) & (net.lateral.j[:] == 2))[0]
    assert net.lateral.m[k] == M[2, 1]
    assert lateral_matrix(NetworkState.initial(params, 8, 0)) is None  # M starts at 0: no array until a run


@pytest.mark.parametrize("lags_ms", [[3.0], [-3.0], [0.0, 30.0], [12.0, -5.0, 70.0]])
def test_the_lateral_synapse_changes_m_as_its_rules_reference(brian_runtime, lags_ms):
    # one synapse, pre spikes at 10, 110, ... ms, post spikes at those + the lags; presentations of 65 ms
    params = ModelParams().with_overrides(**SMALL, rules={"lateral": "istdp(eta=0.05, alpha=0.2)"})
    r = params.rule("lateral")
    pre = 0.010 + 0.1 * np.arange(len(lags_ms))
    post = pre + np.array(lags_ms) / 1000
    dt = float(params.presentation.dt)
    fire = np.zeros(int(round(0.5 / dt)))
    fire[np.round(post / dt).astype(int)] = 1
    source = SpikeGeneratorGroup(1, np.zeros(len(pre), int), pre * second)
    target = NeuronGroup(1, "g_l : 1", threshold="post_spikes(t) > 0.5", namespace={
        "post_spikes": TimedArray(fire, dt=dt * second)})
    table = TimedArray(pathway_table("lateral", [params]), dt=1 * second)
    syn = Synapses(source, target, **lateral_synapse_code(params), namespace={
        LATERAL_TABLE: table, "m_max": 1.0, "presentation_duration": params.presentation.duration})
    syn.connect()
    syn.m = 0.5
    Network(source, target, syn).run(0.45 * second)
    expected = r.change(pre, post, w0=0.5, w_max=1.0, period=float(params.presentation.duration))
    assert float(syn.m[0]) - 0.5 == pytest.approx(expected, rel=1e-9, abs=1e-12)
    assert float(target.g_l[0]) > 0  # and the pre spikes inhibited the target


def test_lateral_rules_are_parsed_and_checked():
    assert parse_rules(["lateral=istdp(alpha=0.2)"]) == {"lateral": "istdp(alpha=0.2)"}
    assert parse_rules(["lateral=none"]) == {"lateral": "none"}
    with pytest.raises(ParameterError, match="cannot be 'mirrored'"):
        ModelParams().with_overrides(rules={"lateral": "mirrored"})
    with pytest.raises(ParameterError, match="cannot be 'none'"):
        ModelParams().with_overrides(rules={"feedforward": "none"})
    with pytest.raises(ParameterError, match="not a multiple of dt"):
        ModelParams().with_overrides(rules={"lateral": "istdp"}, lateral={"delay": 0.25 * ms})
    frozen = ModelParams().with_overrides(rules={"lateral": "istdp(eta=0.3)"}).frozen()
    assert frozen.rule("lateral").eta == 0 and rule(frozen.rules.lateral).alpha == 0.1


@pytest.mark.slow
def test_copies_with_their_own_lateral_values_are_each_their_training_alone(small_dendritic, tiny_idx_folder,
                                                                           build_root, tmp_path):
    base = small_dendritic
    copies = [base.with_overrides(rules={"lateral": "istdp(eta=0.05, alpha=0.05)"}, lateral={"g_lateral": 0.3}),
              base.with_overrides(rules={"lateral": "istdp(eta=0.02, alpha=0.2)"},
                                  lateral={"g_lateral": 0.1, "delay": 1 * ms})]
    members = [Member(p, RunSettings(dataset=tiny_idx_folder, presentations=20, chunk_size=10, seed=0),
                      str(tmp_path / f"copy{k}")) for k, p in enumerate(copies)]
    folders = train_ensemble(members, build_root=build_root)
    for k, (member, folder) in enumerate(zip(members, folders)):
        alone = train(member.params, member.settings, str(tmp_path / f"alone{k}"), build_root=build_root)
        for name in ("W", "Q", "phi", "lateral_m"):
            np.testing.assert_array_equal(folder.load_checkpoint()[name], alone.load_checkpoint()[name])
    learned = [folder.load_checkpoint()["lateral_m"] for folder in folders]
    assert all(m.max() > 0 for m in learned) and not np.array_equal(*learned)
    load_script(os.path.join(FIGURES, "training.py")).main([folders[0].path, "--out", str(tmp_path / "figures")])
    assert (tmp_path / "figures" / "lateral.png").stat().st_size > 10_000
