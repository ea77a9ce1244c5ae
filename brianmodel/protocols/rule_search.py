"""Rule search: which pair of plasticity windows makes the network an autoencoder?

The two plastic pathways each follow the general pair window
(:class:`brianmodel.rules.Pair`): a lobe for pre-before-post and one for
post-before-pre, each with a free sign, amplitude and time constant; eight
numbers in all. CMA-ES (the ``cma`` package) searches them for the frozen
reconstruction corr(x, x̂) of held-out digits after a short training from a
fixed seed. Each generation's candidates train as the copies of one
ensemble (their rules differ only in run-time values, so the whole search
compiles once), beside one more copy: the hand-tuned mSTDP written in the
same family (:func:`mstdp_reference`), the yardstick measured under the
same conditions.

A candidate's numbers ``x`` (what CMA-ES sees): amplitudes in units of
mSTDP's η·A (0.04), time constants as log(τ / 10 ms), each τ kept in
[1, 100] ms. The starting point is random (seeded): the search is not told
the answer.

Written to ``out``: ``search.csv`` (one row per candidate and generation,
with its windows and scores; a candidate whose training diverged has its
reason in ``failed`` and scores as the worst, fitness −1), ``generations.json`` (what resume replays),
``params.json``; each generation's best training in
``generation-NNN/best/`` (the others are deleted once scored: a training
folder is megabytes). An interrupted search resumes: finished generations
are replayed into CMA-ES (same seed, same candidates: CMA-ES draws from
numpy's global generator, which nothing else in the search draws from), an
interrupted generation continues from its candidates' last checkpoints
(or trains again, if it was interrupted while its folders were being made
or tidied).
"""
from __future__ import annotations

import dataclasses
import logging
import math
import os
import shutil
import time
from dataclasses import dataclass

import cma
import numpy as np
from brian2 import ms

from ..errors import DamagedFile, ProtocolError
from ..io import csv_text
from ..mstdp.mirrored import mirrored
from ..mstdp.probes import probe_ensemble
from ..params.mstdp import ModelParams
from ..params.run import RunSettings
from ..results import ResultsFolder
from ..rules import Pair
from ..training import Member, train_ensemble
from .study import last_metrics, open_study, point_rows

__all__ = ["SearchSettings", "run_search", "decode", "encode", "mstdp_reference", "mirror_scores",
           "SEARCH_COLUMNS", "PATHWAYS", "LOBES"]

log = logging.getLogger(__name__)

PATHWAYS = ("feedforward", "feedback")
LOBES = ("a_plus", "a_minus", "tau_plus", "tau_minus")
AMPLITUDE = 0.04  # x = 1: mSTDP's η·A
TAU_MS, TAU_RANGE_MS = 10.0, (1.0, 100.0)
SEARCH_COLUMNS = ("generation", "candidate", "reference", "reconstruction_corr", "qw_correlation", "hidden_rate",
                  *(f"{p}_{lobe}" for p in PATHWAYS for lobe in LOBES), "mirror_score", "same_score", "failed")


@dataclass(frozen=True)
class SearchSettings:
    """The search's own settings (the network's are the model's parameters and the run settings)."""

    generations: int = 12
    population: int = 10  # candidates per generation (CMA-ES's λ)
    sigma: float = 0.5  # CMA-ES's initial step, in x's units
    seed: int = 0  # the starting window and CMA-ES's random numbers
    reference: bool = True  # train hand-tuned mSTDP beside each generation

    def validate(self) -> "SearchSettings":
        for name in ("generations", "population"):
            if not isinstance(getattr(self, name), int) or getattr(self, name) < 1:
                raise ProtocolError(f"{name} must be a positive integer, got {getattr(self, name)!r}")
        if self.population < 4:
            raise ProtocolError(f"CMA-ES needs a population of at least 4, got {self.population}")
        if not self.sigma > 0:
            raise ProtocolError(f"sigma must be positive, got {self.sigma}")
        if not isinstance(self.seed, int) or self.seed < 0:
            raise ProtocolError(f"seed must be a non-negative integer, got {self.seed!r}")
        return self


def decode(x) -> dict:
    """{pathway: Pair} of a candidate's 8 numbers."""
    x = np.asarray(x, dtype=float)
    rules = {}
    for k, pathway in enumerate(PATHWAYS):
        a_plus, a_minus, log_plus, log_minus = x[4 * k:4 * k + 4]
        tau = [float(np.clip(TAU_MS * math.exp(v), *TAU_RANGE_MS)) for v in (log_plus, log_minus)]
        rules[pathway] = Pair(eta=1.0, a_plus=AMPLITUDE * float(a_plus), a_minus=AMPLITUDE * float(a_minus),
                              tau_plus=tau[0] * ms, tau_minus=tau[1] * ms)
    return rules


