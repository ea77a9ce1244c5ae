"""Location × delay sweeps: one build per network shape, process pool and Dask give the same table."""
import json
import os

import pytest
from brian2 import ms, um

from brianmodel.errors import ParameterError, ProtocolError
from brianmodel.params.mstdp import ModelParams
from brianmodel.params.run import RunSettings
from brianmodel.protocols.readers import read_sweep_table
from brianmodel.protocols.sweep import SweepGrid, comparable, run_sweep

GRID = SweepGrid(locations_um=(50.0, 450.0), delays_feedforward_ms=(5.0,), delays_feedback_ms=(1.0, 4.0))


@pytest.fixture(scope="module")
def sweep_setup(tiny_idx_folder):
    # 392 visible and 10 hidden cells: stronger gains than the full network's, so that every point has
    # hidden spikes and a final bout
    params = ModelParams().with_overrides(architecture={"n_hidden": 10, "n_visible_pool": 10, "n_hidden_pool": 5},
                                          connections={"g_input": 6.0, "g_feedforward": 0.4, "g_feedback": 15.0})
    settings = RunSettings(dataset=tiny_idx_folder, presentations=20, chunk_size=10)
    return params, settings


@pytest.fixture(scope="module")
def pool_sweep(sweep_setup, tmp_path_factory):
    params, settings = sweep_setup
    out = str(tmp_path_factory.mktemp("sweep") / "pool")
    builds = str(tmp_path_factory.mktemp("sweep-builds"))
    rows = run_sweep(params, settings, GRID, out, workers=2, probe_presentations=10, build_root=builds, quiet=True)
    return out, builds, rows


def test_every_point_runs_one_binary_compiled_once(pool_sweep):
    out, _, rows = pool_sweep
    assert len(rows) == 4 and not any(row["compiled"] for row in rows)
    with open(os.path.join(out, "sweep.json")) as f:
        summary = json.load(f)
    assert summary["builds"] == 1 and summary["network_shapes"] == 1
    assert len({row["worker"] for row in rows}) == 2  # both workers ran points, each from its own build copy
    assert len(os.listdir(os.path.join(out, "workers"))) == 2
    # the run-time delays reach the binary: 3 ms more feedback delay, a final bout ~3 ms later
    far = {r["delay_feedback_ms"]: r for r in rows if r["location_um"] == 450}
    assert 2.0 < far[4.0]["dt2_ms"] - far[1.0]["dt2_ms"] < 4.0
    # and so does the location: with the same delays, 50 and 450 µm learn differently
    near = {r["delay_feedback_ms"]: r for r in rows if r["location_um"] == 50}
    assert near[1.0]["qw_correlation"] != far[1.0]["qw_correlation"]
    assert comparable(read_sweep_table(out)) == comparable(rows)


def test_dask_cluster_gives_the_same_table_as_the_process_pool(pool_sweep, sweep_setup, tmp_path):
    distributed = pytest.importorskip("distributed")
    params, settings = sweep_setup
    _, builds, rows = pool_sweep
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        dask_rows = run_sweep(params, settings, GRID, str(tmp_path / "dask"), scheduler=cluster.scheduler_address,
                              probe_presentations=10, build_root=builds, quiet=True)
    assert comparable(dask_rows) == comparable(rows)
    assert not any(row["compiled"] for row in dask_rows)


def test_a_dask_cluster_with_threaded_workers_is_refused(sweep_setup, tmp_path):
    distributed = pytest.importorskip("distributed")
    params, settings = sweep_setup
    with distributed.LocalCluster(n_workers=1, threads_per_worker=2, processes=True, dashboard_address=None) as cluster:
        with pytest.raises(ProtocolError, match="one thread"):
            run_sweep(params, settings, GRID, str(tmp_path / "dask"), scheduler=cluster.scheduler_address)
    assert not os.path.exists(tmp_path / "dask")


def test_a_finished_sweep_resumes_without_running_again(pool_sweep, sweep_setup):
    params, settings = sweep_setup
    out, builds, rows = pool_sweep
    again = run_sweep(params, settings, GRID, out, workers=1, probe_presentations=10, build_root=builds, quiet=True)
    assert [r["wall_s"] for r in again] == [r["wall_s"] for r in rows]  # the saved rows, not new runs
    with pytest.raises(ProtocolError, match="other run settings"):
        run_sweep(params, RunSettings(dataset=settings.dataset, presentations=30, chunk_size=10), GRID, out,
                  build_root=builds, quiet=True)


@pytest.mark.parametrize("grid, message", [
    (SweepGrid(locations_um=(600.0,)), "beyond the dendrite"),
    (SweepGrid(locations_um=(-5.0,)), "must not be negative"),
    (SweepGrid(delays_feedback_ms=(1.25,)), "not a multiple of dt"),
    (SweepGrid(delays_feedforward_ms=(-1.0,)), "must not be negative"),
    (SweepGrid(delays_feedforward_ms=()), "at least one"),
    (SweepGrid(locations_um=(50.0, 50.0)), "repeats"),
    (SweepGrid(locations_um=(123.4567, 123.4568)), "6 significant digits"),
])
def test_bad_grids_are_rejected_before_anything_compiles(grid, message, tmp_path):
    with pytest.raises((ParameterError, ProtocolError), match=message):
        run_sweep(ModelParams(), RunSettings(), grid, str(tmp_path / "sweep"))
    assert not os.path.exists(tmp_path / "sweep")


def test_bad_sweep_settings_are_rejected(tmp_path):
    with pytest.raises(ProtocolError, match="workers"):
        run_sweep(ModelParams(), RunSettings(), SweepGrid(), str(tmp_path), workers=0)
    with pytest.raises(ProtocolError, match="standalone"):
        run_sweep(ModelParams(), RunSettings(device="runtime"), SweepGrid(), str(tmp_path))


def test_a_location_needs_units_and_must_fit_on_the_dendrite():
    with pytest.raises(ParameterError, match="units of length"):
        ModelParams().with_overrides(locations={"feedback": 250})
    with pytest.raises(ParameterError, match="beyond the dendrite"):
        ModelParams().with_overrides(locations={"feedforward": 501 * um})
    with pytest.raises(ParameterError, match="not a multiple of dt"):
        ModelParams().with_overrides(connections={"backprop_delay_feedback": 0.05 * ms})


def test_heatmaps_are_drawn_from_the_saved_table(pool_sweep, tmp_path, run_script):
    run_script("figures/sweep_heatmaps.py", [pool_sweep[0], "--out", str(tmp_path)])
    assert os.path.getsize(tmp_path / "sweep.png") > 10_000
