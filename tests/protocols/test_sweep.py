"""Sweeps over run-time parameters: ensembles of points, one build, process pool and Dask give the same table."""
import json
import os

import numpy as np
import pytest
from brian2 import ms, um

from brianmodel.analysis import q_column_corr, template_corr
from brianmodel.device import simulator as simulator_module
from brianmodel.errors import DeviceError, ParameterError, ProtocolError, SimulationError
from brianmodel.params.mstdp import ModelParams
from brianmodel.params.run import RunSettings
from brianmodel.protocols.sweep import Axis, Grid, comparable, default_copies, parse_grid, run_sweep
from brianmodel.readers import RESULT_COLUMNS, read_sweep, read_sweep_table
from brianmodel.results import ResultsFolder

# 4 points in ensembles of 3 copies on 2 workers: the second ensemble is one point and 2 idle copies
GRID = Grid((Axis("locations.feedback", (50 * um, 450 * um)), Axis("connections.delay_feedback", (1 * ms, 4 * ms))))


@pytest.fixture(scope="module")
def sweep_setup(tiny_idx_folder, small_dendritic):
    return small_dendritic, RunSettings(dataset=tiny_idx_folder, presentations=20, chunk_size=10)


@pytest.fixture(scope="module")
def pool_sweep(sweep_setup, tmp_path_factory, build_root):
    params, settings = sweep_setup
    out = str(tmp_path_factory.mktemp("sweep") / "pool")
    builds = build_root  # the ensemble of 3 is tests/mstdp/test_ensemble.py's too
    rows = run_sweep(params, settings, GRID, out, copies=3, workers=2, probe_presentations=10, build_root=builds,
                     quiet=True)
    return out, builds, rows


COLUMNS = ["locations.feedback_um", "connections.delay_feedback_ms", "seed", *RESULT_COLUMNS]


def test_every_point_runs_one_binary_compiled_once(pool_sweep):
    out, _, rows = pool_sweep
    assert len(rows) == 4 and not any(row["compiled"] for row in rows)
    rows_back, sweep = read_sweep(out)
    # one compilation at most (none when tests/mstdp/test_ensemble.py compiled this shape into the shared root)
    assert sweep["builds"] <= 1 and sweep["ensembles"] == 2 and sweep["copies"] == 3  # 3 + (1 and 2 idle)
    assert len({row["worker"] for row in rows}) == 2  # both workers ran an ensemble, each from its own build copy
    assert len(os.listdir(os.path.join(out, "workers"))) == 2
    # the run-time delays reach the binary: 3 ms more feedback delay, a final bout ~3 ms later
    far = {r["connections.delay_feedback_ms"]: r for r in rows if r["locations.feedback_um"] == 450}
    assert 2.0 < far[4.0]["dt2_ms"] - far[1.0]["dt2_ms"] < 4.0
    # and so does the location: with the same delays, 50 and 450 µm learn differently
    near = {r["connections.delay_feedback_ms"]: r for r in rows if r["locations.feedback_um"] == 50}
    assert near[1.0]["qw_correlation"] != far[1.0]["qw_correlation"]
    assert comparable(rows_back, COLUMNS) == comparable(rows, COLUMNS)
    # every point's folder is a training's, with its own values
    point = ResultsFolder(os.path.join(out, "points", "feedback450um-delay_feedback4ms-seed0"))
    assert point.read_params()["model"]["connections"]["delay_feedback"] == "0.004 * second"
    assert point.checkpoints() == [0, 10, 20] and "final" in point.evaluations()


