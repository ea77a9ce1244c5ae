"""The rules library without Brian2: specs, parameters, the code each rule writes, and its reference."""
import numpy as np
import pytest
from brian2 import Hz, ms, second, um

from brianmodel.errors import ParameterError
from brianmodel.mstdp.mirrored import Mirrored, analytic_change, pathway_rule
from brianmodel.mstdp.network import build_values, compiled_form, pathway_table
from brianmodel.params.mstdp import ModelParams, preset
from brianmodel.rules import (RULES, SymSTDP, Site, Triplet, NearestTriplet, modulated, parse_rules, rule,
                              STDP, ASTDP, ISTDP)
from brianmodel.symstdp.network import SYM_STDP_ON_POST, SYM_STDP_ON_PRE


def test_every_rule_is_named_parsed_and_round_trips_through_its_spec():
    for name in RULES:
        r = rule(name)
        assert r.name == name and rule(r.spec()) == r
    r = rule("stdp(eta=0.02, tau_minus=20*ms)")
    assert r.eta == 0.02 and r.tau_minus == 20 * ms and r.tau_plus == 10 * ms
    assert rule(r.spec()) == r


@pytest.mark.parametrize("spec, message", [
    ("tripplet", "unknown rule 'tripplet'"),
    ("stdp(eta)", "expected param=value"),
    ("stdp(eta=fast)", "cannot read the value 'fast'"),
    ("stdp(eta=__import__('os'))", "cannot read"),
    ("stdp(tau_plus=10)", "needs units of time"),
    ("stdp(eta=-1)", "must not be negative"),
    ("bcm(nu_target=10*ms)", "nu_target"),
    ("stdp(gamma=1)", "has no parameter"),
    ("stdp(eta=1", "cannot read the rule"),
    ("stdp(eta=None)", "finite value"),
    ("triplet(tau_x=1e400*ms)", "finite value"),
])
def test_a_bad_rule_is_one_clear_error(spec, message):
    with pytest.raises(ParameterError, match=message):
        rule(spec)


def test_rules_on_the_command_line_split_at_top_level_commas():
    assert parse_rules(["feedforward=stdp(eta=0.02, A_plus=2),feedback=astdp", "feedback=mirrored"]) == \
        {"feedforward": "stdp(eta=0.02, A_plus=2)", "feedback": "mirrored"}
    with pytest.raises(ParameterError, match="PATHWAY=RULE"):
        parse_rules(["hidden=stdp"])


def test_model_params_hold_each_pathways_rule_and_check_it():
    params = ModelParams().with_overrides(rules={"feedback": "triplet(eta=2)"})
    assert params.rule("feedforward") is None and params.rule("feedback") == Triplet(eta=2)
    assert ModelParams.from_dict(params.to_dict()) == params
    with pytest.raises(ParameterError, match="rules.feedback: unknown rule"):
        ModelParams().with_overrides(rules={"feedback": "hebb"})
    with pytest.raises(ParameterError, match="must be text"):
        ModelParams().with_overrides(rules={"feedback": 3})


def test_a_rules_parameters_are_run_time_values_and_its_name_is_compiled():
    a = ModelParams().with_overrides(rules={"feedforward": "stdp(eta=0.01)"})
    b = ModelParams().with_overrides(rules={"feedforward": "stdp(eta=0.03, tau_plus=20*ms)"})
    c = ModelParams().with_overrides(rules={"feedforward": "stdp-soft"})
    assert compiled_form(a) == compiled_form(b) != compiled_form(c)
    assert build_values(a).rules.feedforward == "stdp"
    table = pathway_table("feedforward", [a, b])  # one row per copy: the rule's parameters, then the placement's
    assert table[:, 0].tolist() == [0.01, 0.03] and table[:, 3].tolist() == [0.010, 0.020]
    assert table.shape[1] == len(STDP().columns()) + 5


def test_each_rule_writes_code_for_the_site_it_is_given():
    site = Site("q", "q_max")
    assert rule("stdp").on_pre(site) == "apre += 1\nq = clip(q - eta * A_minus * apost, 0, q_max)"
    assert rule("astdp").on_post(site) == "apost += bap\nq = clip(q - bap * eta * A_minus * apre, 0, q_max)"
    assert "* q, 0, q_max)" in rule("stdp-soft").on_pre(site)
    assert "r1 = 1" in rule("triplet-nearest").on_pre(site) and "r1 += 1" in rule("triplet").on_pre(site)
    # three-factor: the rule's change goes to the eligibility, the weight follows modulator × eligibility
    assert rule("modulated-stdp").on_pre(site) == "apre += 1\nelig += (q - eta * A_minus * apost) - q"
    assert "modulator(t) * elig" in rule("modulated-stdp").consolidation(site)


