"""A results folder: every file written atomically, one writer at a time, readable without brian2.

Layout of a training's folder::

    params.json                 parameters (with units), run settings, dataset, provenance
    metrics.csv                 one row per chunk of presentations
    checkpoint_0000500.npz      the network's state after that many presentations
    last_chunk.npz              the last chunk's activity (rasters, reconstructions)
    evaluation/<label>.npz      frozen probes of the trained network
    .lock                       who is writing (or last wrote) here

Protocols that write other folders (pairing, EPSP, sweeps) use the same
class: ``params.json`` with provenance, atomic files, the lock.

A writer holds :meth:`ResultsFolder.writing` for as long as it writes; a
second writer, in this or another process, stops at once with
:class:`~brianmodel.errors.FolderBusy` naming the holder. The lock is an
``flock`` on ``.lock``, so a killed writer leaves no stale lock.
"""
from __future__ import annotations

import contextlib
import fcntl
import glob
import json
import os
import re
import socket
import sys
import threading
import time
import zipfile
from dataclasses import dataclass

import numpy as np

from .errors import DamagedFile, FolderBusy, MissingResult, ResultsError
from .io import atomic_write, csv_text, npz_bytes, provenance, read_csv, read_json, write_json

__all__ = ["ResultsFolder", "Checkpoint"]

_HELD = {}  # (real path, thread) -> [file descriptor, depth]: the locks this thread holds (re-entrant)


@dataclass
class Checkpoint:
    """A saved state: presentations done, chunks run (None in folders older than the field) and the arrays."""

    presentations: int
    chunks: int | None
    arrays: dict
    path: str

    def __getitem__(self, name):
        return self.arrays[name]


def check_folder_path(path: str) -> str:
    """``path`` if it can be a results or figure folder (it is one, or nothing is there yet), else a one-line error."""
    if not path:
        raise ResultsError("a results folder needs a name: got an empty path")
    place = os.path.abspath(path)
    while not os.path.exists(place):  # the nearest part of it that exists must be a folder too
        place = os.path.dirname(place)
    if not os.path.isdir(place):
        raise ResultsError(f"{place!r} is a file, not a folder: give a folder for the results"
                           + (f" ({path!r})" if place != os.path.abspath(path) else ""))
    return path


