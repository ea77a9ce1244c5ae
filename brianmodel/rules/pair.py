"""Pair rules: STDP (additive and soft-bounded), its time reversal aSTDP, and sym-STDP.

Each pair of a presynaptic spike at t_pre and a postsynaptic one at t_post
changes the weight by η F(Δ), Δ = t_post − t_pre, through two traces:
``apre`` (+1 per presynaptic spike) and ``apost`` (+bap per postsynaptic
spike), each read by the other side's spikes.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np
from brian2 import Quantity, ms

from ..parameters import field
from .base import Rule, Site

__all__ = ["STDP", "SoftSTDP", "ASTDP", "SoftASTDP", "SymSTDP", "ISTDP", "Pair"]

PAIR_MODEL = """
dapre/dt = -apre/{tau_pre} : 1 (event-driven)  # presynaptic trace
dapost/dt = -apost/{tau_post} : 1 (event-driven)  # postsynaptic trace
"""


@dataclass(frozen=True)
class STDP(Rule):
    """Additive pair STDP with hard bounds (Song, Miller & Abbott 2000)::

        F(Δ) = A_plus exp(−Δ/tau_plus)      Δ ≥ 0   (pre before post: LTP)
        F(Δ) = −A_minus exp(Δ/tau_minus)    Δ < 0

    on_pre: ``apre += 1; w ← clip(w − η A_minus apost)``; on_post:
    ``apost += bap; w ← clip(w + η A_plus bap apre)``; apre decays with
    tau_plus, apost with tau_minus. Defaults: the mSTDP network's window.
    """

    name: ClassVar[str] = "stdp"
    traces: ClassVar[tuple] = ("apre", "apost")
    reversed: ClassVar[bool] = False  # aSTDP: the same window against −Δ

    eta: float = field(0.04, None, nonnegative=True)
    A_plus: float = field(1.0, None, nonnegative=True)
    A_minus: float = field(1.0, None, nonnegative=True)
    tau_plus: Quantity = field(10 * ms, ms, positive=True)
    tau_minus: Quantity = field(10 * ms, ms, positive=True)

    def _lobe(self, side: str) -> tuple:
        """(sign, amplitude, τ of the other side's trace) of the change ``side``'s spikes trigger."""
        ltd = (side == "pre") != self.reversed
        return ("-", "A_minus", "tau_minus") if ltd else ("+", "A_plus", "tau_plus")

    def model(self, site: Site) -> str:
        # each trace is read by the other side's spikes, so it decays with their lobe's τ
        return PAIR_MODEL.format(tau_pre=self._lobe("post")[2], tau_post=self._lobe("pre")[2])

    def on_pre(self, site: Site) -> str:
        return "apre += 1\n" + site.assign(self._update("pre", "eta * {} * apost", site))

    def on_post(self, site: Site) -> str:
        return f"apost += {site.bap or 1}\n" + site.assign(self._update("post", site.post("eta * {} * apre"), site))

    def _update(self, side, change, site):
        sign, amplitude, _ = self._lobe(side)
        return f"{site.weight} {sign} {self._room(change.format(amplitude), sign, site.weight, site.maximum)}"

    @staticmethod
    def _room(change, sign, w, w_max):
        """Additive: the change as it is (soft bounds scale it by the room left)."""
        return change

    def decays(self) -> dict:
        return {"apre": float(getattr(self, self._lobe("post")[2])),
                "apost": float(getattr(self, self._lobe("pre")[2]))}

    def _pre(self, state, w, w_max):
        state["apre"] += 1
        return self._apply("pre", self.eta * state["apost"], w, w_max)

    def _post(self, state, w, w_max, bap):
        state["apost"] += bap
        return self._apply("post", bap * self.eta * state["apre"], w, w_max)

    def _apply(self, side, change, w, w_max):
        sign, amplitude, _ = self._lobe(side)
        change = self._room_value(change * getattr(self, amplitude), sign, w, w_max)
        return w - change if sign == "-" else w + change

    @staticmethod
    def _room_value(change, sign, w, w_max):
        return change

    def window(self, lags_ms, n_pairings: int = 1, bap: float = 1.0) -> np.ndarray:
        """n_pairings η F(Δ) at lags Δ = t_post − t_pre (ms) of isolated pairs (additive rules)."""
        lags = np.asarray(lags_ms, dtype=float) * (-1 if self.reversed else 1)
        plus, minus = float(self.tau_plus / ms), float(self.tau_minus / ms)
        # Δ = 0: pre first, so the post-triggered lobe decides (LTP for STDP, LTD for aSTDP)
        ltp = (lags > 0) | ((lags == 0) & (not self.reversed))
        f = np.where(ltp, self.A_plus * np.exp(-np.abs(lags) / plus), -self.A_minus * np.exp(-np.abs(lags) / minus))
        return n_pairings * self.eta * bap * f


@dataclass(frozen=True)
class SoftSTDP(STDP):
    """Multiplicative (soft-bounded) pair STDP (van Rossum, Bi & Turrigiano 2000; Gütig et al. 2003, μ = 1)::

        LTP: Δw = η A_plus exp(−Δ/tau_plus) (w_max − w)      LTD: Δw = −η A_minus exp(Δ/tau_minus) w

    The same traces as :class:`STDP`; each change is scaled by the room left
    towards the bound it moves to, so weights approach 0 and w_max without
    reaching them and settle where potentiation and depression balance.
    """

    name: ClassVar[str] = "stdp-soft"

    @staticmethod
    def _room(change, sign, w, w_max):
        return f"{change} * {w}" if sign == "-" else f"{change} * ({w_max} - {w})"

    @staticmethod
    def _room_value(change, sign, w, w_max):
        return change * (w if sign == "-" else w_max - w)


@dataclass(frozen=True)
class ASTDP(STDP):
    """Anti-STDP, the time-reversed window (the mSTDP network's feedback rule)::

        F(Δ) = −A_minus exp(−Δ/tau_minus)   Δ ≥ 0   (pre before post: LTD)
        F(Δ) = A_plus exp(Δ/tau_plus)       Δ < 0

    on_pre: ``apre += 1; w ← clip(w + η A_plus apost)``; on_post:
    ``apost += bap; w ← clip(w − η A_minus bap apre)``.
    """

    name: ClassVar[str] = "astdp"
    reversed: ClassVar[bool] = True


@dataclass(frozen=True)
class SoftASTDP(SoftSTDP):
    """Soft-bounded aSTDP: :class:`ASTDP`'s window with :class:`SoftSTDP`'s weight dependence."""

    name: ClassVar[str] = "astdp-soft"
    reversed: ClassVar[bool] = True


@dataclass(frozen=True)
class SymSTDP(Rule):
    """Symmetric STDP (Hao, Huang, Dong & Xu 2020): either order potentiates::

        F(Δ) = trace_increment exp(−|Δ|/tau_trace)

    on_pre: ``w ← clip(w + η apost); apre += trace_increment``; on_post:
    ``w ← clip(w + η bap apre); apost += bap trace_increment`` (each change
    reads the other side's trace before this spike adds to its own). The
    sym-STDP network's rule (:mod:`brianmodel.symstdp`), whose parameters
    (η, the trace's size and τ) it holds itself; the defaults are Hao's.
    """

    name: ClassVar[str] = "symstdp"
    traces: ClassVar[tuple] = ("apre", "apost")

    eta: float = field(0.005, None, nonnegative=True)  # Hao: input -> excitatory
    trace_increment: float = field(0.1, None, positive=True)  # Hao
    tau_trace: Quantity = field(20 * ms, ms, positive=True)  # Hao

    def model(self, site):
        return PAIR_MODEL.format(tau_pre="tau_trace", tau_post="tau_trace")

    def on_pre(self, site):
        return site.assign(f"{site.weight} + eta * apost") + "\napre += trace_increment"

    def on_post(self, site):
        return site.assign(f"{site.weight} + {site.post('eta * apre')}") + \
            f"\napost += {site.post('trace_increment')}"

    def decays(self):
        return {"apre": float(self.tau_trace), "apost": float(self.tau_trace)}

    def _pre(self, state, w, w_max):
        w = w + self.eta * state["apost"]
        state["apre"] += self.trace_increment
        return w

    def _post(self, state, w, w_max, bap):
        w = w + bap * self.eta * state["apre"]
        state["apost"] += bap * self.trace_increment
        return w

    def window(self, lags_ms, n_pairings: int = 1, bap: float = 1.0) -> np.ndarray:
        lags = np.asarray(lags_ms, dtype=float)
        return n_pairings * self.eta * bap * self.trace_increment * np.exp(-np.abs(lags) / float(self.tau_trace / ms))



@dataclass(frozen=True)
class ISTDP(Rule):
    """Inhibitory STDP (Vogels, Sprekeler, Zenke, Clopath & Gerstner 2011, Science 334: 1569): a symmetric
    window, and depression by every presynaptic spike::

        F(Δ) = exp(−|Δ|/tau_trace) − alpha       for each pair; −alpha for a presynaptic spike alone

    on_pre: ``w ← clip(w + η (apost − alpha)); apre += 1``; on_post: ``w ←
    clip(w + η bap apre); apost += bap``. On an inhibitory synapse, cells that
    fire together inhibit each other more, and a presynaptic spike that no
    postsynaptic one follows within ~tau_trace weakens the inhibition: the
    synapse settles where the postsynaptic cell fires with the presynaptic
    one in a fraction ≈ alpha of its spikes (Vogels' rate target 2 ρ₀ τ). It
    is the anti-Hebbian decorrelation of Földiák (1990) and SAILnet
    (Zylberberg et al. 2011) in spike timing; NEST's ``vogels_sprekeler_synapse``.
    Defaults: τ 20 ms as Vogels; η and α ours (docs/lateral.md).
    """

    name: ClassVar[str] = "istdp"
    traces: ClassVar[tuple] = ("apre", "apost")

    eta: float = field(0.01, None, nonnegative=True)
    alpha: float = field(0.1, None, nonnegative=True)  # depression per presynaptic spike, in units of a pair's peak
    tau_trace: Quantity = field(20 * ms, ms, positive=True)

    def model(self, site):
        return PAIR_MODEL.format(tau_pre="tau_trace", tau_post="tau_trace")

    def on_pre(self, site):
        return site.assign(f"{site.weight} + eta * (apost - alpha)") + "\napre += 1"

    def on_post(self, site):
        return site.assign(f"{site.weight} + {site.post('eta * apre')}") + f"\napost += {site.bap or 1}"

    def decays(self):
        return {"apre": float(self.tau_trace), "apost": float(self.tau_trace)}

    def _pre(self, state, w, w_max):
        w = w + self.eta * (state["apost"] - self.alpha)
        state["apre"] += 1
        return w

    def _post(self, state, w, w_max, bap):
        w = w + bap * self.eta * state["apre"]
        state["apost"] += bap
        return w

    def window(self, lags_ms, n_pairings: int = 1, bap: float = 1.0) -> np.ndarray:
        """n_pairings Δw of isolated pairs (away from the bounds): the pair's lobe and the presynaptic spike's α."""
        lags = np.asarray(lags_ms, dtype=float)
        return n_pairings * self.eta * (bap * np.exp(-np.abs(lags) / float(self.tau_trace / ms)) - self.alpha)


@dataclass(frozen=True)
class Pair(Rule):
    """The general pair window, each lobe's sign, amplitude and time constant free (the rule search's family)::

        F(Δ) = a_plus exp(−Δ/tau_plus)      Δ ≥ 0   (pre before post; the post-triggered lobe)
        F(Δ) = a_minus exp(Δ/tau_minus)     Δ < 0   (post before pre; the pre-triggered lobe)

    on_pre: ``apre += 1; w ← clip(w + η a_minus apost)``; on_post: ``apost +=
    bap; w ← clip(w + η bap a_plus apre)``. STDP is a_plus = A_plus,
    a_minus = −A_minus; aSTDP a_plus = −A_minus, a_minus = A_plus (with the
    time constants swapped); sym-STDP both positive.
    """

    name: ClassVar[str] = "pair"
    traces: ClassVar[tuple] = ("apre", "apost")

    eta: float = field(1.0, None, nonnegative=True)
    a_plus: float = field(0.04, None)  # signed
    a_minus: float = field(-0.04, None)  # signed
    tau_plus: Quantity = field(10 * ms, ms, positive=True)
    tau_minus: Quantity = field(10 * ms, ms, positive=True)

    def model(self, site: Site) -> str:
        return PAIR_MODEL.format(tau_pre="tau_plus", tau_post="tau_minus")

    def on_pre(self, site: Site) -> str:
        return "apre += 1\n" + site.assign(f"{site.weight} + eta * a_minus * apost")

    def on_post(self, site: Site) -> str:
        return f"apost += {site.bap or 1}\n" + site.assign(f"{site.weight} + {site.post('eta * a_plus * apre')}")

    def decays(self) -> dict:
        return {"apre": float(self.tau_plus), "apost": float(self.tau_minus)}

    def _pre(self, state, w, w_max):
        state["apre"] += 1
        return w + self.eta * self.a_minus * state["apost"]

    def _post(self, state, w, w_max, bap):
        state["apost"] += bap
        return w + bap * self.eta * self.a_plus * state["apre"]

    def window(self, lags_ms, n_pairings: int = 1, bap: float = 1.0) -> np.ndarray:
        lags = np.asarray(lags_ms, dtype=float)
        f = np.where(lags >= 0, self.a_plus * np.exp(-np.abs(lags) / float(self.tau_plus / ms)),
                     self.a_minus * np.exp(-np.abs(lags) / float(self.tau_minus / ms)))
        return n_pairings * self.eta * bap * f
