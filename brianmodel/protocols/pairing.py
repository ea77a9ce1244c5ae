"""The in-vitro pairing protocol on the model's own synapses (Burbank 2015, Fig 2).

One visible and one hidden cell per spike-time lag Δ = t_hidden − t_visible;
each pair is joined by one feedforward synapse (visible → hidden, STDP) and
one feedback synapse (hidden → visible, aSTDP), built by the same functions
and equation strings as the network's (:mod:`brianmodel.mstdp.network`),
with the same delays, and at the same dendritic locations
(``params.locations``: the back-propagating spike then reaches the synapse
later and weaker). The cells do not integrate anything: they fire on
schedule, the visible cell at ``offset`` and the hidden cell at ``offset + Δ``
in every pairing period, ``n_pairings`` times. The weight change after the
protocol, against Δ, is the measured window;
:func:`brianmodel.mstdp.placement.analytic_change` is the configured one.

Each pairing period counts as one "presentation" for the synapses' trace
reset, so pairings do not interact (at 1 Hz they would not anyway).
"""
from __future__ import annotations

import dataclasses
import hashlib
import json
from dataclasses import dataclass

import numpy as np
from brian2 import Network, NeuronGroup, defaultclock, ms, second, um

from ..device import run_once
from ..errors import ProtocolError
from ..io import csv_text
from ..mstdp.model import SOURCES
from ..mstdp.network import feedback_synapses, feedforward_synapses, namespace, values_table
from ..mstdp.placement import analytic_change, placement
from ..params.mstdp import ModelParams
from ..results import ResultsFolder

__all__ = ["PairingProtocol", "run_pairing", "save_pairing", "DEFAULT_LAGS_MS", "PAIRING_COLUMNS"]

PAIRING_COLUMNS = ("lag_ms", "feedforward_change", "feedforward_configured", "feedback_change", "feedback_configured")
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
    return "\n".join([SCHEDULED_CELL, *targets])


SCHEDULED_THRESHOLD = ("timestep(t, dt) >= first_step and timestep(t, dt) < first_step + n_pairings * period_steps "
                       "and (timestep(t, dt) - first_step) % period_steps == 0")


@dataclass(frozen=True)
class PairingProtocol:
    """The pairing schedule: the lags, how many pairings at what frequency, and the learning rate."""

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
            raise ProtocolError("no lags to pair at")
        if self.n_pairings <= 0 or self.frequency_hz <= 0:
            raise ProtocolError(f"n_pairings and frequency must be positive, got {self.n_pairings}, "
                                f"{self.frequency_hz}")
        steps = lags / dt
        if np.any(np.abs(steps - np.round(steps)) > 1e-6):
            raise ProtocolError(f"lags must be multiples of dt = {dt} ms, got {self.lags_ms}")
        period = 1000.0 / self.frequency_hz
        if self.offset_ms + lags.min() < 0 or self.offset_ms + lags.max() >= period or self.offset_ms >= period:
            raise ProtocolError(f"visible spike at {self.offset_ms} ms and hidden spikes at lags {lags.min()}.."
                                f"{lags.max()} ms must fall inside the {period:g} ms pairing period")
        return self

    @property
    def period(self):
        return (1.0 / self.frequency_hz) * second


def run_pairing(params: ModelParams, protocol: PairingProtocol = PairingProtocol(), device: str = "cpp",
                build_root: str | None = None) -> dict:
    """Run the protocol; {'lag_ms', 'feedforward_change', 'feedback_change'} (one value per lag),
    plus 'eta', the learning rate it ran with."""
    params.validate()
    protocol.validate(params)
    if protocol.eta is not None:
        params = params.with_overrides(plasticity={"eta": protocol.eta})
    lags = np.asarray(protocol.lags_ms, dtype=float)
    pl = params.plasticity
    w0, q0 = pl.w_max / 2, pl.q_max / 2
    expected = max(np.abs(analytic_change(lags, params, p, protocol.n_pairings)).max() for p in ("feedforward", "feedback"))
    if expected >= min(w0, q0):
        raise ProtocolError(f"the protocol would change weights by up to {expected:.3g}, past the bounds from "
                            f"w_max/2 = {w0:g}: lower eta or the number of pairings")

    def make():
        dt = params.presentation.dt
        defaultclock.dt = dt  # every object on the defaultclock, as in the network
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
        # the model's window, gains and delays (one copy)
        feedforward = feedforward_synapses(visible, hidden, params, values_table("feedforward", [params]),
                                           one_to_one=True)
        feedback = feedback_synapses(hidden, visible, params, values_table("feedback", [params]), one_to_one=True)
        feedforward.w, feedback.q = w0, q0
        network = Network(visible, hidden, feedforward, feedback, name="pairing")
        duration = protocol.n_pairings * protocol.period

        def read():
            return {"lag_ms": lags, "eta": pl.eta, "feedforward_change": np.asarray(feedforward.w[:]) - w0,
                    "feedback_change": np.asarray(feedback.q[:]) - q0}
        return network, ns, duration, read

    key = json.dumps({"params": params.to_dict(), "protocol": protocol.__dict__}, sort_keys=True, default=str)
    return run_once(make, device=device, name="pairing", key=hashlib.sha1(key.encode()).hexdigest(),
                    sources=SOURCES, build_root=build_root)


def save_pairing(out: str, params: ModelParams, protocol: PairingProtocol, result: dict, device: str) -> ResultsFolder:
    """Write ``out``/params.json and ``out``/pairing.csv (measured and configured change per lag).

    params.json also records where each pathway sits and which rule it
    follows, so that a figure reads them without the model.
    """
    used = params.with_overrides(plasticity={"eta": float(result["eta"])})
    configured = {p: analytic_change(result["lag_ms"], used, p, protocol.n_pairings)
                  for p in ("feedforward", "feedback")}
    rows = [{"lag_ms": f"{lag:g}", **{f"{p}_{kind}": f"{values[k]:.9g}" for p in ("feedforward", "feedback")
                                      for kind, values in (("change", result[f"{p}_change"]),
                                                           ("configured", configured[p]))}}
            for k, lag in enumerate(result["lag_ms"])]
    folder = ResultsFolder(out)
    with folder.writing("pairing protocol"):
        folder.write_text("pairing.csv", csv_text(PAIRING_COLUMNS, rows))
        folder.write_params({"model": params.to_dict(), "protocol": dataclasses.asdict(protocol), "device": device,
                             "eta_used": float(result["eta"]),
                             "pathways": {p: _pathway_summary(params, p) for p in ("feedforward", "feedback")}})
    return folder


def _pathway_summary(params: ModelParams, pathway: str) -> dict:
    where = placement(params, pathway)
    location = getattr(params.locations, pathway)
    return {"rule": "aSTDP" if where.reversed_window else "STDP",
            "location_um": None if location is None else float(location / um),
            "axonal_delay_ms": float(where.axonal_delay / ms), "backprop_delay_ms": float(where.backprop_delay / ms),
            "bap": where.bap}
