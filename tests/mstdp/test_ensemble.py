"""Ensembles: K copies in one binary, each exactly the network trained alone."""
import os

import numpy as np
import pytest
from brian2 import ms, um

from brianmodel.device import Simulator
from brianmodel.errors import SimulationError, TrainingError
from brianmodel.io import read_csv
from brianmodel.mstdp import Ensemble, Model
from brianmodel.mstdp.network import Presentations
from brianmodel.mstdp.trainer import image_table
from brianmodel.params.run import RunSettings
from brianmodel.schedule import presentation_order
from brianmodel.training import Member, train, train_ensemble

CHUNK = 10


@pytest.fixture(scope="module")
def copies(small_dendritic):
    """Three copies that differ in η, ρ, location and delays (the copies of tests/protocols/test_sweep.py's shape)."""
    return [small_dendritic.with_overrides(plasticity={"eta": 0.04}, homeostasis={"rho": 0.1},
                                           locations={"feedback": 50 * um}, connections={"delay_feedback": 3 * ms}),
            small_dendritic.with_overrides(plasticity={"eta": 0.02, "A_minus": 1.4}, homeostasis={"rho": 0.3},
                                           locations={"feedback": 250 * um},
                                           connections={"delay_feedforward": 3 * ms, "delay_feedback": 1 * ms}),
            small_dendritic.with_overrides(plasticity={"eta": 0.06}, homeostasis={"rho": 0.05},
                                           locations={"feedback": 450 * um},
                                           connections={"delay_feedforward": 8 * ms, "delay_feedback": 5 * ms})]


@pytest.fixture(scope="module")
def trained(copies, tiny_idx_folder, build_root, tmp_path_factory):
    root = tmp_path_factory.mktemp("ensemble")
    members = [Member(p, RunSettings(dataset=tiny_idx_folder, presentations=2 * CHUNK, chunk_size=CHUNK, seed=k),
                      str(root / f"copy{k}")) for k, p in enumerate(copies)]
    folders = train_ensemble(members, build_root=build_root, summary=str(root))
    alone = [train(m.params, m.settings, str(root / f"alone{k}"), build_root=build_root)
             for k, m in enumerate(members)]
    return root, folders, alone


def test_each_copy_of_an_ensemble_is_its_training_alone(trained):
    _, folders, alone = trained
    for k, (copy, single) in enumerate(zip(folders, alone)):
        assert copy.checkpoints() == single.checkpoints() == [0, 10, 20]
        for presentations in (10, 20):  # both chunks
            for name in ("W", "Q", "phi", "count"):
                np.testing.assert_array_equal(copy.load_checkpoint(presentations)[name],
                                              single.load_checkpoint(presentations)[name], err_msg=f"{k} {name}")
        a, b = copy.load_last_chunk(), single.load_last_chunk()
        for name in ("x", "x_hat", "z", "hidden_i", "hidden_t", "visible_i", "visible_t"):
            np.testing.assert_array_equal(a[name], b[name], err_msg=f"copy {k}: {name}")
        assert a["z"].sum() > 0 and a["x_hat"].sum() > 0  # every copy has a code and a reconstruction
        rows, rows_alone = copy.read_metrics(), single.read_metrics()
        for column in ("reconstruction_corr", "qw_correlation", "dt1_ms", "dt2_ms"):
            assert [r[column] for r in rows] == [r[column] for r in rows_alone]
    # and the copies differ: their values reached their own neurons
    assert len({float(f.load_checkpoint()["W"].sum()) for f in folders}) == 3


def test_the_ensemble_has_a_summary_table(trained):
    root, folders, _ = trained
    table = read_csv(os.path.join(root, "ensemble.csv"))
    assert [row["folder"] for row in table] == [f.path for f in folders]
    assert {"plasticity.eta", "homeostasis.rho", "locations.feedback", "connections.delay_feedback"} <= set(table[0])
    assert [row["seed"] for row in table] == ["0", "1", "2"] and table[0]["presentations"] == "20"
    assert "neurons.tau_m" not in table[0]  # what the copies share is not a column


def test_an_ensemble_split_over_processes_trains_the_same_copies(trained, copies, tiny_idx_folder, build_root,
                                                                 tmp_path):
    root, folders, _ = trained
    members = [Member(p, RunSettings(dataset=tiny_idx_folder, presentations=2 * CHUNK, chunk_size=CHUNK, seed=k),
                      str(tmp_path / f"copy{k}")) for k, p in enumerate(copies)]
    # two processes: copies 0-1, and copy 2 with an idle copy (one binary of two copies for both)
    split = train_ensemble(members, build_root=build_root, summary=str(tmp_path), workers=2)
    assert [f.path for f in split] == [m.out for m in members]
    for k, (one, other) in enumerate(zip(split, folders)):
        for name in ("W", "Q", "phi", "count"):
            np.testing.assert_array_equal(one.load_checkpoint(20)[name], other.load_checkpoint(20)[name],
                                          err_msg=f"{k} {name}")
        np.testing.assert_array_equal(one.load_last_chunk()["hidden_t"], other.load_last_chunk()["hidden_t"])
    table = read_csv(os.path.join(tmp_path, "ensemble.csv"))
    assert [row["folder"] for row in table] == [f.path for f in split] and table[2]["presentations"] == "20"
    assert not [name for name in os.listdir(build_root) if name.startswith("process-")]  # private copies removed
    with pytest.raises(TrainingError, match="already holds a training"):  # checked before any process starts
        train_ensemble(members, build_root=build_root, workers=2)
    with pytest.raises(TrainingError, match="workers must be a positive integer"):
        train_ensemble(members, build_root=build_root, workers=0)



