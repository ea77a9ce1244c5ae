"""Every figure script runs on a tiny root folder of saved runs, and says what is missing."""
import os
import shutil
import subprocess
import sys

import numpy as np
import pytest

from brianmodel.mstdp.probes import standard_probes
from brianmodel.params.mstdp import preset
from brianmodel.params.run import RunSettings
from brianmodel.plots import load_script
from brianmodel.protocols.pairing import PairingProtocol, run_pairing, save_pairing
from brianmodel.training import train

FIGURES = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "figures")
SCRIPTS = {  # script: PNGs it writes
    "fig01b_activity": ["fig01b_activity.png"],
    "fig02_windows": ["fig02_windows.png"],
    "fig04_weights": ["fig04_weights.png"],
    "fig05_evolution": ["fig05_evolution.png"],
    "fig06_07_behaviour": ["fig06_mnist_behaviour.png", "fig07_natural_behaviour.png"],
    "fig08_correlations": ["fig08_correlations.png"],
    "fig09_most_active": ["fig09_most_active.png"],
    "fig10_sparsity": ["fig10_sparsity.png"],
}


@pytest.fixture(scope="module")
def tiny_root(tmp_path_factory, tiny_idx_folder, build_root):
    """One tiny training (probed) in every training role, and a short pairing protocol."""
    root = tmp_path_factory.mktemp("paper")
    params = preset("main").with_overrides(architecture={"n_hidden": 20}, homeostasis={"rho": 0.5},
                                           connections={"g_feedforward": 0.4, "g_feedback": 8.0})
    train(params, RunSettings(dataset=tiny_idx_folder, presentations=40, chunk_size=20, seed=1), str(root / "mnist"),
          build_root=build_root)
    standard_probes(str(root / "mnist"), presentations=20, build_root=build_root)
    for role in ("natural", "mnist-rho0.001", "natural-rho0.001", "mnist-rho0.3"):
        shutil.copytree(root / "mnist", root / role)
    protocol = PairingProtocol(lags_ms=(-20.0, -5.0, 5.0, 20.0), n_pairings=5, frequency_hz=5.0)
    params = preset("main")
    save_pairing(str(root / "pairing"), params, protocol, run_pairing(params, protocol, build_root=build_root), "cpp")
    return str(root)


@pytest.mark.parametrize("script", sorted(SCRIPTS))
def test_figure_script_draws_from_saved_results(script, tiny_root, tmp_path):
    load_script(os.path.join(FIGURES, f"{script}.py")).main(["--root", tiny_root, "--out", str(tmp_path)])
    for name in SCRIPTS[script]:
        path = tmp_path / name
        assert path.exists() and path.stat().st_size > 10_000, name


def test_paper_command_skips_missing_runs_and_fails_on_an_empty_root(tiny_root, tmp_path, capsys):
    partial = tmp_path / "partial"
    shutil.copytree(os.path.join(tiny_root, "mnist"), partial / "mnist")
    paper = load_script(os.path.join(FIGURES, "paper_figures.py"))
    paper.main(["--root", str(partial), "--out", str(tmp_path / "out")])
    printed = capsys.readouterr().out
    assert "skipped fig02_windows" in printed and "no pairing.csv" in printed
    assert "skipped fig10_sparsity" in printed
    assert (tmp_path / "out" / "fig06_mnist_behaviour.png").exists()
    assert not (tmp_path / "out" / "fig07_natural_behaviour.png").exists()
    with pytest.raises(SystemExit, match="^error: no figure could be drawn$"):
        paper.main(["--root", str(tmp_path / "empty"), "--out", str(tmp_path / "out2")])


@pytest.mark.parametrize("script, argv", [("fig02_windows", ["--root", "{root}", "--out", "{out}"]),
                                          ("fig06_07_behaviour", ["--root", "{root}", "--out", "{out}"]),
                                          ("training", ["{root}/mnist", "--out", "{out}"]),
                                          ("field_shapes", ["{root}/mnist", "{root}/natural", "--out", "{out}"])])
def test_figures_read_results_without_brian2(script, argv, tiny_root, tmp_path):
    code = ("import runpy, sys; sys.argv = sys.argv[1:]; runpy.run_path(sys.argv[0], run_name='__main__'); "
            "assert 'brian2' not in sys.modules, 'brian2 imported'")
    argv = [a.format(root=tiny_root, out=tmp_path) for a in argv]
    subprocess.run([sys.executable, "-c", code, os.path.join(FIGURES, f"{script}.py"), *argv], check=True,
                   capture_output=True)
    assert any(name.endswith(".png") for name in os.listdir(tmp_path))


