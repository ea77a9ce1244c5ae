"""Every command turns every error a user can make into one line and exit status 1, before compiling or writing.

Programming errors are not caught (they keep their tracebacks); user errors
(``brianmodel.errors.BrianModelError``) are, once, in ``brianmodel.cli.command``.
"""
import os
import subprocess
import sys
import threading

import pytest

from brianmodel.params.mstdp import ModelParams
from brianmodel.params.run import RunSettings
from brianmodel.plots import load_script
from brianmodel.results import ResultsFolder

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PAYLOAD = "__import__('os').system('touch {marker}')"


@pytest.fixture
def empty_build_root(tmp_path, monkeypatch):
    root = tmp_path / "builds"
    monkeypatch.setenv("BRIANMODEL_BUILD_ROOT", str(root))
    return root


@pytest.fixture
def damaged(tmp_path, tiny_idx_folder):
    """A training's folder whose only checkpoint is truncated."""
    folder = ResultsFolder(tmp_path / "damaged")
    with folder.writing():
        folder.write_params({"model": ModelParams().to_dict(),
                             "run": RunSettings(dataset=tiny_idx_folder, chunk_size=10).to_dict(),
                             "dataset": {"n_visible": 392}})
    with open(folder.file("checkpoint_0000000.npz"), "wb") as f:
        f.write(b"PK\x03\x04 not a whole zip file")
    return folder.path