def encode(rules: dict) -> np.ndarray:
    """The 8 numbers of {pathway: Pair} (η folded into the amplitudes)."""
    x = []
    for pathway in PATHWAYS:
        r = rules[pathway]
        x += [r.eta * r.a_plus / AMPLITUDE, r.eta * r.a_minus / AMPLITUDE,
              math.log(float(r.tau_plus / ms) / TAU_MS), math.log(float(r.tau_minus / ms) / TAU_MS)]
    return np.array(x)


def mstdp_reference(params: ModelParams) -> dict:
    """The network's mirrored rule in the pair family, pathway by pathway as its placement makes it (the paper's:
    STDP on W, aSTDP with ζ/η η on Q)."""
    rules = {}
    for pathway in PATHWAYS:
        r = mirrored(params, pathway)
        if r.reversed_window:  # aSTDP: pre before post depresses (with τ₋), post before pre potentiates (with τ₊)
            rules[pathway] = Pair(eta=1.0, a_plus=-r.eta * r.A_minus, a_minus=r.eta * r.A_plus,
                                  tau_plus=r.tau_minus, tau_minus=r.tau_plus)
        else:
            rules[pathway] = Pair(eta=1.0, a_plus=r.eta * r.A_plus, a_minus=-r.eta * r.A_minus,
                                  tau_plus=r.tau_plus, tau_minus=r.tau_minus)
    return rules


def mirror_scores(rules: dict, lags_ms=np.arange(-49.75, 50.0, 0.5)) -> tuple:
    """(mirror, same): the correlation over Δ = t_hidden − t_visible of W's window F_W(Δ) with Q's window read
    time-reversed, F_Q(−Δ) (1: mirrored, the feedback synapse's post is the visible cell), and with F_Q(Δ).
    Δ = 0 (where a tie decides the lobe) is not on the grid."""
    w = rules["feedforward"].window(lags_ms)
    q_mirrored, q_same = rules["feedback"].window(-lags_ms), rules["feedback"].window(lags_ms)

    def corr(a, b):
        return float(np.corrcoef(a, b)[0, 1]) if a.std() > 0 and b.std() > 0 else float("nan")
    return corr(w, q_mirrored), corr(w, q_same)


def _strategy(search: SearchSettings):
    x0 = np.random.default_rng([search.seed, 1]).normal(0.0, 1.0, 8)  # a random starting window pair
    x0[2::4] *= 0.5  # time constants start within ~e^±1 of 10 ms
    x0[3::4] *= 0.5
    return cma.CMAEvolutionStrategy(x0, search.sigma, {"seed": search.seed + 1, "popsize": search.population,
                                                      "verbose": -9}), x0


def run_search(base: ModelParams, settings: RunSettings, search: SearchSettings, out: str,
               build_root: str | None = None) -> list[dict]:
    """Run (or resume) the search; every candidate's row."""
    search.validate()
    settings.validate()
    if settings.holdout < 1:
        raise ProtocolError("the search scores held-out digits: give the run settings a holdout (e.g. 250)")
    base = base.with_overrides(rules={p: "pair" for p in PATHWAYS})
    folder = ResultsFolder(out)
    info = {"model": base.to_dict(), "run": dataclasses.asdict(settings), "search": dataclasses.asdict(search)}
    history = _resume(folder, info)
    es, x0 = _strategy(search)
    for generation in history:  # replay: the same seed asks the same candidates
        es.ask()
        es.tell([np.array(x) for x in generation["x"]], [-f for f in generation["fitness"]])
    rows = [row for generation in history for row in generation["rows"]]
    reference = encode(mstdp_reference(base)) if search.reference else None
    start = time.perf_counter() - sum(g["wall_s"] for g in history)
    for g in range(len(history), search.generations):
        xs = es.ask()
        candidates = [np.asarray(x) for x in xs] + ([reference] if reference is not None else [])
        scored = _generation(base, settings, candidates, os.path.join(out, f"generation-{g:03d}"), build_root,
                             search.population)
        fitness = [r["reconstruction_corr"] if np.isfinite(r["reconstruction_corr"]) else -1.0
                   for r in scored[:search.population]]
        es.tell(xs, [-f for f in fitness])
        generation_rows = [{"generation": g, "candidate": k, "reference": k >= search.population, **r}
                           for k, r in enumerate(scored)]
        history.append({"x": [list(map(float, x)) for x in xs], "fitness": fitness, "rows": generation_rows,
                        "wall_s": time.perf_counter() - start - sum(h["wall_s"] for h in history)})
        rows += generation_rows
        _save(folder, info, history, rows, x0)
        best = int(np.argmax(fitness))
        log.info("generation %d/%d: best corr(x, x̂) %.3f (mirror score %.2f), mean %.3f%s; %.0f s so far",
                 g + 1, search.generations, fitness[best], scored[best]["mirror_score"], float(np.mean(fitness)),
                 f"; mSTDP {scored[-1]['reconstruction_corr']:.3f}" if reference is not None else "",
                 time.perf_counter() - start)
    return rows


