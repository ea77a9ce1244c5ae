"""The modulation protocol: a pairing now, a modulator (reward) later, on a three-factor rule.

Each feedforward synapse of the model (with ``rules.feedforward`` a
``modulated-*`` rule, :mod:`brianmodel.rules.modulated`) joins a visible and a
hidden cell that fire once each: the visible cell at ``reward − delay``, the
hidden one ``lag`` later. A single modulator pulse (height ``level``, length
``reward_duration``) arrives at ``reward`` for all of them, so the synapses
differ in how long ago they were paired. Until the pulse no weight moves,
whatever the pairing; at the pulse each weight moves by the modulator × its
remaining eligibility, which decays with the rule's tau_eligibility. The
weights are recorded every millisecond; the change after the run is compared
with the rule's reference (:meth:`brianmodel.rules.Modulated.change`).
"""
from __future__ import annotations

import dataclasses
import hashlib
import json
from dataclasses import dataclass

import numpy as np
from brian2 import Network, NeuronGroup, StateMonitor, TimedArray, defaultclock, ms

from ..device import run_once
from ..errors import ProtocolError
from ..io import csv_text
from ..mstdp.model import SOURCES
from ..mstdp.network import feedforward_synapses, namespace, values_table
from ..mstdp.placement import placement
from ..params.mstdp import ModelParams
from ..results import ResultsFolder
from ..rules import MODULATION_STEP, MODULATOR, Modulated, Site
from .pairing import SCHEDULED_THRESHOLD, _scheduled_cell, check_finite

__all__ = ["ModulationProtocol", "run_modulation", "save_modulation", "MODULATION_COLUMNS"]

MODULATION_COLUMNS = ("delay_s", "lag_ms", "change", "configured", "change_before_reward")


@dataclass(frozen=True)
class ModulationProtocol:
    """When the pairings happen, relative to one modulator pulse."""

    delays_s: tuple = (0.1, 0.5, 1.0, 2.0, 3.0)  # pairing → modulator, one synapse each
    lag_ms: float = 10.0  # Δ = t_hidden − t_visible of each pairing (+: pre before post on W)
    reward_s: float = 3.5  # when the modulator arrives
    reward_duration_ms: float = 10.0
    level: float = 1.0  # the modulator's value during the pulse (0 otherwise)
    after_s: float = 0.5  # run on after the pulse
    step_ms: float = 1.0  # the modulator's and the consolidation's time step (and the weights' record)

    def validate(self, params: ModelParams) -> "ModulationProtocol":
        check_finite(self)
        if not isinstance(params.rule("feedforward"), Modulated):
            raise ProtocolError(f"the modulation protocol needs a three-factor rule on the feedforward pathway "
                                f"(--rule feedforward=modulated-NAME), got {params.rules.feedforward!r}")
        delays = np.asarray(self.delays_s, dtype=float)
        if delays.size == 0 or np.any(delays < 0) or np.any(self.reward_s - delays < 0):
            raise ProtocolError(f"pairings must come before the modulator at {self.reward_s} s, at delays "
                                f"{self.delays_s} s (non-negative)")
        if self.reward_s - delays.max() + min(self.lag_ms, 0) / 1000 < 0:
            raise ProtocolError("the earliest pairing's hidden spike would fall before t = 0")
        dt = float(params.presentation.dt / ms)
        if self.after_s < 0:
            raise ProtocolError(f"after_s = {self.after_s} must not be negative (the run must hold the whole pulse)")
        for delay in delays:
            if abs(delay * 1000 / dt - round(delay * 1000 / dt)) > 1e-6:
                raise ProtocolError(f"delays must be multiples of dt = {dt} ms, got {self.delays_s}")
        for what, value in (("step_ms", self.step_ms), ("lag_ms", self.lag_ms),
                            ("reward_duration_ms", self.reward_duration_ms), ("reward", self.reward_s * 1000)):
            if value < 0 or abs(value / dt - round(value / dt)) > 1e-6:
                raise ProtocolError(f"{what} = {value} must be a non-negative multiple of dt = {dt} ms")
        if self.step_ms <= 0 or self.reward_duration_ms < self.step_ms:
            raise ProtocolError("the modulator's step must be positive and no longer than the pulse")
        if abs(self.reward_s * 1000 / self.step_ms - round(self.reward_s * 1000 / self.step_ms)) > 1e-6:
            raise ProtocolError(f"the pulse must start on the modulator's step ({self.step_ms} ms)")
        return self

    @property
    def duration_ms(self) -> float:
        return (self.reward_s + self.after_s) * 1000 + self.reward_duration_ms

    def modulator(self) -> np.ndarray:
        """M on each step of the modulator's clock."""
        steps = int(round(self.duration_ms / self.step_ms)) + 1
        values = np.zeros(steps)
        start = int(round(self.reward_s * 1000 / self.step_ms))
        values[start:start + int(round(self.reward_duration_ms / self.step_ms))] = self.level
        return values

    def spikes_ms(self):
        """(visible, hidden) spike times (ms), one synapse each."""
        visible = self.reward_s * 1000 - np.asarray(self.delays_s, dtype=float) * 1000
        return visible, visible + self.lag_ms