def test_a_point_of_an_ensemble_is_the_point_trained_alone(pool_sweep, sweep_setup, tmp_path):
    from brianmodel.mstdp.probes import probe
    from brianmodel.training import train

    out, builds, rows = pool_sweep
    params, settings = sweep_setup
    alone = str(tmp_path / "alone")
    train(GRID.params(params, GRID.points()[3]), settings, alone, build_root=builds)
    final = probe(alone, "final", presentations=10, build_root=builds)
    swept = ResultsFolder(os.path.join(out, "points", "feedback450um-delay_feedback4ms-seed0"))
    for name in ("W", "Q", "phi", "count"):
        np.testing.assert_array_equal(swept.load_checkpoint()[name], ResultsFolder(alone).load_checkpoint()[name])
    np.testing.assert_array_equal(swept.load_evaluation("final")["x_hat"], final["x_hat"])
    assert rows[3]["reconstruction_corr"] == float(final["reconstruction_corr"])


def test_a_point_that_diverges_is_recorded_as_failed_and_the_others_run_on(sweep_setup, tmp_path, build_root):
    """No input drive at one point (a silent network): that point's row says why it failed, with no results; the
    other point of its ensemble (the pool sweep's binary of 3 copies) trains and is probed."""
    params, settings = sweep_setup
    grid = Grid((Axis("connections.g_input", (0.0, 6.0)),))
    out = str(tmp_path / "silent")
    rows = run_sweep(params, settings, grid, out, copies=3, workers=1, probe_presentations=10, build_root=build_root,
                     quiet=True)
    failed, ok = rows
    assert failed["failed"].startswith("diverged in presentations 1-10: no spike of the layer that learns")
    assert np.isnan(failed["reconstruction_corr"]) and not ok["failed"] and ok["hidden_rate"] > 0
    assert np.isfinite(ok["reconstruction_corr"])
    rows_back, sweep = read_sweep(out)
    assert [row["failed"] for row in rows_back] == [failed["failed"], ""] and sweep["failed"] == 1
    point = ResultsFolder(os.path.join(out, "points", grid.name(grid.points()[0])))
    assert point.checkpoints() == [0] and point.read_json("diverged.json")["last_checkpoint"] == 0


def test_with_a_holdout_a_sweep_reports_the_held_out_images_reconstruction(sweep_setup, tmp_path, build_root):
    """The pool sweep's binary of 3 copies (nothing compiled): 10 of the 60 digits held out of every point."""
    params, settings = sweep_setup
    held = RunSettings(dataset=settings.dataset, presentations=20, chunk_size=10, holdout=10)
    grid = Grid((Axis("connections.g_input", (5.0, 6.0)),))
    rows = run_sweep(params, held, grid, str(tmp_path / "held"), copies=3, workers=1, probe_presentations=10,
                     build_root=build_root, quiet=True)
    from brianmodel.schedule import split
    training, held_out = split(60, 10, 0)
    for row, point in zip(rows, grid.points()):
        folder = ResultsFolder(os.path.join(tmp_path, "held", "points", grid.name(point)))
        held_probe, final = folder.load_evaluation("held-out"), folder.load_evaluation("final")
        assert set(held_probe["image_indices"]) == set(held_out)  # every held-out digit, and nothing else
        assert set(final["image_indices"]) <= set(training)  # reconstruction_corr: the digits training saw
        assert row["held_out_corr"] == float(held_probe["reconstruction_corr"]) and np.isfinite(row["held_out_corr"])
        # the features' overlap of the same held-out probe (its value is tested in tests/mstdp/test_probes.py)
        for name in ("q_column_corr_coactive", "template_corr"):
            assert row[name] == pytest.approx(float(held_probe[name]), nan_ok=True)
            assert row[name] != pytest.approx(float(final[name])) or np.isnan(row[name]), name
    assert np.isnan(read_sweep_table(os.path.join(tmp_path, "held"))[0]["held_out_corr"]) is np.False_


