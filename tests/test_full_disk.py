"""A full disk is one line a user can act on (the file, the space it needs, what is free), exit status 1, no
half-written file, and what was written before stays: for a training, a probe and a figure. The disk fills
(ENOSPC) at a chosen write: every file brianmodel writes goes through io.atomic_write, which fsyncs it."""
import errno
import os

import pytest

from brianmodel import io as brianmodel_io
from brianmodel.errors import ResultsError
from brianmodel.plots import load_script
from brianmodel.results import ResultsFolder

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# the learning_params fixture on the command line (tests/mstdp/test_training.py's shape: compiled once per session)
TRAIN = ["--hidden", "20", "--rho", "0.5", "--set", "connections.g_feedforward=0.4", "--set",
         "connections.g_feedback=8", "--chunk", "20", "--seed", "7", "--presentations", "60"]


@pytest.fixture
def disk_fills(monkeypatch):
    """disk_fills(name, nth=1): the disk is full from the ``nth`` write of a file called ``name`` on (name None:
    any file)."""
    def fill(name=None, nth=1):
        seen, full = {"n": 0}, set()
        mkstemp, fsync = brianmodel_io.tempfile.mkstemp, brianmodel_io.os.fsync

        def named(dir, prefix):
            fd, path = mkstemp(dir=dir, prefix=prefix)
            if name is None or prefix == ".tmp-" + name:
                seen["n"] += 1
                if seen["n"] >= nth:
                    full.add(fd)
            return fd, path

        def sync(fd):
            if fd in full or (seen["n"] >= nth and name is None):
                raise OSError(errno.ENOSPC, "No space left on device")
            return fsync(fd)

        monkeypatch.setattr(brianmodel_io.tempfile, "mkstemp", named)
        monkeypatch.setattr(brianmodel_io.os, "fsync", sync)
    return fill


def _one_line_exit_1(path, argv):
    with pytest.raises(SystemExit) as exit_info:
        load_script(os.path.join(ROOT, path)).main(argv)
    text = exit_info.value.code
    assert isinstance(text, str) and text.startswith("error: no space left to write ") and "\n" not in text, text
    assert "MB free" in text and "it needs" in text
    return text


def _no_half_files(folder):
    assert not [name for name in os.listdir(folder) if name.startswith(".tmp-")]


def test_an_atomic_write_on_a_full_disk_keeps_the_old_file(tmp_path, disk_fills):
    path = tmp_path / "metrics.csv"
    path.write_bytes(b"old")
    disk_fills()
    with pytest.raises(ResultsError, match="no space left to write .*metrics.csv: it needs 0.0 MB"):
        brianmodel_io.atomic_write(str(path), b"new")
    assert path.read_bytes() == b"old"
    _no_half_files(tmp_path)


def test_a_training_on_a_full_disk_stops_keeping_its_last_checkpoint(tmp_path, disk_fills, tiny_idx_folder,
                                                                     build_root, monkeypatch):
    """The second chunk's metrics find the disk full. Resumed with space again, the training goes on from the
    first chunk."""
    monkeypatch.setenv("BRIANMODEL_BUILD_ROOT", build_root)
    out = tmp_path / "train"
    argv = ["--dataset", tiny_idx_folder, *TRAIN, "--out", str(out)]
    disk_fills("metrics.csv", nth=2)
    text = _one_line_exit_1("protocols/train.py", argv)
    assert "metrics.csv" in text
    folder = ResultsFolder(str(out))
    assert folder.checkpoints() == [0, 20] and [r["presentations"] for r in folder.read_metrics()] == [20]
    _no_half_files(out)
    monkeypatch.undo()
    monkeypatch.setenv("BRIANMODEL_BUILD_ROOT", build_root)
    load_script(os.path.join(ROOT, "protocols/train.py")).main(argv + ["--resume"])
    assert folder.checkpoints()[-1] == 60


def test_a_probe_and_a_figure_on_a_full_disk(tmp_path, disk_fills, tiny_idx_folder, build_root, monkeypatch):
    monkeypatch.setenv("BRIANMODEL_BUILD_ROOT", build_root)
    out = tmp_path / "trained"
    load_script(os.path.join(ROOT, "protocols/train.py")).main(["--dataset", tiny_idx_folder, *TRAIN,
                                                                "--presentations", "20", "--out", str(out)])
    disk_fills("final.npz")
    _one_line_exit_1("protocols/evaluate.py", [str(out), "--label", "final", "--presentations", "10"])
    assert ResultsFolder(str(out)).evaluations() == [] and ResultsFolder(str(out)).checkpoints() == [0, 20]
    if os.path.isdir(out / "evaluation"):
        _no_half_files(out / "evaluation")
    figures = tmp_path / "figures"
    disk_fills("raster.png")
    _one_line_exit_1("figures/training.py", [str(out), "--out", str(figures)])
    assert not [name for name in os.listdir(figures) if name.endswith(".png")]
    _no_half_files(figures)


# every other command: the disk fills at the first file of its results (protocols that simulate first, runtime with
# numpy code; the multi-training ones before any training: their first write)
OTHERS = [
    ("protocols/epsp.py", ["--locations", "50", "250"], "epsp.csv"),
    ("protocols/pairing.py", ["--device", "runtime", "--lags", "10", "--pairings", "2"], "pairing.csv"),
    ("protocols/modulation.py", ["--device", "runtime", "--delays", "0.1"], "modulation.csv"),
    ("protocols/sweep.py", ["--dataset", "{data}", "--grid", "plasticity.eta=0.01,0.02", "--hidden", "20",
                            "--presentations", "20", "--chunk", "10", "--probe", "10", "--workers", "1"],
     "params.json"),
    ("protocols/compare_rules.py", ["--pair", "feedforward=stdp,feedback=astdp", "--presentations", "20",
                                    "--holdout", "10", "--workers", "1"], "params.json"),
    ("protocols/rule_search.py", ["--population", "4", "--generations", "1", "--presentations", "20",
                                  "--holdout", "10", "--chunk", "10", "--hidden", "20"], "params.json"),
    ("protocols/classify.py", ["--dataset", "{data}", "--hidden", "20", "--presentations", "20", "--chunk", "10",
                               "--holdout", "5"], "params.json"),
    ("protocols/paper.py", ["--only", "pairing", "--device", "runtime"], "pairing.csv"),
]


@pytest.mark.parametrize("path, argv, name", OTHERS, ids=[os.path.basename(p)[:-3] for p, _, _ in OTHERS])
def test_every_command_on_a_full_disk(path, argv, name, tmp_path, disk_fills, tiny_idx_folder, numpy_runtime,
                                      monkeypatch):
    builds = tmp_path / "builds"
    monkeypatch.setenv("BRIANMODEL_BUILD_ROOT", str(builds))
    out = tmp_path / "out"
    argv = [a.format(data=tiny_idx_folder) for a in argv] + (["--root" if "paper" in path else "--out", str(out)])
    disk_fills(name)
    assert name in _one_line_exit_1(path, argv)
    written = [os.path.relpath(os.path.join(folder, f), out) for folder, _, files in os.walk(out) for f in files]
    assert not [f for f in written if not f.endswith(".lock")], written  # nothing of the results, no half file
    assert not builds.exists() or not os.listdir(builds), "compiled before its first write"
