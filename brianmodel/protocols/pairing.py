"""The in-vitro pairing protocols on the model's own synapses (Burbank 2015, Fig 2), for any rule.

One visible and one hidden cell per spike-time lag Δ = t_hidden − t_visible;
each pair is joined by one feedforward synapse (visible → hidden) and one
feedback synapse (hidden → visible), built by the same functions and
equation strings as the network's (:mod:`brianmodel.mstdp.network`), with
each pathway's rule (``params.rules``: the paper's ``mirrored`` STDP/aSTDP
or any rule of :mod:`brianmodel.rules`), the same delays, and at the same
dendritic locations (``params.locations``: the back-propagating spike then
reaches the synapse later and weaker). The cells do not integrate anything:
they fire on schedule, the visible cell at ``offset`` and the hidden cell at
``offset + Δ`` in every pairing period, ``n_pairings`` times. The weight
change after the protocol is the measured one; :func:`configured_change`,
from the rule's equations without Brian2, the configured one.

:class:`PairingProtocol` measures the window against Δ; each pairing period
counts as one "presentation" for the synapses' trace reset, so pairings do
not interact. :class:`FrequencyProtocol` measures the change against the
pairing frequency, for both orders; there the traces carry over from one
pairing to the next, which is what makes a triplet rule depend on it.
"""
from __future__ import annotations

import dataclasses
import hashlib
import json
from dataclasses import dataclass, fields

import numpy as np
from brian2 import Network, NeuronGroup, defaultclock, ms, um

from ..device import run_once
from ..errors import ParameterError, ProtocolError
from ..io import csv_text
from ..mstdp.mirrored import pathway_rule
from ..mstdp.model import SOURCES
from ..mstdp.network import feedback_synapses, feedforward_synapses, namespace, values_table
from ..mstdp.placement import placement
from ..params.mstdp import ModelParams
from ..results import ResultsFolder
from ..rules import Modulated

__all__ = ["PairingProtocol", "FrequencyProtocol", "check_finite", "Schedule", "run_pairing", "run_frequency", "run_schedule",
           "configured_change", "with_protocol_eta", "save_pairing", "DEFAULT_LAGS_MS", "PAIRING_COLUMNS"]

PAIRING_COLUMNS = ("lag_ms", "feedforward_change", "feedforward_configured", "feedback_change", "feedback_configured")
DEFAULT_LAGS_MS = tuple(sorted({*range(-50, 51, 5), -2, -1, 1, 2} - {0}))

