"""Results folders: one writer at a time, damaged files named, provenance recorded, readable without brian2."""
import os
import subprocess
import sys
import textwrap
from importlib.metadata import version

import numpy as np
import pytest

from brianmodel.errors import DamagedFile, FolderBusy, MissingResult
from brianmodel.results import ResultsFolder

HOLD = textwrap.dedent("""
    import sys, time
    from brianmodel.results import ResultsFolder
    with ResultsFolder(sys.argv[1]).writing("a test holder"):
        print("holding", flush=True)
        time.sleep(60)
""")


def test_a_second_writer_is_refused_at_once_naming_the_holder(tmp_path):
    out = tmp_path / "run"
    holder = subprocess.Popen([sys.executable, "-c", HOLD, str(out)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "holding"
        with pytest.raises(FolderBusy, match=f"being written by pid {holder.pid} .*a test holder"):
            with ResultsFolder(out).writing():
                pass
    finally:
        holder.kill()
        holder.wait()
    with ResultsFolder(out).writing():  # a killed holder leaves no stale lock
        pass


def test_the_lock_is_reentrant_within_a_thread_only(tmp_path):
    import threading

    folder = ResultsFolder(tmp_path / "run")
    refused = []
    with folder.writing(), folder.writing():  # a probe inside a classification
        thread = threading.Thread(target=lambda: _try_writing(folder, refused))
        thread.start()
        thread.join()
    assert refused == [True]


def _try_writing(folder, refused):
    try:
        with folder.writing():
            refused.append(False)
    except FolderBusy:
        refused.append(True)


def test_writes_need_the_lock(tmp_path):
    with pytest.raises(RuntimeError, match="outside ResultsFolder.writing"):
        ResultsFolder(tmp_path).write_json("x.json", {})


def test_checkpoints_round_trip_and_a_damaged_one_is_named_with_the_last_good_one(tmp_path):
    folder = ResultsFolder(tmp_path / "run")
    with folder.writing():
        for n in (0, 10, 20):
            folder.save_checkpoint(n, {"W": np.full((2, 3), n)}, chunks=n // 10)
    last = folder.load_checkpoint()
    assert (last.presentations, last.chunks) == (20, 2) and np.all(last["W"] == 20)
    path = folder.file("checkpoint_0000020.npz")
    with open(path, "r+b") as f:
        f.truncate(os.path.getsize(path) // 2)
    with pytest.raises(DamagedFile, match=r"checkpoint_0000020.npz is damaged.*last good checkpoint is after 10"):
        folder.load_checkpoint()
    assert folder.last_good_checkpoint().presentations == 10
    with pytest.raises(MissingResult, match="no checkpoint after 15 presentations"):
        folder.load_checkpoint(15)


def test_params_carry_provenance_and_resumes_add_theirs(tmp_path):
    folder = ResultsFolder(tmp_path / "run")
    with folder.writing():
        folder.write_params({"run": {"seed": 1}})
        folder.write_params(folder.read_params(), resumed=True)
    info = folder.read_params()
    for record in (info["provenance"], info["resumed"][0]):
        assert {"command", "created", "host", "versions"} <= set(record)
        assert record["versions"]["brian2"] == version("brian2")  # the installed one
    with pytest.raises(MissingResult, match="no params.json"):
        ResultsFolder(tmp_path / "elsewhere").read_params()


def test_a_pickled_array_is_never_loaded(tmp_path):
    folder = ResultsFolder(tmp_path / "run")
    os.makedirs(folder.path)
    np.savez(folder.file("last_chunk.npz"), x=np.array([{"a": 1}], dtype=object))  # needs pickle to read
    with pytest.raises(DamagedFile, match="last_chunk.npz is damaged"):
        folder.load_last_chunk()


def test_reading_results_does_not_import_brian2():
    code = ("import sys; import brianmodel.results, brianmodel.plots, brianmodel.analysis, brianmodel.readout, "
            "brianmodel.readers, brianmodel.values, brianmodel.datasets; "
            "assert 'brian2' not in sys.modules, sorted(m for m in sys.modules if m.startswith('brian2'))")
    subprocess.run([sys.executable, "-c", code], check=True)