# (command, arguments, part of the message); {out}, {data}, {damaged}, {marker} are filled in
CASES = {
    "train": [
        (["--dataset", "/no/such/folder/"], "does not exist"),
        (["--dataset", "imagenet"], "unknown dataset 'imagenet'"),
        (["--dataset", "{data}", "--hidden", "0"], "n_hidden = 0 must be positive"),
        (["--presentations", "0"], "presentations must be a positive integer"),
        (["--chunk", "-5"], "chunk_size must be a positive integer"),
        (["--dataset", "{data}", "--delay-feedback", "-1"], "delay_feedback = -1. ms must not be negative"),
        (["--dataset", "{data}", "--delay-feedforward", "0.05"], "not a multiple of dt"),
        (["--dataset", "{data}", "--device", "gpu"], "unknown device 'gpu'"),
        (["--preset", "dense"], "unknown preset 'dense'"),
        (["--set", "connections.delay_feedback=3"], "needs units of time"),
        (["--set", "neurons.E_L=-65*ms"], "needs units of voltage"),
        (["--set", "nonsense"], "SECTION.NAME=VALUE"),
        (["--set", "plasticity.eta=fast"], "cannot read the value 'fast'"),
        (["--set", "plasticity.eta=" + PAYLOAD], "cannot read the value"),
        (["--set", "plasticity.eta=1e400"], "plasticity.eta = inf must be a finite number"),
        (["--set", "connections.delay_feedback=1e999*ms"], "must be a finite number"),
        (["--set", "homeostasis.rho=-1e400"], "must be a finite number"),
        (["--seed", "-1"], "seed must be a non-negative integer"),
        (["--resume"], "no params.json"),
        (["--dataset", "{data}", "--out", "{damaged}"], "already holds a training"),
        (["--dataset", "{data}", "--seeds", "0"], "--seeds must be at least 1"),
        (["--dataset", "{data}", "--hidden", "2000", "--seeds", "2000"], "use fewer copies or hidden units"),
        (["--dataset", "{data}", "--workers", "2"], "more than 1 with --seeds > 1"),
        (["--dataset", "{data}", "--hidden", "2000", "--seeds", "2000", "--workers", "2"], "use fewer copies"),
        (["--rule", "feedforward=hebb"], "unknown rule 'hebb'"),
        (["--rule", "hidden=stdp"], "PATHWAY=RULE"),
        (["--rule", "feedforward=stdp(tau_plus=3)"], "needs units of time"),
        (["--rule", "feedback=stdp(eta=" + PAYLOAD + ")"], "cannot read"),
        (["--dataset", "{data}", "--rule", "feedforward=modulated-stdp"], "needs a modulator"),
        (["--rule", "feedforward=stdp,feedback=stdp", "--eta", "0.02"], "plasticity.eta has no effect"),
        (["--rule", "lateral=mirrored"], "rules.lateral cannot be 'mirrored'"),
        (["--rule", "feedforward=none"], "rules.feedforward cannot be 'none'"),
        (["--set", "lateral.g_lateral=0.3"], "no lateral synapses"),
        (["--rule", "lateral=istdp(alpha=1e400)"], "finite"),
        (["--rule", "lateral=istdp", "--set", "lateral.delay=0.25*ms"], "not a multiple of dt"),
        (["--dataset", "{data}", "--rule", "lateral=modulated-istdp"], "three-factor rule"),
        (["--holdout", "-1"], "holdout must be a non-negative integer"),
        (["--holdout", "1e3"], "argument --holdout: invalid int value: '1e3' (see "),
        (["--presentations"], "argument --presentations: expected one argument"),
        (["--hiden", "20"], "unrecognized arguments: --hiden 20"),
        (["--set", "plasticity.eta=None"], "plasticity.eta cannot be None"),
        (["--set", "rules.lateral=istdp"], "not a parameter to set"),
        (["--hidden", "1000000000"], "use fewer copies or hidden units"),
        (["--dataset", "gabors:100000"], "use fewer or smaller patches"),
        (["--presentations", "100000000000000000000"], "train fewer presentations"),
        (["--out", "{damaged}/params.json"], "is a file, not a folder"),
    ],
    "evaluate": [
        (["{out}"], "no params.json"),
        (["{damaged}"], "checkpoint_0000000.npz is damaged"),
        (["{damaged}", "--label", "a/b"], "probe label must be"),
        (["{damaged}", "--code"], "held no images out"),
        (["{damaged}", "--alignment"], "held no images out"),
        (["{damaged}", "--set", "neurons.refractory=8*ms"], "--set needs --label"),
        (["{damaged}", "--held-out"], "--held-out needs --label"),
        (["{damaged}", "--reuse"], "--reuse goes with --code"),
        (["{damaged}", "--checkpoint", "5"], "--checkpoint would be ignored by the standard probes"),
        (["{damaged}", "--alignment", "--label", "x"], "--label would be ignored by --alignment"),
        (["{damaged}", "--code", "--phi-scale", "2"], "--phi-scale would be ignored by --code"),
        (["{damaged}", "--checkpoint", "0"], "--checkpoint would be ignored by the standard probes"),
        (["{damaged}", "--label", "x", "--phi-scale", "inf"], "phi_scale must be positive and finite"),
        (["{damaged}", "--phi-scale", "inf"], "phi_scale must be positive and finite"),
        (["{damaged}", "--label", ""], "probe label must be"),
    ],
    "rate_model": [
        (["{damaged}"], "evaluate.py RESULTS --code first"),
        (["{damaged}", "--readouts", "one-spike,rate"], "unknown readout 'rate'; known: one-spike"),
        (["{damaged}", "--seeds", "0"], "--seeds and --presentations must be at least 1"),
        (["{damaged}", "--eta", "nan"], "must be positive and finite"),
    ],
    "classify": [
        (["--model", "lstm"], "unknown model 'lstm'"),
        (["--model", "symstdp", "--hidden", "0"], "n_excitatory = 0 must be positive"),
        (["--model", "symstdp", "--preset", "cifar"], "unknown sym-STDP preset 'cifar'"),
        (["--model", "symstdp", "--set", "presentation.image_duration=350"], "needs units of time"),
        (["--model", "symstdp", "--holdout", "5000"], "holdout must lie in 0..4999"),
        (["--model", "symstdp", "--passes", "3"], "apply to --model mstdp only"),
        (["--label-copies", "0"], "label_copies must be a positive integer"),
        (["--label-intensity", "1e400"], "label_intensity must be a positive finite number"),
        (["--set", "plasticity.eta=nan"], "cannot read the value 'nan'"),
        (["--dataset", "cifar"], "unknown dataset 'cifar'"),
        (["--passes", "0"], "--passes must be at least 1"),
        (["--momentum", "1"], "--momentum must lie in [0, 1)"),
        (["--generate-intensity", "-1"], "--generate-intensity must be positive and finite"),
        (["--chunk", "5", "--presentations", "20"], "the chunk (5 presentations) must be at least 10"),
        (["--presentations", "5"], "the chunk (5 presentations) must be at least 10"),
    ],
    "pairing": [
        (["--lags", "0.25"], "multiples of dt"),
        (["--pairings", "0"], "must be positive"),
        (["--location", "600"], "beyond the dendrite"),
        (["--eta", "0.04"], "to the bounds"),
        (["--rule", "feedback=stdp(eta=1*ms)"], "must be dimensionless"),
        (["--rule", "feedback=stdp(eta=1e400)"], "finite"),
        (["--rule", "feedforward=modulated-stdp"], "needs a modulator"),
        (["--frequencies", "30"], "multiples of dt"),
        (["--frequencies", "-1"], "must be positive"),
        (["--device", "gpu"], "unknown device 'gpu'"),
        (["--set", "cable.R_m=1"], "needs units"),
        (["--lags", "nan"], "lags_ms = (nan,) must be finite"),
        (["--frequencies", "inf"], "must be finite"),
        (["--frequency", "nan"], "frequency_hz = nan must be finite"),
        (["--lags", "1", "1"], "repeat a value"),
        (["--out", "{damaged}/params.json/sub"], "is a file, not a folder"),
    ],
    "epsp": [
        (["--out", "{damaged}/params.json"], "is a file, not a folder"),
        (["--set", "length=-5*um"], "must be positive"),
        (["--set", "n_compartments=20"], "too stiff"),
        (["--locations", "600"], "beyond the dendrite"),
        (["--set", "colour=1"], "unknown parameter"),
        (["--g-synapse", "0"], "must be positive"),
        (["--g-synapse", "inf"], "g_synapse = inf must be finite"),
        (["--locations", "nan"], "must be finite"),
        (["--dt", "inf"], "must be finite"),
    ],
    "sweep": [
        (["--grid", "locations.feedback=50*um,600*um"], "beyond the dendrite"),
        (["--grid", "locations.feedback=-50*um"], "must not be negative"),
        (["--grid", "locations.feedback=50,250"], "needs units of length"),
        (["--grid", "connections.delay_feedback=2.55*ms"], "not a multiple of dt"),
        (["--grid", "connections.delay_feedforward=-2*ms"], "must not be negative"),
        (["--grid", "architecture.n_hidden=50,100"], "compiled into the binary"),
        (["--grid", "plasticity.eta=0.01,1e400"], "must be a finite number"),
        (["--grid", "homeostasis.sparsity=0.1"], "unknown parameter 'sparsity'"),
        (["--copies", "0"], "copies must be a positive integer"),
        (["--copies", "two"], "invalid int value: 'two'"),
        (["--seeds", "0"], "--seeds must be at least 1"),
        (["--hidden", "20000", "--copies", "27"], "use fewer copies or hidden units"),
        (["--device", "runtime"], "standalone"),
        (["--workers", "0"], "workers must be at least 1"),
        (["--dataset", "imagenet"], "unknown dataset 'imagenet'"),
        (["--set", "cable.n_compartments=20"], "too stiff"),
        (["--rule", "feedforward=nope"], "unknown rule 'nope'"),
        (["--rule", "feedforward=stdp,feedback=bcm", "--grid", "plasticity.eta=0.01,0.02"], "has no effect"),
        (["--grid", "rules.lateral.alpha=0.1,0.2"], "rules.lateral is 'none'"),
        (["--rule", "lateral=istdp", "--grid", "rules.lateral.beta=1,2"], "has no parameter"),
        (["--rule", "lateral=istdp", "--grid", "rules.lateral.alpha=0.1,1e400"], "finite"),
        (["--grid", "plasticity.eta=None,0.1"], "None is not a grid value"),
    ],
    "modulation": [
        (["--rule", "feedforward=stdp"], "three-factor rule"),
        (["--delays", "-1"], "non-negative"),
        (["--reward", "0.5", "--delays", "1"], "before the modulator"),
        (["--delays", "0.00005"], "multiples of dt"),
        (["--lag", "nan"], "lag_ms = nan must be finite"),
        (["--level", "inf"], "level = inf must be finite"),
        (["--reward", "inf"], "reward_s = inf must be finite"),
    ],
    "compare_rules": [
        (["--pair", "feedforward=nope"], "unknown rule 'nope'"),
        (["--holdout", "0"], "holdout"),
        (["--workers", "0"], "workers must be at least 1"),
        (["--set", "plasticity.eta=1e400"], "must be a finite number"),
    ],
    "rule_search": [
        (["--population", "2"], "at least 4"),
        (["--holdout", "0"], "holdout"),
        (["--hidden", "0"], "must be positive"),
        (["--sigma", "nan"], "sigma must be positive"),
        (["--set", "homeostasis.rho=1e400"], "must be a finite number"),
    ],
    "paper": [
        (["--presentations-scale", "0"], "must be positive"),
        (["--presentations-scale", "inf"], "must be positive and finite"),
        (["--only", "v1"], "argument --only: invalid choice: 'v1'"),
        (["--only", "pairing", "--device", "gpu"], "unknown device 'gpu'"),
        (["--probe-presentations", "0"], "--probe-presentations must be at least 1"),
    ],
}
FIGURES = [  # figure scripts: missing or damaged results
    ("figures/training.py", ["{out}"], "no params.json"),
    ("figures/training.py", [], "the following arguments are required: results"),
    ("figures/training.py", ["{damaged}"], "no last_chunk.npz"),
    ("figures/sweep_heatmaps.py", ["{damaged}"], "no sweep.csv"),
    ("figures/epsp.py", ["{out}"], "no epsp.csv"),
    ("figures/classification.py", ["{damaged}"], "no classification.json"),
    ("figures/fig04_weights.py", ["--root", "{out}", "--out", "{out}"], "has what this figure needs"),
    ("figures/frequency.py", ["--pairing", "{out}", "--out", "{out}"], "no pairing.csv"),
    ("figures/modulation.py", ["--modulation", "{out}", "--out", "{out}"], "no modulation.csv"),
    ("figures/rules_comparison.py", ["{out}"], "no rules.csv"),
    ("figures/rule_search.py", ["{out}"], "no search.csv"),
    ("figures/alignment.py", ["{out}", "--out", "{out}"], "no evaluation/alignment.json"),
    ("figures/field_shapes.py", ["{out}", "--out", "{out}"], "no params.json"),
    ("figures/field_shapes.py", ["{out}@last", "--out", "{out}"], "a checkpoint is named FOLDER@N"),
    ("figures/code_fields.py", ["{out}", "--out", "{out}"], "no params.json"),
    ("figures/sparse_coding.py", ["--dataset", "imagenet", "--out", "{out}"], "unknown dataset 'imagenet'"),
    ("figures/sparse_coding.py", ["--dataset", "gabors", "--alpha", "0", "--out", "{out}"], "--alpha must be"),
    ("figures/sparse_coding.py", ["--dataset", "gabors", "--alpha", "nan", "--out", "{out}"], "positive and finite"),
    ("figures/sparse_coding.py", ["--dataset", "gabors", "--atoms", "1000000", "--out", "{out}"], "use fewer atoms"),
    ("figures/field_shapes.py", ["{damaged}", "--out", "{out}"], "has no image shape"),
    ("figures/code_fields.py", ["{damaged}", "--out", "{out}"], "has no image shape"),
    ("figures/rate_model.py", ["{out}", "--out", "{out}"], "no evaluation/rate-model.json"),
]
OUT_OPTION = {"train", "classify", "pairing", "epsp", "sweep", "modulation", "compare_rules", "rule_search"}
ROOT_OPTION = {"paper"}