# A cell that fires on schedule: at first_step, then every period_steps, n_pairings times.
SCHEDULED_CELL = """
g_e : 1  # targets of the feedforward synapse's on_pre
phi : 1
g_d : 1  # target of the feedback synapse's on_pre
first_step : integer (constant)
period_steps : integer (constant)
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
    # η for the protocol (None: the model's, or each rule's own). Small, so that 60 pairings stay inside the
    # weight bounds (the model's 0.04 would move a weight by 2.2 w_max); the window's shape does not depend on it.
    eta: float | None = 0.002

    def validate(self, params: ModelParams) -> "PairingProtocol":
        check_finite(self)
        dt = float(params.presentation.dt / ms)
        lags = np.asarray(self.lags_ms, dtype=float)
        if lags.size == 0:
            raise ProtocolError("no lags to pair at")
        if len(np.unique(lags)) != lags.size:
            raise ProtocolError(f"the lags {list(self.lags_ms)} repeat a value: each lag is paired once")
        if self.n_pairings <= 0 or self.frequency_hz <= 0:
            raise ProtocolError(f"n_pairings and frequency must be positive, got {self.n_pairings}, "
                                f"{self.frequency_hz}")
        _check_lags(lags, dt)
        period = 1000.0 / self.frequency_hz
        if self.offset_ms + lags.min() < 0 or self.offset_ms + lags.max() >= period or self.offset_ms >= period:
            raise ProtocolError(f"visible spike at {self.offset_ms} ms and hidden spikes at lags {lags.min()}.."
                                f"{lags.max()} ms must fall inside the {period:g} ms pairing period")
        # each pairing is one presentation: its spikes must also reach the synapses within it
        latest = self.offset_ms + max(lags.max(), 0) + max(
            float(max(where.axonal_delay, where.backprop_delay) / ms)
            for where in (placement(params, p) for p in ("feedforward", "feedback")))
        if latest >= period:
            raise ProtocolError(f"the last spike of a pairing reaches its synapse {latest:g} ms into the {period:g} ms "
                                f"pairing period, after it ends: pair at a lower frequency or an earlier offset")
        return self

    def schedule(self) -> "Schedule":
        """One cell pair per lag; each pairing period counts as a presentation (traces do not carry over)."""
        lags = np.asarray(self.lags_ms, dtype=float)
        period = 1000.0 / self.frequency_hz
        return Schedule(np.full(len(lags), self.offset_ms), lags, np.full(len(lags), period), self.n_pairings,
                        reset_ms=period)


@dataclass(frozen=True)
class FrequencyProtocol:
    """Pairings at several frequencies, both orders (Sjöström, Turrigiano & Nelson 2001): a rule's frequency
    dependence. Traces carry over from pairing to pairing (no presentation resets)."""

    frequencies_hz: tuple = (0.1, 10.0, 20.0, 40.0, 50.0)  # Sjöström et al. 2001
    lags_ms: tuple = (10.0, -10.0)  # Δ = t_hidden − t_visible: +10 ms pre→post on W, −10 ms post→pre
    n_pairings: int = 60  # Pfister & Gerstner's simulation of the protocol
    eta: float | None = None  # the rule's own (None) or this
    # the weight bound for the protocol (weights start at half of it): high enough that no change reaches it
    w_max: float = 4.0
    offset_ms: float = 100.0  # the first visible spike

    def validate(self, params: ModelParams) -> "FrequencyProtocol":
        check_finite(self)
        frequencies = np.asarray(self.frequencies_hz, dtype=float)
        if frequencies.size == 0 or np.any(frequencies <= 0) or self.n_pairings <= 0 or self.w_max <= 0:
            raise ProtocolError(f"frequencies, n_pairings and w_max must be positive, got {self.frequencies_hz}, "
                                f"{self.n_pairings}, {self.w_max}")
        lags = np.asarray(self.lags_ms, dtype=float)
        if lags.size == 0 or self.offset_ms + lags.min() < 0:
            raise ProtocolError(f"lags {self.lags_ms} ms must keep the first hidden spike after t = 0 "
                                f"(offset {self.offset_ms} ms)")
        _check_lags(lags, float(params.presentation.dt / ms))
        periods = 1000.0 / frequencies
        _check_lags(periods, float(params.presentation.dt / ms), "pairing periods")
        return self

    def schedule(self) -> "Schedule":
        frequency, lag = (a.ravel() for a in np.meshgrid(np.asarray(self.frequencies_hz, dtype=float),
                                                         np.asarray(self.lags_ms, dtype=float), indexing="ij"))
        return Schedule(np.full(len(lag), self.offset_ms), lag, 1000.0 / frequency, self.n_pairings, reset_ms=None)


def check_finite(protocol) -> None:
    """Refuse a protocol (a dataclass of numbers and tuples of them) with an infinite or NaN value."""
    for f in fields(protocol):
        value = getattr(protocol, f.name)
        if value is not None and not np.all(np.isfinite(np.asarray(value, dtype=float))):
            raise ProtocolError(f"{f.name} = {value} must be finite")


def _check_lags(values, dt, what="lags"):
    steps = np.asarray(values) / dt
    if np.any(np.abs(steps - np.round(steps)) > 1e-6):
        raise ProtocolError(f"{what} must be multiples of dt = {dt} ms, got {tuple(np.asarray(values).tolist())}")


@dataclass(frozen=True)
class Schedule:
    """Cell pairs that fire on schedule: visible at ``first_ms`` + k period, hidden ``lag_ms`` later."""

    first_ms: np.ndarray
    lag_ms: np.ndarray
    period_ms: np.ndarray
    n_pairings: int
    reset_ms: float | None  # the synapses drop their traces at each multiple of this (None: never)

    @property
    def duration_ms(self) -> float:
        return float(np.max(self.first_ms + np.maximum(self.lag_ms, 0) + self.n_pairings * self.period_ms))

    def arrivals(self, params: ModelParams, pathway: str, k: int) -> tuple:
        """(presynaptic, postsynaptic) spike arrival times (s) at cell pair ``k``'s ``pathway`` synapse."""
        where = placement(params, pathway)
        visible = (self.first_ms[k] + np.arange(self.n_pairings) * self.period_ms[k]) * 1e-3
        hidden = visible + self.lag_ms[k] * 1e-3
        pre, post = (visible, hidden) if pathway == "feedforward" else (hidden, visible)
        return pre + float(where.axonal_delay), post + float(where.backprop_delay)