def test_the_sym_stdp_network_uses_the_librarys_rule_unchanged():
    assert SYM_STDP_ON_PRE == ("\ng_e_post += w\nchange = clip(w + eta * apost, 0, w_max) - w\nw += change\n"
                               "w_total_post += change\napre += trace_increment\n")
    assert SYM_STDP_ON_POST == ("\nchange = clip(w + eta * apre, 0, w_max) - w\nw += change\n"
                                "w_total_post += change\napost += trace_increment\n")


@pytest.mark.parametrize("cls", [STDP, ASTDP, SymSTDP, ISTDP])
def test_the_event_by_event_reference_of_a_pair_rule_is_its_window(cls):
    r = cls(eta=0.01)
    lags = np.array([-30.0, -8.0, -1.0, 0.0, 1.0, 8.0, 30.0])
    reference = [r.change([0.1], [0.1 + lag / 1000]) for lag in lags]
    np.testing.assert_allclose(reference, r.window(lags), rtol=1e-12, atol=1e-15)


def test_the_mirrored_rule_is_stdp_on_w_and_astdp_on_q():
    """The paper's rule is a rule of the library's kind: its window is STDP's on W and aSTDP's on Q (the
    paper's placement), its event-by-event reference (the binary's equations) gives that window, and every
    plastic pathway has a rule: the mirrored one unless params.rules names another."""
    params = preset("main")
    lags = np.array([-20.0, -3.0, 0.0, 4.0, 15.0])
    for pathway, library, sign in (("feedforward", STDP(), 1), ("feedback", ASTDP(), -1)):
        r = pathway_rule(params, pathway)
        assert isinstance(r, Mirrored) and r.spec() == "mirrored" and r.traces == ("apre", "apost")
        np.testing.assert_allclose(r.window(lags, 3), library.window(lags, 3), rtol=1e-12)
        np.testing.assert_allclose([r.change([0.1], [0.1 + lag / 1000]) for lag in lags], r.window(lags),
                                   rtol=1e-12, atol=1e-15)
        # somatic lags (Δ = t_hidden − t_visible): the feedback synapse's postsynaptic cell is the visible one
        np.testing.assert_allclose(analytic_change(lags, params, pathway, 3), library.window(sign * lags, 3),
                                   rtol=1e-12)
    assert [pathway_rule(params, p).label() for p in ("feedforward", "feedback")] == ["STDP", "aSTDP"]
    assert pathway_rule(params.with_overrides(rules={"feedback": "triplet"}), "feedback") == Triplet()
    assert pathway_rule(params, "lateral") is None  # (the paper's network has no lateral synapses)
    distal = pathway_rule(params.with_overrides(locations={"feedback": 300 * um}), "feedback")
    assert 0 < distal.bap < 1  # out on the dendrite the back-propagating spike is smaller: so is the window
    np.testing.assert_allclose(distal.window(lags), distal.bap * pathway_rule(params, "feedback").window(lags))


def test_soft_bounds_scale_each_change_by_the_room_left():
    r = rule("stdp-soft(eta=0.1)")
    ltp_low, ltp_high = r.change([0.0], [0.005], w0=0.2), r.change([0.0], [0.005], w0=0.8)
    assert ltp_low / ltp_high == pytest.approx(0.8 / 0.2)
    ltd_low, ltd_high = r.change([0.005], [0.0], w0=0.2), r.change([0.005], [0.0], w0=0.8)
    assert ltd_low / ltd_high == pytest.approx(0.2 / 0.8)


def _sjostrom(r, frequency, lag_ms, n=60):
    pre = 0.1 + np.arange(n) / frequency
    return r.change(pre, pre + lag_ms / 1000, w0=2.0, w_max=4.0)


@pytest.mark.parametrize("cls", [Triplet, NearestTriplet])
def test_triplet_rules_depress_at_low_and_potentiate_at_high_frequency(cls):
    r = cls()
    assert _sjostrom(r, 0.1, -10) < -0.1  # post→pre at 0.1 Hz: LTD
    assert abs(_sjostrom(r, 0.1, 10)) < 1e-6  # pre→post at 0.1 Hz: nothing (A2+ ≈ 0)
    assert _sjostrom(r, 50, 10) > 0.3 and _sjostrom(r, 50, -10) > 0.3  # 50 Hz: LTP, either order