def test_gpu_learning_curves_draw_from_the_committed_run_without_brian2(tmp_path):
    results = os.path.join(os.path.dirname(FIGURES), "benchmarks", "results", "gpu-h200")
    code = ("import runpy, sys; sys.argv = sys.argv[1:]; runpy.run_path(sys.argv[0], run_name='__main__'); "
            "assert 'brian2' not in sys.modules, 'brian2 imported'")
    subprocess.run([sys.executable, "-c", code, os.path.join(FIGURES, "gpu.py"), results, "--out", str(tmp_path)],
                   check=True, capture_output=True)
    assert (tmp_path / "learning_curves.png").stat().st_size > 10_000
    with pytest.raises(SystemExit, match="^error: no learning.csv in"):
        load_script(os.path.join(FIGURES, "gpu.py")).main([str(tmp_path)])


def test_the_alignment_figure_draws_saved_probes_without_brian2(tiny_root, tmp_path):
    from brianmodel.errors import ProtocolError
    from brianmodel.mstdp.probes import alignment_probe
    from brianmodel.results import ResultsFolder
    with pytest.raises(ProtocolError, match="held no images out"):  # refused before anything is compiled
        alignment_probe(os.path.join(tiny_root, "mnist"))
    folder = ResultsFolder(tmp_path / "run")
    rows = [{"checkpoint": n, "alignment": 0.8, "alignment_window": 0.95} for n in (0, 100)]
    with folder.writing():
        folder.write_json("evaluation/alignment.json", {"held_out": rows, "training": rows})
    code = ("import runpy, sys; sys.argv = sys.argv[1:]; runpy.run_path(sys.argv[0], run_name='__main__'); "
            "assert 'brian2' not in sys.modules, 'brian2 imported'")
    subprocess.run([sys.executable, "-c", code, os.path.join(FIGURES, "alignment.py"), str(tmp_path / "run"),
                    "--out", str(tmp_path / "out")], check=True, capture_output=True)
    assert (tmp_path / "out" / "alignment.png").stat().st_size > 10_000


def test_field_shapes_measures_the_checkpoint_named_after_the_at_sign(tiny_root, tmp_path):
    script = load_script(os.path.join(FIGURES, "field_shapes.py"))
    script.main([f"{tiny_root}/mnist@20", f"{tiny_root}/mnist", "--out", str(tmp_path)])
    rows = [line.split(",") for line in (tmp_path / "field_shapes.csv").read_text().splitlines()[1:]]
    assert [(row[0], row[1]) for row in rows] == [("mnist", "20"), ("mnist", "40")]  # as read from each checkpoint
    with pytest.raises(SystemExit, match="no checkpoint after 30 presentations"):
        script.main([f"{tiny_root}/mnist@30", "--out", str(tmp_path)])
    with pytest.raises(SystemExit, match="a checkpoint is named FOLDER@N"):
        script.main([f"{tiny_root}/mnist@last", "--out", str(tmp_path)])


def test_code_fields_fits_codes_to_a_saved_probe_without_brian2(tiny_root, tmp_path):
    # The tiny training has 20 hidden units at ρ 0.5: the network's k is 10, so k = 10 adds the explaining-away code.
    code = ("import runpy, sys; sys.argv = sys.argv[1:]; runpy.run_path(sys.argv[0], run_name='__main__'); "
            "assert 'brian2' not in sys.modules, 'brian2 imported'")
    subprocess.run([sys.executable, "-c", code, os.path.join(FIGURES, "code_fields.py"), f"{tiny_root}/mnist",
                    "--probe", "final", "--k", "2,10", "--sparse-coding", "1", "--units", "4", "--out", str(tmp_path)],
                   check=True,
                   capture_output=True)
    lines = (tmp_path / "code_fields.csv").read_text().splitlines()
    assert [line.split(",")[:3] for line in lines[1:]] == [["network", "10", ""], ["top-k code", "2", ""],
                                                            ["top-k code", "10", ""], ["explaining-away code", "10", ""],
                                                            ["sparse coding", "", "1"]]
    assert [line.split(",")[-1] for line in lines] == ["units"] + ["4"] * 5  # the first 4 fields of each panel
    assert (tmp_path / "code_fields.png").stat().st_size > 10_000
    script = load_script(os.path.join(FIGURES, "code_fields.py"))
    with pytest.raises(SystemExit, match="--k takes numbers"):
        script.main([f"{tiny_root}/mnist", "--k", "2,x", "--out", str(tmp_path)])
    for alpha in ("0", "nan", "inf"):
        with pytest.raises(SystemExit, match="--sparse-coding takes positive finite numbers"):
            script.main([f"{tiny_root}/mnist", "--sparse-coding", alpha, "--out", str(tmp_path)])
    with pytest.raises(SystemExit, match="--k 21 is more than the network's 20 hidden units"):
        script.main([f"{tiny_root}/mnist", "--k", "2,21", "--out", str(tmp_path)])
    with pytest.raises(SystemExit, match="--k takes at least one number"):
        script.main([f"{tiny_root}/mnist", "--k", "", "--out", str(tmp_path)])
    with pytest.raises(SystemExit, match="--fit takes a positive number"):
        script.main([f"{tiny_root}/mnist", "--fit", "0", "--out", str(tmp_path)])
    with pytest.raises(SystemExit, match="no probe .missing."):
        script.main([f"{tiny_root}/mnist", "--probe", "missing", "--out", str(tmp_path)])
    # fitted to the graded ON and OFF parts of the training's images instead, the codes need no probe
    with pytest.raises(SystemExit, match="--units takes a positive number"):
        script.main([f"{tiny_root}/mnist", "--units", "0", "--out", str(tmp_path)])
    script.main([f"{tiny_root}/mnist", "--probe", "missing", "--input", "patches", "--k", "10", "--fit", "30",
                 "--units", "4", "--out", str(tmp_path)])
    lines = (tmp_path / "code_fields.csv").read_text().splitlines()
    assert [line.split(",")[:2] for line in lines[1:]] == [["network", "10"], ["top-k code of the patches", "10"],
                                                            ["explaining-away code of the patches", "10"]]