def _cases():
    for command, cases in CASES.items():
        for argv, message in cases:
            yield pytest.param(f"protocols/{command}.py", command, argv, message,
                               id=f"{command}:{' '.join(argv)[:40]}")
    for path, argv, message in FIGURES:
        yield pytest.param(path, None, argv, message, id=f"{path}:{' '.join(argv)[:30]}")


@pytest.mark.parametrize("path, command, argv, message", list(_cases()))
def test_a_user_error_is_one_line_and_exit_status_1(path, command, argv, message, tmp_path, empty_build_root,
                                                    tiny_idx_folder, damaged):
    out, marker = tmp_path / "out", tmp_path / "ran"
    fill = dict(out=out, data=tiny_idx_folder, damaged=damaged, marker=marker)
    argv = [a.format(**fill) for a in argv]
    if command in OUT_OPTION and "--out" not in argv:
        argv += ["--out", str(out)]
    if command in ROOT_OPTION:
        argv += ["--root", str(out)]
    figures_before = sorted(os.listdir(os.path.join(ROOT, "figures")))
    with pytest.raises(SystemExit) as exit_info:
        load_script(os.path.join(ROOT, path)).main(argv)
    text = exit_info.value.code
    assert isinstance(text, str), f"exit status {text!r}, not 1 with a message"  # a str exits with status 1
    assert text.startswith("error: ") and "\n" not in text, text
    assert message in text, text
    assert not out.exists(), "something was written"
    assert sorted(os.listdir(os.path.join(ROOT, "figures"))) == figures_before, "a figure folder was made"
    assert not empty_build_root.exists() or not os.listdir(empty_build_root), "something was compiled"
    assert not marker.exists(), "a value ran code"


