"""The rule search: its family of windows, the mirror score, CMA-ES replay on resume, and a tiny search end to end."""
import numpy as np
import pytest

from brianmodel.errors import ProtocolError
from brianmodel.params.mstdp import preset
from brianmodel.params.run import RunSettings
from brianmodel.protocols.rule_search import (SearchSettings, _strategy, decode, encode, mirror_scores,
                                              mstdp_reference, run_search)
from brianmodel.results import ResultsFolder
from brianmodel.rules import ASTDP, STDP, rule


def test_the_pair_family_holds_mstdp_exactly():
    reference = mstdp_reference(preset("main"))
    lags = np.array([-30.0, -4.0, 4.0, 30.0])
    np.testing.assert_allclose(reference["feedforward"].window(lags), STDP().window(lags), rtol=1e-12)
    np.testing.assert_allclose(reference["feedback"].window(lags), ASTDP().window(lags), rtol=1e-12)
    np.testing.assert_allclose(encode(decode(encode(reference))), encode(reference), atol=1e-12)
    assert mirror_scores(reference) == pytest.approx((1.0, -1.0))
    same = {"feedforward": reference["feedforward"], "feedback": reference["feedforward"]}
    assert mirror_scores(same) == pytest.approx((-1.0, 1.0))


def test_a_candidates_time_constants_stay_in_range_and_its_signs_are_free():
    rules = decode([-2.0, 3.0, 9.0, -9.0, 0.5, -0.5, 0.0, 0.0])
    assert rules["feedforward"].a_plus < 0 < rules["feedforward"].a_minus
    assert float(rules["feedforward"].tau_plus) == pytest.approx(0.1)  # 10 ms e^9, kept at 100 ms
    assert float(rules["feedforward"].tau_minus) == pytest.approx(0.001)
    assert rule(rules["feedback"].spec()) == rules["feedback"]


def test_cma_es_replayed_from_the_saved_generations_asks_what_it_would_have_asked():
    search = SearchSettings(population=6, seed=3)
    es, _ = _strategy(search)
    first = es.ask()
    fitness = [float(np.sum(x)) for x in first]
    es.tell(first, fitness)
    second = es.ask()
    replayed, _ = _strategy(search)
    assert np.allclose(replayed.ask(), first)
    replayed.tell([np.array(x) for x in first], fitness)
    assert np.allclose(replayed.ask(), second)


@pytest.mark.parametrize("settings, message", [
    (SearchSettings(population=2), "at least 4"),
    (SearchSettings(generations=0), "positive integer"),
    (SearchSettings(sigma=0.0), "sigma"),
])
def test_bad_search_settings_are_refused(settings, message):
    with pytest.raises(ProtocolError, match=message):
        settings.validate()


def test_the_search_needs_held_out_digits(tmp_path):
    with pytest.raises(ProtocolError, match="holdout"):
        run_search(preset("main"), RunSettings(presentations=10, chunk_size=10), SearchSettings(), str(tmp_path))


@pytest.mark.slow
def test_a_tiny_search_compiles_once_scores_every_candidate_and_resumes(tmp_path, build_root):
    import os
    params = preset("main").with_overrides(architecture={"n_hidden": 20})
    settings = RunSettings(presentations=20, chunk_size=10, holdout=10)
    builds = set(os.listdir(build_root))
    first = run_search(params, settings, SearchSettings(generations=1, population=4, seed=3), str(tmp_path / "s"),
                       build_root=build_root)
    assert len(first) == 5 and first[-1]["reference"] and first[-1]["mirror_score"] == pytest.approx(1.0)
    resumed = run_search(params, settings, SearchSettings(generations=2, population=4, seed=3),
                         str(tmp_path / "s"), build_root=build_root)
    # one binary for every candidate of both generations, the probes included
    assert len([b for b in set(os.listdir(build_root)) - builds if not b.endswith(".lock")]) == 1
    whole = run_search(params, settings, SearchSettings(generations=2, population=4, seed=3),
                       str(tmp_path / "t"), build_root=build_root)
    assert [r["reconstruction_corr"] for r in resumed] == [r["reconstruction_corr"] for r in whole]
    assert [r["feedforward_a_plus"] for r in resumed] == [r["feedforward_a_plus"] for r in whole]
    assert os.path.isdir(tmp_path / "s" / "generation-001" / "best")
    assert not os.path.exists(tmp_path / "s" / "generation-001" / "candidate-00")


@pytest.mark.slow
def test_a_candidate_that_diverges_scores_as_the_worst_and_the_search_goes_on(tmp_path, build_root):
    """No input drive (run-time: the tiny search's binary): every candidate is silent. Each gets a failed row and
    fitness -1; the search runs both generations and saves them."""
    import math
    params = preset("main").with_overrides(architecture={"n_hidden": 20}, connections={"g_input": 0.0})
    settings = RunSettings(presentations=20, chunk_size=10, holdout=10)
    rows = run_search(params, settings, SearchSettings(generations=2, population=4, seed=3), str(tmp_path / "s"),
                      build_root=build_root)
    assert len(rows) == 10 and all(r["failed"].startswith("diverged in presentations 1-10: no spike") for r in rows)
    assert all(math.isnan(r["reconstruction_corr"]) for r in rows)
    assert all(f == -1.0 for g in ResultsFolder(str(tmp_path / "s")).read_json("generations.json")["generations"]
               for f in g["fitness"])