def test_bcm_depresses_below_and_potentiates_above_its_sliding_threshold():
    r = rule("bcm(eta=0.01)")
    low, high = _sjostrom(r, 10, 5), _sjostrom(r, 50, 5)
    assert low < 0 < high
    # a neuron that has fired a lot has a higher threshold: the same pairing then potentiates less
    faster_threshold = rule("bcm(eta=0.01, tau_theta=0.5*second)")
    assert _sjostrom(faster_threshold, 50, 5) < high


def test_oja_decay_grows_with_the_weight():
    r = rule("oja(eta=0.01)")
    assert r.change([0.0], [0.005], w0=0.1) > r.change([0.0], [0.005], w0=0.9)


def test_a_three_factor_rule_changes_nothing_without_its_modulator_and_eligibility_times_modulator_with_it():
    r = modulated(STDP)(eta=0.01, tau_eligibility=1 * second, tau_modulation=10 * ms)
    pre, post = [0.1], [0.11]
    assert r.change(pre, post) == 0.0
    eligibility = STDP(eta=0.01).change(pre, post)
    pulse = np.zeros(2000)
    pulse[1110:1120] = 2.0  # M = 2 for 10 ms, 1 s after the pairing
    expected = sum(2.0 * eligibility * np.exp(-(k / 1000 - 0.11) / 1.0) * 1e-3 / 10e-3 for k in range(1110, 1120))
    assert r.change(pre, post, modulator=pulse, modulation_dt=1e-3) == pytest.approx(expected, rel=1e-12)
    assert expected == pytest.approx(2 * eligibility * np.exp(-1.0), rel=0.02)


def test_rule_units_are_checked():
    with pytest.raises(ParameterError, match="units"):
        rule("bcm").with_values(nu_target=10)
    assert rule("bcm").with_values(nu_target=5 * Hz).nu_target == 5 * Hz


def test_frozen_parameters_switch_off_every_rule_and_homeostasis():
    params = ModelParams().with_overrides(rules={"feedforward": "triplet(eta=6)", "feedback": "bcm"})
    frozen = params.frozen()
    assert frozen.rule("feedforward").eta == 0 and frozen.rule("feedback").eta == 0
    assert frozen.rule("feedforward").tau_x == params.rule("feedforward").tau_x
    assert frozen.plasticity.eta == 0 and frozen.homeostasis.rate == 0
    assert compiled_form(frozen) == compiled_form(params)  # the training's binary serves the probe


def test_a_pair_of_long_rules_gets_a_short_folder_name():
    from brianmodel.protocols.rule_comparison import pair_name
    assert pair_name({"feedforward": "triplet(eta=6)", "feedback": "astdp"}) == "triplet-eta-6__astdp"
    long = rule("pair(a_plus=0.0424276395967369, a_minus=-0.0733091827824771)").spec()
    name = pair_name({"feedforward": long, "feedback": long})
    assert len(name) < 40 and name.startswith("pair-")


def test_a_mirrored_rule_field_is_refused_where_no_pathway_follows_the_mirrored_rule():
    both = ModelParams().with_overrides(rules={"feedforward": "stdp", "feedback": "bcm"})
    with pytest.raises(ParameterError, match="plasticity.eta has no effect"):
        both.check_effective("plasticity", "eta")
    feedback_only = ModelParams().with_overrides(rules={"feedback": "bcm"})
    feedback_only.check_effective("plasticity", "eta")  # W still follows it
    with pytest.raises(ParameterError, match="zeta_over_eta has no effect"):
        feedback_only.check_effective("plasticity", "zeta_over_eta")
    both.check_effective("plasticity", "w_max")  # the bounds hold for every rule


def test_a_comparison_folder_with_other_settings_is_refused_before_anything_runs(tmp_path):
    import dataclasses
    from brianmodel.errors import ProtocolError
    from brianmodel.params.run import RunSettings
    from brianmodel.protocols.rule_comparison import compare_rules
    from brianmodel.results import ResultsFolder
    folder = ResultsFolder(tmp_path)
    with folder.writing():
        folder.write_params({"model": ModelParams().to_dict(),
                             "run": dataclasses.asdict(RunSettings(presentations=10, holdout=5))})
    with pytest.raises(ProtocolError, match="other run settings"):
        compare_rules(ModelParams(), RunSettings(presentations=20, holdout=5), [{"feedforward": "stdp",
                                                                                 "feedback": "stdp"}], str(tmp_path))