def test_processes_that_would_not_fit_in_memory_together_are_refused_before_any_starts(copies, tiny_idx_folder,
                                                                                        build_root, tmp_path,
                                                                                        monkeypatch):
    from brianmodel import training
    members = [Member(p, RunSettings(dataset=tiny_idx_folder, presentations=CHUNK, chunk_size=CHUNK, seed=k),
                      str(tmp_path / f"copy{k}")) for k, p in enumerate(copies)]
    one = Ensemble(copies[:2], 392).memory_estimate(CHUNK)  # each process: an ensemble of two copies
    monkeypatch.setattr(training, "available_memory", lambda: int(2.4 * one))  # 80% of it holds one, not two
    with pytest.raises(TrainingError, match=r"^2 processes of .* need about .* GiB together; this machine has "
                                            r".* GiB available: use fewer workers or copies$"):
        train_ensemble(members, build_root=build_root, workers=2)
    assert not any(os.path.exists(m.out) for m in members)


def test_an_ensemble_resumes(trained, copies, tiny_idx_folder, build_root, tmp_path):
    _, folders, _ = trained
    members = [Member(p, RunSettings(dataset=tiny_idx_folder, presentations=CHUNK, chunk_size=CHUNK, seed=k),
                      str(tmp_path / f"copy{k}")) for k, p in enumerate(copies)]
    train_ensemble(members, build_root=build_root)
    grown = [Member(m.params, RunSettings(dataset=tiny_idx_folder, presentations=2 * CHUNK, chunk_size=CHUNK,
                                          seed=m.settings.seed), m.out) for m in members]
    again = train_ensemble(grown, resume=True, build_root=build_root)
    for copy, whole in zip(again, folders):
        np.testing.assert_array_equal(copy.load_checkpoint()["W"], whole.load_checkpoint()["W"])


def test_an_ensemble_through_the_python_api(copies, tiny_idx_folder, trained, build_root):
    import brianmodel as bm

    # the trained ensemble's binary: 3 copies, chunks of 10, the dataset's image table
    X = bm.load_dataset(tiny_idx_folder).visible_intensities()
    table = image_table(X)
    ensemble = bm.mstdp.Ensemble(copies, X.shape[1], n_images=len(table))
    order = np.stack([presentation_order(len(X), 2 * CHUNK, seed) for seed in (0, 1, 2)])
    run = bm.Simulator(ensemble, "cpp", CHUNK, build_root=build_root).run(Presentations(table, order),
                                                                      ensemble.initial_state([0, 1, 2]))
    assert len(run.counts) == 3 and run.spikes("hidden")[0].max() >= 20  # indices over the copies
    for k, params in enumerate(copies):
        alone = Simulator(Model(params, X.shape[1], n_images=len(table)), "cpp", CHUNK, build_root=build_root).run(
            Presentations(table, order[k:k + 1]), Model(params, X.shape[1]).initial_state(k))
        np.testing.assert_array_equal(run.copy(k).state.W, alone.state.W)
        np.testing.assert_array_equal(run.copy(k).counts.x_hat, alone.counts.x_hat)
        i, t = run.copy(k).spikes("hidden")
        np.testing.assert_array_equal(i, alone.spikes("hidden")[0])


def test_copies_must_share_what_is_compiled_and_their_settings(copies, tiny_idx_folder, tmp_path):
    with pytest.raises(SimulationError, match="copy 1 differs from copy 0 in what is compiled.*architecture.n_hidden"):
        Ensemble([copies[0], copies[1].with_overrides(architecture={"n_hidden": 11})], 392)
    with pytest.raises(SimulationError, match="copy 1 differs .*locations.feedback"):
        Ensemble([copies[0], copies[1].with_overrides(locations={"feedback": None})], 392)
    members = [Member(copies[0], RunSettings(dataset=tiny_idx_folder, presentations=20, chunk_size=10),
                      str(tmp_path / "a")),
               Member(copies[1], RunSettings(dataset=tiny_idx_folder, presentations=30, chunk_size=10),
                      str(tmp_path / "b"))]
    with pytest.raises(TrainingError, match="share presentations"):
        train_ensemble(members)
    with pytest.raises(TrainingError, match="share a results folder"):
        train_ensemble([members[0], members[0]])
    assert not os.listdir(tmp_path)
    with pytest.raises(SimulationError, match="3 seeds for 2 copies"):
        Ensemble(copies[:2], 392).initial_state([0, 1, 2])