def test_the_echo_figure_measures_saved_probes_without_brian2(tiny_root, tmp_path):
    code = ("import runpy, sys; sys.argv = sys.argv[1:]; runpy.run_path(sys.argv[0], run_name='__main__'); "
            "assert 'brian2' not in sys.modules, 'brian2 imported'")
    subprocess.run([sys.executable, "-c", code, os.path.join(FIGURES, "echo.py"), f"{tiny_root}/mnist:final",
                    f"{tiny_root}/mnist:checkpoint-0=untrained", "--out", str(tmp_path), "--name", "probes"],
                   check=True, capture_output=True)
    import csv
    import numpy as np
    from brianmodel.analysis import final_bout_echo, reconstruction_corr
    from brianmodel.results import ResultsFolder
    rows = list(csv.DictReader((tmp_path / "probes.csv").open()))
    assert [row["probe"] for row in rows] == [f"{tiny_root}/mnist:final", "untrained"]
    folder = ResultsFolder(f"{tiny_root}/mnist")
    final = folder.load_evaluation("final")
    Q = folder.load_checkpoint(int(final["checkpoint"]))["Q"]
    assert float(rows[0]["corr"]) == pytest.approx(reconstruction_corr(final["x"], final["x_hat"]), rel=1e-5)
    echo = final_bout_echo(final["x"], final["x_hat"], final["z"] @ Q.T)["gap"]
    assert (rows[0]["echo"] == "nan") if np.isnan(echo) else float(rows[0]["echo"]) == pytest.approx(echo, rel=1e-5)
    assert rows[1]["checkpoint"] == "0" and rows[0]["overrides"] == ""
    assert (tmp_path / "probes.png").stat().st_size > 10_000
    script = load_script(os.path.join(FIGURES, "echo.py"))
    with pytest.raises(SystemExit, match="FOLDER:LABEL"):
        script.main([f"{tiny_root}/mnist", "--out", str(tmp_path)])
    with pytest.raises(SystemExit, match="no probe 'missing'"):
        script.main([f"{tiny_root}/mnist:missing", "--out", str(tmp_path)])


def test_the_rate_model_figure_reads_its_results_without_brian2(tmp_path):
    import dataclasses
    import json
    from brianmodel.analysis.rate_model import RateModel
    run = tmp_path / "run" / "evaluation"
    run.mkdir(parents=True)
    rows = [{**dataclasses.asdict(RateModel(readout=readout)), "seed": seed, "presentations": 5000,
             "corr": corr + 0.01 * seed} for readout, corr in (("one-spike", 0.59), ("graded", 0.78))
            for seed in range(2)]
    (run / "rate-model.json").write_text(json.dumps({"rows": rows}))
    (run / "code.json").write_text(json.dumps({"report": {"held_out_corr": 0.65, "ceiling_topk_corr": 0.83}}))
    code = ("import runpy, sys; sys.argv = sys.argv[1:]; runpy.run_path(sys.argv[0], run_name='__main__'); "
            "assert 'brian2' not in sys.modules, 'brian2 imported'")
    subprocess.run([sys.executable, "-c", code, os.path.join(FIGURES, "rate_model.py"), str(tmp_path / "run"),
                    "--out", str(tmp_path), "--name", "drawn"], check=True, capture_output=True)
    assert (tmp_path / "drawn.png").stat().st_size > 10_000
    with pytest.raises(SystemExit, match="no evaluation/rate-model-other.json: run protocols/rate_model.py"):
        load_script(os.path.join(FIGURES, "rate_model.py")).main([str(tmp_path / "run"), "--label", "other",
                                                                  "--out", str(tmp_path)])


