"""Reading the protocols' tables back: sweep, pairing, EPSP. Numpy only, no brian2 (figures use these)."""
from __future__ import annotations

import numpy as np

from .errors import DamagedFile, MissingResult
from .io import read_csv
from .results import ResultsFolder

__all__ = ["RESULT_COLUMNS", "read_sweep", "read_sweep_table", "read_pairing", "read_epsp"]

# held_out_corr: the reconstruction of held-out images (NaN: the sweep held none out; absent in older sweeps);
# q_column_corr_coactive, template_corr: how alike the active units' features are (analysis.code), on the held-out
# images where there are some (absent in older sweeps)
RESULT_COLUMNS = ["reconstruction_corr", "held_out_corr", "qw_correlation", "dt1_ms", "dt2_ms", "hidden_rate",
                  "q_column_corr_coactive", "template_corr"]
_TEXT_COLUMNS = ("worker", "ensemble", "failed")  # failed: why a point diverged ("" or absent: it did not)


def read_sweep_table(out: str) -> list[dict]:
    """``<out>/sweep.csv`` as a list of rows (numbers as floats, ``compiled`` as a bool)."""
    rows = _table(ResultsFolder(out), "sweep.csv", f"run protocols/sweep.py --out {out}")
    try:
        return [{k: (v if k in _TEXT_COLUMNS else v == "True" if k == "compiled" else float(v))
                 for k, v in row.items()} for row in rows]
    except ValueError as error:
        raise DamagedFile(f"{out}/sweep.csv is damaged ({error})") from None


def read_sweep(out: str) -> tuple[list[dict], dict]:
    """(the table's rows, sweep.json: the grid's axes and seeds, wall time, compilations)."""
    rows = read_sweep_table(out)
    return rows, ResultsFolder(out).read_json("sweep.json", f"run protocols/sweep.py --out {out}")


def read_pairing(folder: str) -> dict:
    """pairing.csv as {column: array} and params.json as 'info' (protocols/pairing.py)."""
    data = _columns(folder, "pairing.csv", "pairing")
    if not isinstance(data["info"].get("pathways"), dict):
        raise MissingResult(f"{folder}/params.json does not say where the pathways sit (an older pairing folder): "
                            f"run protocols/pairing.py --out {folder} again")
    return data


def read_epsp(folder: str) -> dict:
    """epsp.csv as {column: array} and params.json as 'info' (protocols/epsp.py)."""
    return _columns(folder, "epsp.csv", "epsp")


def _columns(folder: str, name: str, protocol: str) -> dict:
    results = ResultsFolder(folder)
    rows = _table(results, name, f"run protocols/{protocol}.py --out {folder}")
    try:
        columns = {column: np.array([float(row[column]) for row in rows]) for column in rows[0]}
    except (ValueError, TypeError) as error:
        raise DamagedFile(f"{folder}/{name} is damaged ({error})") from None
    return {**columns, "info": results.read_params()}


def _table(folder: ResultsFolder, name: str, hint: str) -> list[dict]:
    rows = read_csv(folder.file(name))
    if not rows:
        raise MissingResult(f"no {name} in {folder.path!r} ({hint})")
    return rows