def _generation(base, settings, candidates, out, build_root, population) -> list[dict]:
    """Train and probe the candidates as one ensemble; their scores. Keeps the best candidate's folder."""
    folders = [os.path.join(out, f"candidate-{k:02d}") for k in range(len(candidates))]
    members = [Member(base.with_overrides(rules={p: r.spec() for p, r in decode(x).items()}), settings, f)
               for x, f in zip(candidates, folders)]
    started = [ResultsFolder(f).has_params() for f in folders]
    if any(started) and not all(started):
        for f in folders:
            shutil.rmtree(f, ignore_errors=True)
        started = [False]
    # a candidate whose training diverges (a silent network, a state not finite) scores as the worst
    train_ensemble(members, resume=all(started), build_root=build_root, on_divergence="continue")

    def score(healthy):  # probed as one ensemble, the diverged ones idle
        probed = probe_ensemble([f.path for f in healthy], "held-out", held_out_only=True,
                                idle=len(folders) - len(healthy), build_root=build_root)
        return [{"reconstruction_corr": float(p["reconstruction_corr"])} for p in probed]
    scored = []
    for x, f, result in zip(candidates, folders, point_rows([ResultsFolder(f) for f in folders], score,
                                                           ["reconstruction_corr"])):
        rules = decode(x)
        mirror, same = mirror_scores(rules)
        scored.append({**result, **last_metrics(ResultsFolder(f), ("qw_correlation", "hidden_rate")),
                       **{f"{p}_{lobe}": float(getattr(rules[p], lobe) / (ms if lobe.startswith("tau") else 1))
                          for p in PATHWAYS for lobe in LOBES},
                       "mirror_score": mirror, "same_score": same})
    fitness = [s["reconstruction_corr"] if np.isfinite(s["reconstruction_corr"]) else -1.0
               for s in scored[:population]]
    best = int(np.argmax(fitness))
    for k, f in enumerate(folders):
        if k < population and k != best:
            shutil.rmtree(f)
            continue
        kept = os.path.join(out, "best" if k == best else "reference")
        shutil.rmtree(kept, ignore_errors=True)  # an interrupted earlier attempt's
        os.replace(f, kept)
    return scored


def _resume(folder: ResultsFolder, info: dict) -> list:
    with folder.writing("rule search"):  # a search may be resumed for more generations
        if not open_study(folder, info, "rule search", loose={"search": ("generations",)}):
            return []
    if not os.path.exists(folder.file("generations.json")):
        return []
    history = folder.read_json("generations.json").get("generations")
    population = info["search"]["population"]
    if not isinstance(history, list) or not all(
            isinstance(g, dict) and len(g.get("x", [])) == population == len(g.get("fitness", []))
            and all(isinstance(x, list) and len(x) == 8 for x in g["x"]) and isinstance(g.get("rows"), list)
            and isinstance(g.get("wall_s"), (int, float)) for g in history):
        raise DamagedFile(f"{folder.file('generations.json')} is damaged (not the generations of this search): "
                          f"move it away to start the search again")
    return history


def _save(folder: ResultsFolder, info, history, rows, x0):
    with folder.writing("rule search"):
        folder.write_json("generations.json", {"x0": list(map(float, x0)), "generations": history})
        folder.write_text("search.csv", csv_text(SEARCH_COLUMNS, [
            {k: (f"{v:.6g}" if isinstance(v := row.get(k, ""), float) else v) for k in SEARCH_COLUMNS}
            for row in rows]))  # (rows saved before the failed column have none)
