"""The network trained with other plasticity rules: held-out reconstruction and corr(Q, Wᵀ) beside mSTDP's.

Each pair of rules (feedforward, feedback; ``params.rules``) trains the same
network from the same seed on the same images, holding the same digits out;
each training is then probed frozen on its held-out digits. One row per pair
in ``<out>/rules.csv``: the probe's reconstruction_corr, and the training's
last qw_correlation (how far Q mirrors W), hidden rate and bout lags. Each
pair's training is a results folder of its own (``<out>/<pair>/``), so every
figure and probe works on it; a pair whose row exists is not re-run, an
interrupted training resumes. A pair whose training diverges (a silent
network, a state not finite) gets a row with its reason in ``failed`` and no
scores; the other pairs run on.
"""
from __future__ import annotations

import dataclasses
import hashlib
import logging
import os
import re
import sys

from ..cli import worker_log
from ..errors import ProtocolError
from ..io import csv_text
from ..mstdp.probes import probe
from ..params.mstdp import ModelParams
from ..params.run import RunSettings
from ..results import ResultsFolder
from ..training import train
from .study import last_metrics, open_study, point_rows, save_row, saved_row, worker_pool

__all__ = ["compare_rules", "pair_name", "COMPARISON_COLUMNS"]

log = logging.getLogger(__name__)

COMPARISON_COLUMNS = ("pair", "feedforward", "feedback", "reconstruction_corr", "qw_correlation", "hidden_rate",
                      "dt1_ms", "dt2_ms", "failed")


def pair_name(rules: dict) -> str:
    """A folder name for a pair of rules: 'stdp__astdp', 'triplet-eta-6__astdp'; a long spec is shortened to
    its rule's name and a hash of its parameters ('pair-1f3a9c0e')."""
    def short(spec):
        slug = re.sub(r"[^a-z0-9.]+", "-", spec.lower()).strip("-")
        if len(slug) <= 40:
            return slug
        return f"{spec.partition('(')[0]}-{hashlib.sha1(spec.encode()).hexdigest()[:8]}"
    return "__".join(short(rules[p]) for p in ("feedforward", "feedback"))


def _run_pair(task: dict) -> dict:
    folder = ResultsFolder(task["folder"])
    row = saved_row(folder)
    if row is not None:
        return row
    params, settings = ModelParams.from_dict(task["params"]), RunSettings(**task["settings"])

    def score(healthy):
        return [{"reconstruction_corr": float(probe(f.path, "held-out", held_out_only=True)["reconstruction_corr"])}
                for f in healthy]
    with worker_log(os.path.basename(folder.path), stream=sys.stderr):
        train(params, settings, folder.path, resume=folder.has_params(), on_divergence="continue")
        scores = point_rows([folder], score, ["reconstruction_corr"])[0]
    row = save_row(folder, {"pair": os.path.basename(folder.path), "feedforward": params.rules.feedforward,
                            "feedback": params.rules.feedback, **scores,
                            **last_metrics(folder, ("qw_correlation", "hidden_rate", "dt1_ms", "dt2_ms"))},
                   "rule comparison row")
    if row["failed"]:
        log.warning("%s: %s", row["pair"], row["failed"])
    else:
        log.info("%s: held-out corr(x, x̂) %.3f, corr(Q, Wᵀ) %.3f", row["pair"], row["reconstruction_corr"],
                 row["qw_correlation"])
    return row


def compare_rules(base: ModelParams, settings: RunSettings, pairs: list[dict], out: str, *,
                  workers: int = 1) -> list[dict]:
    """Train and probe ``base`` with each pair of rules ({'feedforward': spec, 'feedback': spec}); the rows."""
    if not pairs:
        raise ProtocolError("no pairs of rules to compare")
    if settings.holdout < 1:
        raise ProtocolError("the comparison probes held-out digits: give the training a holdout (e.g. 500)")
    if workers < 1:
        raise ProtocolError(f"workers must be at least 1, got {workers}")
    settings.validate()
    tasks = []
    for rules in pairs:
        params = base.with_overrides(rules=rules)  # every pair checked before anything runs
        tasks.append({"params": params.to_dict(), "settings": dataclasses.asdict(settings),
                      "folder": os.path.join(out, pair_name(params.rules.__dict__))})
    if len({t["folder"] for t in tasks}) < len(tasks):
        raise ProtocolError("the same pair of rules is listed twice")
    folder = ResultsFolder(out)
    with folder.writing("rule comparison"):  # resuming: the rows there must come from the same network and training
        open_study(folder, {"model": base.to_dict(), "run": dataclasses.asdict(settings), "pairs": pairs,
                            "workers": workers}, "comparison", same=("model", "run"))
    with worker_pool(workers) as submit:
        rows = submit(_run_pair, tasks)
    with folder.writing("rule comparison"):
        folder.write_text("rules.csv", csv_text(COMPARISON_COLUMNS, [
            {k: (f"{v:.6g}" if isinstance(v := row.get(k, ""), float) else v) for k in COMPARISON_COLUMNS}
            for row in rows]))  # (rows saved before the failed column have none)
    return rows