def test_a_busy_folder_is_one_line_naming_the_holder(tmp_path, empty_build_root, tiny_idx_folder, damaged):
    ready, done = threading.Event(), threading.Event()

    def hold():
        with ResultsFolder(damaged).writing("a long probe"):
            ready.set()
            done.wait(60)

    holder = threading.Thread(target=hold)
    holder.start()
    ready.wait(10)
    try:
        with pytest.raises(SystemExit, match=r"^error: .* is being written by pid \d+ .*a long probe"):
            load_script(os.path.join(ROOT, "protocols/train.py")).main(
                ["--dataset", tiny_idx_folder, "--resume", "--out", damaged])
    finally:
        done.set()
        holder.join()


def test_the_exit_status_and_stderr_of_a_real_process(tmp_path):
    result = subprocess.run([sys.executable, os.path.join(ROOT, "protocols", "train.py"), "--preset", "dense",
                             "--out", str(tmp_path / "out")], capture_output=True, text=True)
    assert result.returncode == 1
    assert result.stderr == "error: unknown preset 'dense'; known presets: main, very-sparse, non-sparse, dendritic, lateral, reconstruction, decorrelated, forgetting, graded, graded-wide, olshausen\n"


def test_argparse_errors_are_one_line_and_exit_status_1_in_a_real_process(tmp_path):
    result = subprocess.run([sys.executable, os.path.join(ROOT, "protocols", "train.py"), "--holdout", "1e3",
                             "--out", str(tmp_path / "out")], capture_output=True, text=True)
    assert (result.returncode, result.stderr) == (
        1, "error: argument --holdout: invalid int value: '1e3' (see train.py --help)\n")
    helped = subprocess.run([sys.executable, os.path.join(ROOT, "protocols", "train.py"), "--help"],
                            capture_output=True, text=True)
    assert helped.returncode == 0 and "--holdout" in helped.stdout


def test_a_programming_error_keeps_its_traceback(monkeypatch):
    from brianmodel import cli

    @cli.command
    def broken(argv=None):
        return {}["missing"]

    with pytest.raises(KeyError):
        broken([])


def test_cuda_without_gpu_or_compute_capability(tmp_path, empty_build_root, tiny_idx_folder):
    import shutil

    from brianmodel.device import gpu_present
    pytest.importorskip("brian2cuda")
    if shutil.which("nvcc") is None or gpu_present():
        pytest.skip("needs nvcc and no GPU")
    with pytest.raises(SystemExit, match="give the target's compute capability"):
        load_script(os.path.join(ROOT, "protocols/train.py")).main(
            ["--dataset", tiny_idx_folder, "--device", "cuda", "--out", str(tmp_path / "out")])
    assert not (tmp_path / "out").exists()  # nothing written: the error came first