def with_protocol_eta(params: ModelParams, eta: float | None) -> ModelParams:
    """``params`` with learning rate ``eta`` for the protocol: the mirrored rule's η and each other rule's."""
    if eta is None:
        return params
    rules = {p: params.rule(p).with_values(eta=eta).spec() for p in ("feedforward", "feedback")
             if params.rule(p) is not None}
    return params.with_overrides(plasticity={"eta": eta}, rules=rules)


def configured_change(params: ModelParams, pathway: str, schedule: Schedule) -> np.ndarray:
    """The change each cell pair's ``pathway`` synapse gets by its rule's equations (no Brian2): the rule's
    event-by-event reference (:meth:`brianmodel.rules.Rule.change`)."""
    pl = params.plasticity
    maximum = pl.w_max if pathway == "feedforward" else pl.q_max
    rule = pathway_rule(params, pathway)
    bap = placement(params, pathway).bap
    reset = None if schedule.reset_ms is None else schedule.reset_ms * 1e-3
    return np.array([rule.change(*schedule.arrivals(params, pathway, k), w0=maximum / 2, w_max=maximum, bap=bap,
                                 period=reset) for k in range(len(schedule.lag_ms))])


def run_schedule(params: ModelParams, schedule: Schedule, device: str = "cpp", build_root: str | None = None,
                 name: str = "pairing", run: bool = True) -> dict | str:
    """Run the cell pairs of ``schedule`` on the model's synapses; {'feedforward_change', 'feedback_change'}
    (``run=False``: build only, return the build folder)."""
    pl = params.plasticity
    w0, q0 = pl.w_max / 2, pl.q_max / 2
    n = len(schedule.lag_ms)

    def make():
        dt = params.presentation.dt
        defaultclock.dt = dt  # every object on the defaultclock, as in the network
        ns = namespace(params)
        # traces dropped at each pairing period, or never (longer than the run)
        reset = schedule.reset_ms if schedule.reset_ms is not None else schedule.duration_ms + 1000.0
        ns.update(presentation_duration=reset * ms, n_pairings=schedule.n_pairings)
        steps = float(dt / ms)
        cell = _scheduled_cell(params)
        visible = NeuronGroup(n, cell, threshold=SCHEDULED_THRESHOLD, reset="", name="visible")
        hidden = NeuronGroup(n, cell, threshold=SCHEDULED_THRESHOLD, reset="", name="hidden")
        visible.first_step = np.round(schedule.first_ms / steps).astype(int)
        hidden.first_step = np.round((schedule.first_ms + schedule.lag_ms) / steps).astype(int)
        visible.period_steps = hidden.period_steps = np.round(schedule.period_ms / steps).astype(int)
        hidden.phi = 1.0
        # the model's rules, gains and delays (one copy)
        feedforward = feedforward_synapses(visible, hidden, params, values_table("feedforward", [params]),
                                           one_to_one=True)
        feedback = feedback_synapses(hidden, visible, params, values_table("feedback", [params]), one_to_one=True)
        feedforward.w, feedback.q = w0, q0
        network = Network(visible, hidden, feedforward, feedback, name=name)

        def read():
            return {"feedforward_change": np.asarray(feedforward.w[:]) - w0,
                    "feedback_change": np.asarray(feedback.q[:]) - q0}
        return network, ns, schedule.duration_ms * ms, read

    key = json.dumps({"params": params.to_dict(), "schedule": {k: np.asarray(v).tolist() if isinstance(v, np.ndarray)
                                                               else v for k, v in schedule.__dict__.items()}},
                     sort_keys=True, default=str)
    return run_once(make, device=device, name=name, key=hashlib.sha1(key.encode()).hexdigest(),
                    sources=SOURCES, build_root=build_root, run=run)