def test_rate_model_fields_trains_each_readout_on_the_patches_and_refuses_a_bad_model(tmp_path):
    script = load_script(os.path.join(FIGURES, "rate_model_fields.py"))
    small = "n_hidden=3,k=1,w_init_max=0.3"  # (three fields: a Gabor fit takes seconds)
    script.main(["--dataset", "gabors:8", "--model", f"{small},readout=noisy,noise=0.3",
                 "--model", f"{small},readout=one-spike", "--presentations", "2000", "--out", str(tmp_path)])
    import csv
    rows = list(csv.reader((tmp_path / "rate_model_fields.csv").read_text().splitlines()))[1:]
    assert [row[1:5] for row in rows] == [["noisy", "1", "1", "0.3"], ["one-spike", "1", "1", "0.5"]]
    assert all(0 <= float(value) <= 1 for row in rows for value in row[5:9])  # shares of the fields
    assert (tmp_path / "rate_model_fields.png").stat().st_size > 10_000
    for model, message in (("readout=rate", "unknown readout 'rate'"), ("k=x", "k takes a int"),
                           ("kk=2", "'kk=2' is not FIELD=VALUE"), ("noise=0", "must be positive and finite")):
        with pytest.raises(SystemExit, match=message):
            script.main(["--dataset", "gabors:8", "--model", model, "--out", str(tmp_path)])
    for code, message in (("counts=1,0.5", "increasing positive finite"), ("counts=nan", "increasing positive finite"),
                          ("spikes", "use 'graded' or")):
        with pytest.raises(SystemExit, match=message):
            script.main(["--dataset", "gabors:8", "--model", small, "--input", code, "--out", str(tmp_path)])


def test_rate_model_fields_input_counts_are_the_spikes_each_threshold_gives():
    script = load_script(os.path.join(FIGURES, "rate_model_fields.py"))
    graded = np.array([[0.0, 0.4, 0.6, 1.6, 3.0]])
    assert script.input_code(graded, None) is graded
    assert script.input_code(graded, script.parse_input("counts=0.5,1.5,2.5")).tolist() == [[0, 0, 1, 2, 3]]
    assert script.input_code(graded, (0.25, 0.5, 2)).tolist() == [[0, 1, 2, 2, 3]]


def test_input_code_draws_each_probes_staircase_without_brian2(tiny_root, tmp_path):
    run = tmp_path / "run"
    shutil.copytree(os.path.join(tiny_root, "mnist"), run)
    probe = dict(np.load(run / "evaluation" / "final.npz"))
    np.savez(run / "evaluation" / "half.npz", **{**probe, "x": probe["x"] // 2,
                                                 "overrides": '{"connections": {"g_input": 1.5}}'})
    code = ("import runpy, sys; sys.argv = sys.argv[1:]; runpy.run_path(sys.argv[0], run_name='__main__'); "
            "assert 'brian2' not in sys.modules, 'brian2 imported'")
    subprocess.run([sys.executable, "-c", code, os.path.join(FIGURES, "input_code.py"), str(run), f"{run}:half",
                    "--out", str(tmp_path)], check=True, capture_output=True)
    import csv
    rows = list(csv.DictReader((tmp_path / "input_code.csv").read_text().splitlines()))
    # the training's own gain, and the one the probe was --set to
    assert [(row["probe"], row["g_input"]) for row in rows] == [("final", "3"), ("half", "1.5")]
    assert float(rows[0]["initial_bout"]) == pytest.approx(probe["x"].sum(axis=1).mean(), rel=1e-3)
    # halving every count can only move each spike's threshold up
    assert all(float(rows[1][f"threshold_{n}"]) >= float(rows[0][f"threshold_{n}"]) for n in (1, 2, 3))
    assert (tmp_path / "input_code.png").stat().st_size > 10_000
    with pytest.raises(SystemExit, match="no probe .missing."):
        load_script(os.path.join(FIGURES, "input_code.py")).main([f"{run}:missing", "--out", str(tmp_path)])