def test_a_grid_runs_over_a_rules_parameter(sweep_setup):
    params, _ = sweep_setup
    grid = parse_grid(["rules.lateral.alpha=0.05,0.2", "rules.lateral.tau_trace=10*ms,20*ms"], [0])
    lateral = params.with_overrides(rules={"lateral": "istdp(eta=0.05)"})
    point = grid.points()[0]
    assert grid.params(lateral, point).rules.lateral == "istdp(eta=0.05, alpha=0.05, tau_trace=0.01 * second)"
    assert [a.column for a in grid.axes] == ["rules.lateral.alpha", "rules.lateral.tau_trace_s"]
    assert grid.name(point) == "alpha0.05-tau_trace0.01s-seed0"
    grid.validate(lateral)
    with pytest.raises(ProtocolError, match="rules.lateral is 'none'"):
        grid.validate(params)
    with pytest.raises(ParameterError, match="has no parameter"):
        parse_grid(["rules.lateral.beta=1,2"], [0]).validate(lateral)


def test_dask_cluster_gives_the_same_table_as_the_process_pool(pool_sweep, sweep_setup, tmp_path):
    distributed = pytest.importorskip("distributed")
    params, settings = sweep_setup
    _, builds, rows = pool_sweep
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        dask_rows = run_sweep(params, settings, GRID, str(tmp_path / "dask"), copies=3,
                              scheduler=cluster.scheduler_address, probe_presentations=10, build_root=builds,
                              quiet=True)
    assert comparable(dask_rows, COLUMNS) == comparable(rows, COLUMNS)
    assert not any(row["compiled"] for row in dask_rows)


def test_a_dask_cluster_with_threaded_workers_is_refused(sweep_setup, tmp_path):
    distributed = pytest.importorskip("distributed")
    params, settings = sweep_setup
    with distributed.LocalCluster(n_workers=1, threads_per_worker=2, processes=True, dashboard_address=None) as cluster:
        with pytest.raises(DeviceError, match="one thread"):
            run_sweep(params, settings, GRID, str(tmp_path / "dask"), scheduler=cluster.scheduler_address)
    assert not os.path.exists(tmp_path / "dask")


def test_a_finished_sweep_resumes_without_running_again(pool_sweep, sweep_setup):
    params, settings = sweep_setup
    out, builds, rows = pool_sweep
    again = run_sweep(params, settings, GRID, out, copies=3, workers=1, probe_presentations=10, build_root=builds,
                      quiet=True)
    assert [r["wall_s"] for r in again] == [r["wall_s"] for r in rows]  # the saved rows, not new runs
    with pytest.raises(ProtocolError, match="holds a sweep with other run and probe_presentations settings"):
        run_sweep(params, RunSettings(dataset=settings.dataset, presentations=30, chunk_size=10), GRID, out,
                  copies=3, build_root=builds, quiet=True)


@pytest.mark.parametrize("assignments, message", [
    (["locations.feedback=600*um"], "beyond the dendrite"),
    (["locations.feedback=-5*um"], "must not be negative"),
    (["locations.feedback=250"], "needs units of length"),
    (["connections.delay_feedback=1.25*ms"], "not a multiple of dt"),
    (["connections.delay_feedforward=-1*ms"], "must not be negative"),
    (["locations.feedback=50*um,50*um"], "repeats"),
    (["locations.feedback=123.4567*um,123.4568*um"], "6 significant digits"),
    (["architecture.n_hidden=100,200"], "compiled into the binary"),
    (["plasticity.eta"], "SECTION.NAME=VALUE"),
    (["plasticity.speed=1,2"], "unknown parameter 'speed'"),
    (["neurons.tau_m=10*ms"], "compiled into the binary"),
    (["plasticity.eta=__import__('os')"], "cannot read the value"),
])
def test_bad_grids_are_rejected_before_anything_compiles(assignments, message, tmp_path):
    with pytest.raises((ParameterError, ProtocolError), match=message):
        grid = parse_grid(assignments, [0])
        run_sweep(ModelParams().with_overrides(locations={"feedback": 250 * um}), RunSettings(), grid,
                  str(tmp_path / "sweep"))
    assert not os.path.exists(tmp_path / "sweep")


