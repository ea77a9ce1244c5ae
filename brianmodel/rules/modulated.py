"""Three-factor (neuromodulated) forms of any rule: eligibility × modulator (Izhikevich 2007; Frémaux &
Gerstner 2016).

The underlying rule's weight change does not reach the weight: it adds to an
eligibility trace, which decays with tau_eligibility; the weight follows a
modulator signal M(t) (dopamine, reward, surprise: whatever the protocol
drives) times the eligibility::

    de/dt = −e/tau_eligibility + Σ (the rule's change at each spike)
    dw/dt = M(t) e / tau_modulation

so nothing changes while M = 0, however the spikes pair, and a modulator
that arrives a second after a pairing still acts on the synapse whose
eligibility remains. The host integrates dw/dt on a clock of its choosing
(:meth:`Modulated.consolidation`, every ``modulation_step``), reading M
from a TimedArray named ``modulator`` (dimensionless) that it provides.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import ClassVar

import numpy as np
from brian2 import Quantity, ms, second

from ..parameters import field
from .base import Rule, Site, events

__all__ = ["Modulated", "modulated", "MODULATOR", "MODULATION_STEP"]

MODULATOR = "modulator"  # the TimedArray the host provides
MODULATION_STEP = "modulation_step"  # the consolidation clock's step, a constant the host provides


class _EligibilitySite(Site):
    """A site whose weight changes go to the eligibility trace instead."""

    def assign(self, new: str) -> str:
        return f"elig += ({new}) - {self.weight}"


class Modulated:
    """Mixin of a three-factor rule; :func:`modulated` makes one of any rule class."""

    base: ClassVar[type]

    def model(self, site: Site) -> str:
        return super().model(site) + "delig/dt = -elig/tau_eligibility : 1 (event-driven)  # eligibility\n"

    def _inner(self, site: Site) -> Site:
        return _EligibilitySite(site.weight, site.maximum, site.bap, None)

    def on_pre(self, site: Site) -> str:
        return super().on_pre(self._inner(site))

    def on_post(self, site: Site) -> str:
        return super().on_post(self._inner(site))

    def consolidation(self, site: Site) -> str:
        """run_regularly code: one step of dw/dt = M e / tau_modulation on the operation's clock."""
        eligibility = "elig * exp(-(t - lastupdate) / tau_eligibility)"  # e decayed since the last spike
        return site.assign(f"{site.weight} + {MODULATOR}(t) * {eligibility} * {MODULATION_STEP} / tau_modulation")

    def decays(self) -> dict:
        return {**super().decays(), "elig": float(self.tau_eligibility)}

    def change(self, pre_times, post_times, w0=0.5, w_max=1.0, bap=1.0, period=None, modulator=None,
               modulation_dt: float = 1e-3) -> float:
        """Weight change for spikes and a modulator M(t) = ``modulator[k]`` on [k dt, (k+1) dt) (None: 0),
        consolidated at the start of each step as the host does (before that step's spikes)."""
        modulator = np.zeros(0) if modulator is None else np.asarray(modulator, dtype=float)
        return super().change(pre_times, post_times, w0, w_max, bap, period, modulator=modulator,
                              modulation_dt=modulation_dt)

    def _timeline(self, pre_times, post_times, modulator, modulation_dt):
        ticks = np.flatnonzero(modulator) * modulation_dt  # (where M = 0 a tick changes nothing)
        arrivals = events(pre_times, post_times)
        times = np.concatenate([ticks, arrivals.times])
        kinds = np.concatenate([-np.ones(len(ticks), int), arrivals.kinds])
        order = np.lexsort((kinds, times))
        return zip(times[order].tolist(), kinds[order].tolist())

    def _tick(self, state, w, w_max, t, last, modulator, modulation_dt):
        if last is None:
            return w
        e = state["elig"] * math.exp(-(t - last) / float(self.tau_eligibility))
        m = modulator[int(round(t / modulation_dt))]
        return min(max(w + m * e * modulation_dt / float(self.tau_modulation), 0.0), w_max)

    def _spike(self, state, w, w_max, bap, kind):
        # the rule's change, unclipped, goes to the eligibility trace; the weight waits for the modulator
        after = self._post(state, w, w_max, bap) if kind else self._pre(state, w, w_max)
        state["elig"] += after - w
        return w


def modulated(rule: type[Rule]) -> type[Rule]:
    """The three-factor rule class ``modulated-NAME`` of a rule class."""
    namespace = {
        "__doc__": f"{rule.__name__} as a three-factor rule: its changes become eligibility "
                   f"(see :mod:`brianmodel.rules.modulated`).",
        "__annotations__": {"tau_eligibility": Quantity, "tau_modulation": Quantity},
        "name": f"modulated-{rule.name}", "base": rule, "persistent": rule.persistent + ("elig",),
        "tau_eligibility": field(1 * second, ms, positive=True),  # Izhikevich 2007: 1 s
        "tau_modulation": field(10 * ms, ms, positive=True),  # ours: M = 1 for 10 ms turns e into Δw = e
    }
    namespace["__annotations__"]["name"] = ClassVar[str]
    namespace["__annotations__"]["base"] = ClassVar[type]
    namespace["__annotations__"]["persistent"] = ClassVar[tuple]
    cls = type(f"Modulated{rule.__name__}", (Modulated, rule), namespace)
    return dataclass(frozen=True)(cls)

