"""What every multi-training protocol shares: the sweep, the rule comparison, the rule search.

A *study* trains many *points* (a grid point, a pair of rules, a candidate),
each into its own results folder under the study's, and writes one row per
point. It resumes: a point whose row is saved is not run again, a point's
interrupted training continues from its checkpoint, and a study resumes only
as itself (the same network and settings), or is refused. Its parts:

- :func:`open_study`: the study's ``params.json``, written, or checked on resume;
- :func:`saved_row` / :func:`save_row`: a point's row, memoised as ``row.json`` in its folder;
- :func:`point_rows`: the rows of points trained as one ensemble (those that
  diverged with their reason and no scores: ``failed``), from a function
  that scores the others;
- :func:`brianmodel.device.processes.worker_pool` and ``private_build``:
  worker processes that each hold their own Brian2 project and their own copy
  of the compiled build.

A new study is then its points, its row and its table (``protocols/sweep.py``
and ``rule_comparison.py`` show the pattern).
"""
from __future__ import annotations

import json
import math
import os

from ..device.processes import private_build, worker_pool
from ..errors import ProtocolError
from ..results import ResultsFolder
from ..training import failures

__all__ = ["open_study", "saved_row", "save_row", "point_rows", "worker_pool", "private_build", "last_metrics"]

ROW = "row.json"


def open_study(folder: ResultsFolder, info: dict, kind: str, *, same=None, loose=None) -> bool:
    """Write ``info`` as the study's params.json; or, where the folder holds one, check that it is the same study
    and record the resume. True if resumed. The caller holds the folder's writing lock.

    ``same``: the keys of ``info`` that must not change (default: all);
    ``loose``: {key: names inside it that may change (e.g. more generations)}.
    """
    if not folder.has_params():
        folder.write_params(info)
        return False
    saved = folder.read_params()
    loose = loose or {}

    def comparable(key, value):
        value = json.loads(json.dumps(value))  # (tuples as lists, as params.json holds them)
        return {k: v for k, v in value.items() if k not in loose[key]} if key in loose and value else value
    differ = [key for key in (same or info) if comparable(key, saved.get(key)) != comparable(key, info[key])]
    if differ:
        raise ProtocolError(f"{folder.path!r} holds a {kind} with other {' and '.join(differ)} settings: choose "
                            f"another --out")
    folder.write_params({**saved, **info}, resumed=True)
    return True


def saved_row(folder: ResultsFolder) -> dict | None:
    """The point's saved row, or None if it has none yet."""
    return folder.read_json(ROW) if os.path.exists(folder.file(ROW)) else None


def save_row(folder: ResultsFolder, row: dict, kind: str) -> dict:
    with folder.writing(kind):
        folder.write_json(ROW, row)
    return row


def last_metrics(folder: ResultsFolder, keys) -> dict:
    """The last training chunk's ``keys`` (NaN for a point that diverged in its first chunk: it has none)."""
    last = (folder.read_metrics() or [{}])[-1]
    return {key: float(last.get(key, math.nan)) for key in keys}


def point_rows(folders: list[ResultsFolder], score, nan_columns) -> list[dict]:
    """One row per trained point, in order: ``score(healthy folders) -> their rows`` for the points that trained
    to the end, and for each that diverged (``train_ensemble(..., on_divergence='continue')``) its reason in
    ``failed`` and NaN in ``nan_columns``."""
    failed = failures(folders)
    scored = iter(score([f for k, f in enumerate(folders) if k not in failed]) if len(failed) < len(folders)
                  else [])
    return [{**{column: math.nan for column in nan_columns}, "failed": failed[k]} if k in failed
            else {**next(scored), "failed": ""} for k in range(len(folders))]