def test_bad_sweep_settings_are_rejected(tmp_path, monkeypatch):
    params = ModelParams().with_overrides(locations={"feedback": 250 * um})
    with pytest.raises(ProtocolError, match="workers"):
        run_sweep(params, RunSettings(), GRID, str(tmp_path), workers=0)
    with pytest.raises(ProtocolError, match="standalone"):
        run_sweep(params, RunSettings(device="runtime"), GRID, str(tmp_path))
    with pytest.raises(ProtocolError, match="copies must be a positive integer"):
        run_sweep(params, RunSettings(), GRID, str(tmp_path / "k"), copies=0)
    with pytest.raises(ProtocolError, match="distinct"):
        run_sweep(params, RunSettings(), Grid(GRID.axes, seeds=(1, 1)), str(tmp_path / "s"))
    # an ensemble too large for the memory available: estimated before anything is built
    monkeypatch.setattr(simulator_module, "available_memory", lambda: 2 ** 30)
    with pytest.raises(SimulationError, match=r"needs about .* GiB; this machine has 1.0 GiB available"):
        run_sweep(params.with_overrides(architecture={"n_hidden": 2000}), RunSettings(), GRID,
                  str(tmp_path / "m"), copies=4)
    assert not os.path.exists(tmp_path / "m")


def test_the_default_grid_is_location_by_delays():
    grid = parse_grid([], range(2))
    assert [a.field for a in grid.axes] == ["locations.feedback", "connections.delay_feedforward",
                                            "connections.delay_feedback"]
    assert len(grid.points()) == 27 * 2 and grid.points()[1]["seed"] == 1
    assert grid.name(grid.points()[0]) == "feedback50um-delay_feedforward2ms-delay_feedback1ms-seed0"


def test_ensembles_are_single_points_on_cpp_and_fill_the_workers_on_cuda():
    # on cpp a bigger ensemble runs slower per copy (docs/ensembles.md); a GPU step costs the same for more copies
    assert default_copies("cpp", 27, 2) == 1
    assert default_copies("cuda", 27, 2) == 14 and default_copies("cuda", 2000, 1) == 256
    assert default_copies("cuda", 1, 4) == 1


def test_heatmaps_are_drawn_from_the_saved_table_for_any_slice(pool_sweep, tmp_path, run_script):
    run_script("figures/sweep_heatmaps.py", [pool_sweep[0], "--out", str(tmp_path)])
    assert os.path.getsize(tmp_path / "sweep.png") > 10_000
    run_script("figures/sweep_heatmaps.py", [pool_sweep[0], "--x", "connections.delay_feedback", "--y", "seed",
                                             "--out", str(tmp_path / "other")])
    assert os.path.getsize(tmp_path / "other" / "sweep.png") > 10_000
    with pytest.raises(SystemExit, match="not a field of the sweep's grid"):
        run_script("figures/sweep_heatmaps.py", [pool_sweep[0], "--x", "plasticity.eta"])
    assert json.loads(open(os.path.join(pool_sweep[0], "sweep.json")).read())["axes"][0]["column"] == \
        "locations.feedback_um"
    assert len(read_sweep_table(pool_sweep[0])) == 4


def test_heatmaps_show_the_co_active_q_columns_where_the_sweep_measured_them():
    import runpy
    heatmaps = runpy.run_path(os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(__file__))), "figures",
                                           "sweep_heatmaps.py"))
    measured = [{"held_out_corr": 0.7, "q_column_corr_coactive": 0.2, "dt1_ms": 6.0, "dt2_ms": 9.0}]
    older = [{"held_out_corr": float("nan"), "dt1_ms": 6.0, "dt2_ms": 9.0}]
    names = [[panel[0] for panel in heatmaps["panels_of"](rows)] for rows in (measured, older)]
    assert names == [["held_out_corr", "qw_correlation", "q_column_corr_coactive", "dt_imbalance"],
                     ["reconstruction_corr", "qw_correlation", "dt_imbalance"]]
