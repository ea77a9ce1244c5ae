"""Triplet STDP (Pfister & Gerstner 2006), in its all-to-all and nearest-spike forms.

Two presynaptic traces r1 (τ₊), r2 (τx) and two postsynaptic ones o1 (τ₋),
o2 (τy). On a presynaptic spike the weight is depressed by the pair term and
by a triplet term that grows with the recent presynaptic activity (r2); on a
postsynaptic spike it is potentiated by the pair term and by a triplet term
that grows with the recent postsynaptic activity before this spike::

    pre:   w ← w − η o1 (A2_minus + A3_minus r2);   then r1, r2 += 1
    post:  w ← w + η bap r1 (A2_plus + A3_plus o2); then o1, o2 += bap

(r2 and o2 are read before the spike adds to them: Pfister & Gerstner's
t − ε.) The nearest-spike form sets a trace to its increment instead of
adding (``r1 = 1``): each spike interacts only with the nearest one of the
other side. Pairing at low frequency is pair STDP; at high frequency the
triplet terms potentiate whatever the order: the frequency dependence of
Sjöström, Turrigiano & Nelson (2001), to which Pfister & Gerstner fitted the
parameter sets here (``VISUAL_CORTEX``, their Table 3 "visual cortex",
full model).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from brian2 import Quantity, ms

from ..parameters import field
from .base import Rule, Site

__all__ = ["Triplet", "NearestTriplet", "VISUAL_CORTEX"]

TRIPLET_MODEL = """
dr1/dt = -r1/tau_plus : 1 (event-driven)  # presynaptic, fast
dr2/dt = -r2/tau_x : 1 (event-driven)  # presynaptic, slow
do1/dt = -o1/tau_minus : 1 (event-driven)  # postsynaptic, fast
do2/dt = -o2/tau_y : 1 (event-driven)  # postsynaptic, slow
"""


@dataclass(frozen=True)
class Triplet(Rule):
    """All-to-all triplet STDP; defaults: Pfister & Gerstner's visual-cortex fit (all-to-all, full model)."""

    name: ClassVar[str] = "triplet"
    traces: ClassVar[tuple] = ("r1", "r2", "o1", "o2")
    nearest: ClassVar[bool] = False

    eta: float = field(1.0, None, nonnegative=True)  # ours: the published amplitudes as they are
    A2_plus: float = field(5e-10, None, nonnegative=True)  # Pfister & Gerstner 2006
    A3_plus: float = field(6.2e-3, None, nonnegative=True)
    A2_minus: float = field(7e-3, None, nonnegative=True)
    A3_minus: float = field(2.3e-4, None, nonnegative=True)
    tau_plus: Quantity = field(16.8 * ms, ms, positive=True)
    tau_minus: Quantity = field(33.7 * ms, ms, positive=True)
    tau_x: Quantity = field(101 * ms, ms, positive=True)
    tau_y: Quantity = field(125 * ms, ms, positive=True)

    def model(self, site: Site) -> str:
        return TRIPLET_MODEL

    def _add(self, trace, increment):
        return f"{trace} = {increment}" if self.nearest else f"{trace} += {increment}"

    def on_pre(self, site: Site) -> str:
        return "\n".join([site.assign(f"{site.weight} - eta * o1 * (A2_minus + A3_minus * r2)"),
                          self._add("r1", 1), self._add("r2", 1)])

    def on_post(self, site: Site) -> str:
        bap = site.bap or 1
        return "\n".join([site.assign(f"{site.weight} + {site.post('eta * r1 * (A2_plus + A3_plus * o2)')}"),
                          self._add("o1", bap), self._add("o2", bap)])

    def decays(self) -> dict:
        return {"r1": float(self.tau_plus), "r2": float(self.tau_x), "o1": float(self.tau_minus),
                "o2": float(self.tau_y)}

    def _bump(self, state, trace, increment):
        state[trace] = increment if self.nearest else state[trace] + increment

    def _pre(self, state, w, w_max):
        w = w - self.eta * state["o1"] * (self.A2_minus + self.A3_minus * state["r2"])
        self._bump(state, "r1", 1.0)
        self._bump(state, "r2", 1.0)
        return w

    def _post(self, state, w, w_max, bap):
        w = w + bap * self.eta * state["r1"] * (self.A2_plus + self.A3_plus * state["o2"])
        self._bump(state, "o1", bap)
        self._bump(state, "o2", bap)
        return w


@dataclass(frozen=True)
class NearestTriplet(Triplet):
    """Nearest-spike triplet STDP; defaults: Pfister & Gerstner's visual-cortex fit (nearest-spike, full)."""

    name: ClassVar[str] = "triplet-nearest"
    nearest: ClassVar[bool] = True

    A2_plus: float = field(8.8e-11, None, nonnegative=True)  # Pfister & Gerstner 2006
    A3_plus: float = field(5.3e-2, None, nonnegative=True)
    A2_minus: float = field(6.6e-3, None, nonnegative=True)
    A3_minus: float = field(3.1e-3, None, nonnegative=True)
    tau_x: Quantity = field(714 * ms, ms, positive=True)
    tau_y: Quantity = field(40 * ms, ms, positive=True)


# Pfister & Gerstner (2006), Table 3, visual cortex (fitted to Sjöström et al. 2001), full models;
# τ₊ = 16.8 ms and τ₋ = 33.7 ms in both.
VISUAL_CORTEX = {"all-to-all": Triplet(), "nearest-spike": NearestTriplet()}