def run_modulation(params: ModelParams, protocol: ModulationProtocol = ModulationProtocol(), device: str = "cpp",
                   build_root: str | None = None) -> dict:
    """Run the protocol; {'delay_s', 'change', 'configured', 'change_before_reward', 't_ms', 'w'
    (synapses × record steps)}."""
    params.validate()
    protocol.validate(params)
    rule = params.rule("feedforward")
    w0 = params.plasticity.w_max / 2
    visible_ms, hidden_ms = protocol.spikes_ms()
    modulator = protocol.modulator()
    n = len(visible_ms)

    def make():
        dt = params.presentation.dt
        defaultclock.dt = dt
        steps = float(dt / ms)
        ns = namespace(params)
        # one spike per cell; traces never dropped (no presentations here)
        ns.update(presentation_duration=(protocol.duration_ms + 1000) * ms, n_pairings=1,
                  **{MODULATOR: TimedArray(modulator, dt=protocol.step_ms * ms),
                     MODULATION_STEP: protocol.step_ms * ms})
        cell = _scheduled_cell(params)
        visible = NeuronGroup(n, cell, threshold=SCHEDULED_THRESHOLD, reset="", name="visible")
        hidden = NeuronGroup(n, cell, threshold=SCHEDULED_THRESHOLD, reset="", name="hidden")
        visible.first_step = np.round(visible_ms / steps).astype(int)
        hidden.first_step = np.round(hidden_ms / steps).astype(int)
        visible.period_steps = hidden.period_steps = 1
        hidden.phi = 1.0
        synapses = feedforward_synapses(visible, hidden, params, values_table("feedforward", [params]),
                                        one_to_one=True, modulated=True)
        synapses.w = w0
        consolidation = synapses.run_regularly(rule.consolidation(Site("w", "w_max")), dt=protocol.step_ms * ms,
                                               when="start", name="consolidation")
        record = StateMonitor(synapses, "w", record=np.arange(n), dt=protocol.step_ms * ms, name="weights")
        network = Network(visible, hidden, synapses, consolidation, record, name="modulation")

        def read():
            return {"t_ms": np.asarray(record.t / ms), "w": np.asarray(record.w).copy()}
        return network, ns, protocol.duration_ms * ms, read

    key = json.dumps({"params": params.to_dict(), "protocol": dataclasses.asdict(protocol)}, sort_keys=True,
                     default=str)
    result = run_once(make, device=device, name="modulation", key=hashlib.sha1(key.encode()).hexdigest(),
                      sources=SOURCES, build_root=build_root)
    where = placement(params, "feedforward")
    configured = np.array([rule.change([visible_ms[k] / 1000 + float(where.axonal_delay)],
                                       [hidden_ms[k] / 1000 + float(where.backprop_delay)], w0=w0,
                                       w_max=params.plasticity.w_max, bap=where.bap, modulator=modulator,
                                       modulation_dt=protocol.step_ms / 1000) for k in range(n)])
    before = result["t_ms"] < protocol.reward_s * 1000
    return {"delay_s": np.asarray(protocol.delays_s, dtype=float), "lag_ms": np.full(n, protocol.lag_ms),
            "change": result["w"][:, -1] - w0, "configured": configured,
            "change_before_reward": np.abs(result["w"][:, before] - w0).max(axis=1), **result}


def save_modulation(out: str, params: ModelParams, protocol: ModulationProtocol, result: dict,
                    device: str) -> ResultsFolder:
    """Write ``out``/modulation.csv (per synapse), weights.npz (w against t) and params.json."""
    rows = [{column: f"{result[column][k]:.9g}" for column in MODULATION_COLUMNS}
            for k in range(len(result["delay_s"]))]
    folder = ResultsFolder(out)
    with folder.writing("modulation protocol"):
        folder.write_text("modulation.csv", csv_text(MODULATION_COLUMNS, rows))
        folder.save_arrays("weights", {"t_ms": result["t_ms"], "w": result["w"], "delay_s": result["delay_s"]})
        folder.write_params({"model": params.to_dict(), "protocol": dataclasses.asdict(protocol), "device": device,
                             "rule": params.rule("feedforward").spec(),
                             "tau_eligibility_s": float(params.rule("feedforward").tau_eligibility)})
    return folder

