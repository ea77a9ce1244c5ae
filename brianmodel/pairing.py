"""The in-vitro pairing protocol on the model's own synapses (Burbank 2015, Fig 2).

One visible and one hidden cell per spike-time lag Δ = t_hidden − t_visible;
each pair is joined by one feedforward synapse (visible → hidden, STDP) and
one feedback synapse (hidden → visible, aSTDP), built by the same functions
and equation strings as the network's (:mod:`brianmodel.model`), with the
same delays, and at the same dendritic locations (``params.locations``: the
back-propagating spike then reaches the synapse later and weaker). The cells do not integrate anything: they fire on schedule, the
visible cell at ``offset`` and the hidden cell at ``offset + Δ`` in every
pairing period, ``n_pairings`` times. The weight change after the protocol,
against Δ, is the measured window; :func:`analytic_change` is the configured
one.

Each pairing period counts as one "presentation" for the synapses' trace
reset, so pairings do not interact (at 1 Hz they would not anyway).
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

import numpy as np
from brian2 import Network, NeuronGroup, defaultclock, ms, second

from .cable import placement
from .model import feedback_synapses, feedforward_synapses, namespace
from .parameters import ModelParams

__all__ = ["PairingProtocol", "PairingError", "run_pairing", "analytic_change", "synaptic_lag", "save_pairing",
           "load_pairing"]

DEFAULT_LAGS_MS = tuple(sorted({*range(-50, 51, 5), -2, -1, 1, 2} - {0}))

# A cell that fires on schedule: at first_step, then every period_steps, n_pairings times.
SCHEDULED_CELL = """
g_e : 1  # targets of the feedforward synapse's on_pre
phi : 1
g_d : 1  # target of the feedback synapse's on_pre
first_step : integer (constant)
"""


def _scheduled_cell(params: ModelParams) -> str:
    """SCHEDULED_CELL plus the dendritic targets ``g_e_k``, ``g_d_k`` of synapses with a location."""
    n = params.cable.n_compartments
    targets = [f"{name}_{k} : 1" for name, where in (("g_e", params.locations.feedforward),
                                                    ("g_d", params.locations.feedback))
               if where is not None for k in range(1, n + 1)]
    return SCHEDULED_CELL + "\n".join(targets)


SCHEDULED_THRESHOLD = ("timestep(t, dt) >= first_step and timestep(t, dt) < first_step + n_pairings * period_steps "
                       "and (timestep(t, dt) - first_step) % period_steps == 0")


class PairingError(ValueError):
    """A pairing protocol that cannot be run as asked."""


@dataclass(frozen=True)
class PairingProtocol:
    lags_ms: tuple = DEFAULT_LAGS_MS  # Δ = t_hidden − t_visible at the somata (ms)
    n_pairings: int = 60
    frequency_hz: float = 1.0
    offset_ms: float = 100.0  # time of the visible spike in each pairing period
    # η for the protocol (None: the model's). Small, so that 60 pairings stay inside the weight bounds
    # (the model's 0.04 would move a weight by 2.2 w_max); the window's shape does not depend on it.
    eta: float | None = 0.002

    def validate(self, params: ModelParams) -> "PairingProtocol":
        dt = float(params.presentation.dt / ms)
        lags = np.asarray(self.lags_ms, dtype=float)
        if lags.size == 0:
            raise PairingError("no lags to pair at")
        if self.n_pairings <= 0 or self.frequency_hz <= 0:
            raise PairingError(f"n_pairings and frequency must be positive, got {self.n_pairings}, {self.frequency_hz}")
        steps = lags / dt
        if np.any(np.abs(steps - np.round(steps)) > 1e-6):
            raise PairingError(f"lags must be multiples of dt = {dt} ms, got {self.lags_ms}")
        period = 1000.0 / self.frequency_hz
        if self.offset_ms + lags.min() < 0 or self.offset_ms + lags.max() >= period or self.offset_ms >= period:
            raise PairingError(f"visible spike at {self.offset_ms} ms and hidden spikes at lags {lags.min()}..{lags.max()} "
                               f"ms must fall inside the {period:g} ms pairing period")
        return self

    @property
    def period(self):
        return (1.0 / self.frequency_hz) * second


def synaptic_lag(lag, params: ModelParams, pathway: str):
    """Δ at the synapse (quantity) for somatic Δ = t_hidden − t_visible.

    Feedforward: the hidden spike back-propagates (delay d_bp) and the visible
    spike travels the axon (d_ax): Δ_syn = Δ + d_bp − d_ax. Feedback: the
    hidden spike travels the axon, the visible spike back-propagates into the
    dendrite: Δ_syn = Δ + d_ax − d_bp. d_bp follows from the synapse's
    location (:func:`brianmodel.cable.placement`) unless set explicitly.
    """
    if pathway not in ("feedforward", "feedback"):
        raise PairingError(f"pathway must be 'feedforward' or 'feedback', got {pathway!r}")
    where = placement(params, pathway)
    if pathway == "feedforward":
        return lag + where.backprop_delay - where.axonal_delay
    return lag + where.axonal_delay - where.backprop_delay


def analytic_change(lags_ms, params: ModelParams, pathway: str, n_pairings: int) -> np.ndarray:
    """The configured window: total weight change after ``n_pairings`` pairings at each somatic lag (ms).

    F(Δ_syn) for the paper's placement (feedforward STDP, feedback aSTDP);
    a pathway with the other window (``locations.crossover``) follows F(−Δ_syn);
    the back-propagating spike's amplitude at the synapse scales it.
    """
    pl = params.plasticity
    where = placement(params, pathway)
    eta = pl.eta * (pl.zeta_over_eta if pathway == "feedback" else 1.0)
    mirrored = where.reversed_window == (pathway == "feedback")
    lag = np.asarray([float(synaptic_lag(l * ms, params, pathway) / ms) for l in lags_ms]) * (1 if mirrored else -1)
    tau_plus, tau_minus = float(pl.tau_plus / ms), float(pl.tau_minus / ms)
    # at Δ_syn = 0 the pre pathway runs first in the time step, so the post-triggered update wins:
    # LTP for STDP, LTD for aSTDP
    ltp = (lag > 0) | ((lag == 0) & (not where.reversed_window))
    window = np.where(ltp, pl.A_plus * np.exp(-np.abs(lag) / tau_plus), -pl.A_minus * np.exp(-np.abs(lag) / tau_minus))
    return n_pairings * eta * where.bap * window


def run_pairing(params: ModelParams, protocol: PairingProtocol = PairingProtocol(), device: str = "cpp",
                build_root: str | None = None, log=print) -> dict:
    """Run the protocol; {'lag_ms', 'feedforward_change', 'feedback_change'} (one value per lag),
    plus 'eta', the learning rate it ran with."""
    from .device import run_once

    params.validate()
    protocol.validate(params)
    if protocol.eta is not None:
        params = params.with_overrides(plasticity={"eta": protocol.eta})
    lags = np.asarray(protocol.lags_ms, dtype=float)
    pl = params.plasticity
    w0, q0 = pl.w_max / 2, pl.q_max / 2
    expected = max(np.abs(analytic_change(lags, params, p, protocol.n_pairings)).max() for p in ("feedforward", "feedback"))
    if expected >= min(w0, q0):
        raise PairingError(f"the protocol would change weights by up to {expected:.3g}, past the bounds from "
                           f"w_max/2 = {w0:g}: lower eta or the number of pairings")

    def make():
        dt = params.presentation.dt
        defaultclock.dt = dt  # every object on the defaultclock, as in model.build_network
        period_steps = int(round(float(protocol.period / dt)))
        ns = namespace(params)
        ns.update(presentation_duration=protocol.period, n_pairings=protocol.n_pairings, period_steps=period_steps)
        offset = int(round(protocol.offset_ms / float(dt / ms)))
        cell = _scheduled_cell(params)
        visible = NeuronGroup(len(lags), cell, threshold=SCHEDULED_THRESHOLD, reset="", name="visible")
        hidden = NeuronGroup(len(lags), cell, threshold=SCHEDULED_THRESHOLD, reset="", name="hidden")
        visible.first_step = offset
        hidden.first_step = offset + np.round(lags / float(dt / ms)).astype(int)
        hidden.phi = 1.0
        feedforward = feedforward_synapses(visible, hidden, params, one_to_one=True)
        feedback = feedback_synapses(hidden, visible, params, one_to_one=True)
        feedforward.w, feedback.q = w0, q0  # eta, gain, window, delays: the model's (pathway_values)
        network = Network(visible, hidden, feedforward, feedback, name="pairing")
        duration = protocol.n_pairings * protocol.period

        def read():
            return {"lag_ms": lags, "eta": pl.eta, "feedforward_change": np.asarray(feedforward.w[:]) - w0,
                    "feedback_change": np.asarray(feedback.q[:]) - q0}
        return network, ns, duration, read

    key = json.dumps({"params": params.to_dict(), "protocol": protocol.__dict__}, sort_keys=True, default=str)
    result = run_once(make, device=device, name="pairing", key=hashlib.sha1(key.encode()).hexdigest(),
                      build_root=build_root, log=log)
    return result


def save_pairing(out: str, params: ModelParams, protocol: PairingProtocol, result: dict, device: str):
    """Write ``out``/params.json and ``out``/pairing.csv (measured and configured change per lag)."""
    import csv
    import dataclasses
    import io
    import os
    import sys
    import time

    from .results import atomic_write

    used = params.with_overrides(plasticity={"eta": float(result["eta"])})
    os.makedirs(out, exist_ok=True)
    info = {"model": params.to_dict(), "protocol": dataclasses.asdict(protocol), "device": device,
            "eta_used": float(result["eta"]), "command": sys.argv, "created": time.strftime("%Y-%m-%d %H:%M:%S")}
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["lag_ms", "feedforward_change", "feedforward_configured", "feedback_change", "feedback_configured"])
    configured = {p: analytic_change(result["lag_ms"], used, p, protocol.n_pairings) for p in ("feedforward", "feedback")}
    for k, lag in enumerate(result["lag_ms"]):
        writer.writerow([f"{lag:g}", f"{result['feedforward_change'][k]:.9g}", f"{configured['feedforward'][k]:.9g}",
                         f"{result['feedback_change'][k]:.9g}", f"{configured['feedback'][k]:.9g}"])
    atomic_write(os.path.join(out, "pairing.csv"), buffer.getvalue().encode())
    atomic_write(os.path.join(out, "params.json"), json.dumps(info, indent=2, sort_keys=True).encode())


def load_pairing(folder: str) -> dict:
    """pairing.csv as {column: array} and params.json as 'info'."""
    import os

    path = os.path.join(folder, "pairing.csv")
    if not os.path.exists(path):
        raise FileNotFoundError(f"no pairing.csv in {folder!r} (run protocols/pairing.py --out {folder})")
    table = np.genfromtxt(path, delimiter=",", names=True)
    with open(os.path.join(folder, "params.json")) as f:
        info = json.load(f)
    return {**{name: np.atleast_1d(table[name]) for name in table.dtype.names}, "info": info}