def _run(params, protocol, device, build_root, name, run=True):
    params.validate()
    for pathway in ("feedforward", "feedback"):
        if isinstance(params.rule(pathway), Modulated):
            raise ParameterError(f"rules.{pathway} = {getattr(params.rules, pathway)!r} is a three-factor rule: it "
                                 f"needs a modulator signal, which only the modulation protocol drives "
                                 f"(brianmodel.protocols.modulation)")
    protocol.validate(params)
    params = with_protocol_eta(params, protocol.eta)
    schedule = protocol.schedule()
    configured = {p: configured_change(params, p, schedule) for p in ("feedforward", "feedback")}
    pl = params.plasticity
    # a change that reaches a bound (the reference clips too) says little about the rule
    expected = max(np.abs(configured[p]).max() for p in configured)
    if expected >= 0.999 * min(pl.w_max, pl.q_max) / 2:
        raise ProtocolError(f"the protocol would change weights by up to {expected:.3g}, to the bounds from "
                            f"w_max/2 = {min(pl.w_max, pl.q_max) / 2:g}: lower eta or the number of pairings")
    result = run_schedule(params, schedule, device, build_root, name, run)
    if not run:
        return {"build_dir": result}
    return {"lag_ms": schedule.lag_ms, "eta": protocol.eta, "params": params,
            **result, **{f"{p}_configured": configured[p] for p in configured}}


def run_pairing(params: ModelParams, protocol: PairingProtocol = PairingProtocol(), device: str = "cpp",
                build_root: str | None = None, run: bool = True) -> dict:
    """Run the protocol; {'lag_ms', 'feedforward_change', 'feedback_change', and each '*_configured'} (one
    value per lag), 'eta' (the learning rate it ran with; None: the rules' own) and 'params' (as run).
    ``run=False``: build it only (for a GPU machine), {'build_dir'}."""
    return _run(params, protocol, device, build_root, "pairing", run)


def run_frequency(params: ModelParams, protocol: FrequencyProtocol = FrequencyProtocol(), device: str = "cpp",
                  build_root: str | None = None) -> dict:
    """Run the frequency protocol: as :func:`run_pairing`, plus 'frequency_hz', one value per
    (frequency, lag) cell pair, frequency-major."""
    params = params.with_overrides(plasticity={"w_max": protocol.w_max, "q_max": protocol.w_max})
    result = _run(params, protocol, device, build_root, "frequency")
    frequency = np.repeat(np.asarray(protocol.frequencies_hz, dtype=float), len(protocol.lags_ms))
    return {**result, "frequency_hz": frequency}


def save_pairing(out: str, params: ModelParams, protocol, result: dict, device: str) -> ResultsFolder:
    """Write ``out``/params.json and ``out``/pairing.csv (measured and configured change per lag; and
    per frequency for the frequency protocol).

    params.json also records where each pathway sits and which rule it
    follows, so that a figure reads them without the model.
    """
    frequency = "frequency_hz" in result
    columns = (("frequency_hz",) if frequency else ()) + PAIRING_COLUMNS
    rows = [{**({"frequency_hz": f"{result['frequency_hz'][k]:g}"} if frequency else {}), "lag_ms": f"{lag:g}",
             **{f"{p}_{kind}": f"{result[f'{p}_{kind}'][k]:.9g}" for p in ("feedforward", "feedback")
                for kind in ("change", "configured")}}
            for k, lag in enumerate(result["lag_ms"])]
    used = result["params"]
    folder = ResultsFolder(out)
    with folder.writing("pairing protocol"):
        folder.write_text("pairing.csv", csv_text(columns, rows))
        folder.write_params({"model": params.to_dict(), "protocol": _protocol_dict(protocol), "device": device,
                             "protocol_kind": "frequency" if frequency else "window",
                             "eta_used": result["eta"],
                             "pathways": {p: _pathway_summary(used, p) for p in ("feedforward", "feedback")}})
    return folder


def _protocol_dict(protocol) -> dict:
    return {k: list(v) if isinstance(v, tuple) else v for k, v in dataclasses.asdict(protocol).items()}


def _pathway_summary(params: ModelParams, pathway: str) -> dict:
    where = placement(params, pathway)
    location = getattr(params.locations, pathway)
    return {"rule": pathway_rule(params, pathway).label(),
            "location_um": None if location is None else float(location / um),
            "axonal_delay_ms": float(where.axonal_delay / ms), "backprop_delay_ms": float(where.backprop_delay / ms),
            "bap": where.bap}