class ResultsFolder:
    def __init__(self, path):
        self.path = path.path if isinstance(path, ResultsFolder) else check_folder_path(os.fspath(path))

    def __fspath__(self):
        return self.path

    def file(self, name: str) -> str:
        return os.path.join(self.path, name)

    def __repr__(self):
        return f"ResultsFolder({self.path!r})"

    # -- one writer at a time ------------------------------------------------
    @contextlib.contextmanager
    def writing(self, purpose: str = "writing"):
        """Hold the folder's lock (creating the folder) while the block writes to it."""
        os.makedirs(self.path, exist_ok=True)
        key = (os.path.realpath(self.path), threading.get_ident())
        if key in _HELD:  # this thread holds it already (a probe inside a classification)
            _HELD[key][1] += 1
            try:
                yield self
            finally:
                _HELD[key][1] -= 1
            return
        fd = os.open(self.file(".lock"), os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 4096, 0).decode(errors="replace").strip() or "another process"
            os.close(fd)
            raise FolderBusy(f"{self.path!r} is being written by {holder}; wait for it to finish or use "
                             f"another folder") from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, (f"pid {os.getpid()} on {socket.gethostname()} ({purpose}: {' '.join(sys.argv)}, "
                       f"since {time.strftime('%Y-%m-%d %H:%M:%S')})").encode(), 0)
        _HELD[key] = [fd, 1]
        try:
            yield self
        finally:
            del _HELD[key]
            fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)

    def _check_writer(self):
        if (os.path.realpath(self.path), threading.get_ident()) not in _HELD:
            raise RuntimeError(f"write to {self.path!r} outside ResultsFolder.writing()")  # a bug, not user error

    # -- parameters ----------------------------------------------------------
    def has_params(self) -> bool:
        return os.path.exists(self.file("params.json"))

    def write_params(self, info: dict, *, resumed: bool = False):
        """params.json: ``info`` plus this run's provenance (a resumed run's is added to 'resumed')."""
        self._check_writer()
        info = dict(info)
        if resumed:
            info["resumed"] = [*info.get("resumed", []), provenance()]
        else:
            info["provenance"] = provenance()
        write_json(self.file("params.json"), info)

    def read_params(self) -> dict:
        if not os.path.isdir(self.path):
            raise MissingResult(f"no params.json in {self.path!r}: the folder does not exist")
        if not self.has_params():
            raise MissingResult(f"no params.json in {self.path!r}: not a results folder")
        return read_json(self.file("params.json"))

    # -- checkpoints ---------------------------------------------------------
    def save_checkpoint(self, presentations: int, arrays: dict, chunks: int | None = None):
        self._check_writer()
        extra = {} if chunks is None else {"chunks": chunks}
        atomic_write(self.file(f"checkpoint_{presentations:07d}.npz"),
                     npz_bytes(presentations=presentations, **extra, **arrays))

    def checkpoints(self) -> list[int]:
        """Presentations done at each saved checkpoint, ascending."""
        names = glob.glob(self.file("checkpoint_*.npz"))
        return sorted(int(m.group(1)) for m in (re.search(r"checkpoint_(\d+)\.npz$", n) for n in names) if m)

    def load_checkpoint(self, presentations: int | None = None) -> Checkpoint:
        """A checkpoint (default: the last). A damaged one is named, with the last good one before it."""
        done = self.checkpoints()
        if not done:
            raise MissingResult(f"no checkpoint in {self.path!r}")
        presentations = done[-1] if presentations is None else presentations
        if presentations not in done:
            raise MissingResult(f"no checkpoint after {presentations} presentations in {self.path!r}; saved: {done}")
        try:
            return self.read_checkpoint(presentations)
        except DamagedFile as damaged:
            earlier = self.last_good_checkpoint(before=presentations)
            hint = (f"the last good checkpoint is after {earlier.presentations} presentations "
                    f"(a training resumes from it with --resume)" if earlier else "no earlier checkpoint is readable")
            raise DamagedFile(f"{damaged}; {hint}") from None

    def read_checkpoint(self, presentations: int) -> Checkpoint:
        """The checkpoint after ``presentations``, or DamagedFile naming it (no hint of an earlier one)."""
        path = self.file(f"checkpoint_{presentations:07d}.npz")
        arrays = self._read_npz(path)
        if "presentations" not in arrays or int(arrays["presentations"]) != presentations:
            raise DamagedFile(f"checkpoint {path} is damaged (its presentation count is missing or wrong)")
        done = int(arrays.pop("presentations"))
        chunks = int(arrays.pop("chunks")) if "chunks" in arrays else None
        return Checkpoint(done, chunks, arrays, path)

    def last_good_checkpoint(self, before: int | None = None) -> Checkpoint | None:
        """The latest checkpoint (before ``before`` presentations) that reads back whole."""
        for presentations in reversed(self.checkpoints()):
            if before is not None and presentations >= before:
                continue
            try:
                return self.read_checkpoint(presentations)
            except DamagedFile:
                continue
        return None

    def set_aside(self, checkpoint_presentations: int) -> str:
        """Rename a damaged checkpoint to ``<name>.damaged`` (kept for inspection, no longer listed)."""
        self._check_writer()
        path = self.file(f"checkpoint_{checkpoint_presentations:07d}.npz")
        os.replace(path, path + ".damaged")
        return path + ".damaged"

    # -- metrics -------------------------------------------------------------
    def read_metrics(self) -> list[dict]:
        rows = read_csv(self.file("metrics.csv"))
        try:
            return [{k: float(v) for k, v in row.items()} for row in rows]
        except (TypeError, ValueError) as error:
            raise DamagedFile(f"{self.file('metrics.csv')} is damaged ({error})") from None

    def write_metrics(self, rows: list[dict], columns):
        self._check_writer()
        formats = {k: (int if k in ("presentations", "chunk") else (lambda v: f"{v:.6g}")) for k in columns}
        atomic_write(self.file("metrics.csv"), csv_text(columns, rows, formats).encode())

    # -- arrays: the last chunk's activity, probes ---------------------------
    def save_arrays(self, name: str, arrays: dict):
        """``<name>.npz`` (``name`` may be inside a sub-folder, e.g. 'evaluation/final')."""
        self._check_writer()
        path = self.file(name + ".npz")
        os.makedirs(os.path.dirname(path), exist_ok=True)
        atomic_write(path, npz_bytes(**arrays))

    def load_arrays(self, name: str, hint: str = "") -> dict:
        path = self.file(name + ".npz")
        if not os.path.exists(path):
            raise MissingResult(f"no {name}.npz in {self.path!r}{' (' + hint + ')' if hint else ''}")
        return self._read_npz(path)

    def save_last_chunk(self, arrays: dict):
        self.save_arrays("last_chunk", arrays)

    def load_last_chunk(self) -> dict:
        return self.load_arrays("last_chunk", "written by a training's chunks")

    def save_evaluation(self, label: str, arrays: dict):
        """``evaluation/<label>.npz``: a probe's arrays, and its provenance (a JSON string, 'provenance')."""
        self.save_arrays(os.path.join("evaluation", label), {**arrays, "provenance": json.dumps(provenance())})

    def evaluations(self) -> list[str]:
        return sorted(os.path.basename(n)[:-4] for n in glob.glob(self.file(os.path.join("evaluation", "*.npz"))))

    def load_evaluation(self, label: str) -> dict:
        path = self.file(os.path.join("evaluation", f"{label}.npz"))
        if not os.path.exists(path):
            raise MissingResult(f"no probe {label!r} in {self.path!r} (run protocols/evaluate.py on it); "
                                f"present: {self.evaluations() or 'none'}")
        return self._read_npz(path)

    # -- other files ---------------------------------------------------------
    def write_json(self, name: str, content, *, with_provenance: bool = False):
        """``name`` (may be inside a sub-folder, e.g. 'evaluation/code.json'), written whole."""
        self._check_writer()
        os.makedirs(os.path.dirname(self.file(name)), exist_ok=True)
        write_json(self.file(name), {**content, "provenance": provenance()} if with_provenance else content)

    def read_json(self, name: str, hint: str = ""):
        return read_json(self.file(name), hint or "results file")

    def write_text(self, name: str, text: str):
        self._check_writer()
        atomic_write(self.file(name), text.encode())

    @staticmethod
    def _read_npz(path: str) -> dict:
        """Arrays of an .npz file (never unpickled); a truncated or foreign file is named."""
        try:
            with np.load(path, allow_pickle=False) as f:
                return {k: f[k] for k in f.files}
        except (zipfile.BadZipFile, ValueError, OSError, EOFError, KeyError) as error:
            raise DamagedFile(f"{path} is damaged ({type(error).__name__}: {error})") from None

