"""The paper's rule, ``mirrored``, as a rule of the library, and the rule of each plastic pathway.

Burbank (2015) trains W by STDP and Q by aSTDP, the time-reversed window,
with one window F (``params.plasticity``: η, A±, τ±; ζ/η scales Q's rate).
Where a pathway's synapses sit decides its window (:mod:`.placement`: STDP,
or aSTDP past ``locations.crossover``) and scales it by the
back-propagating spike's amplitude there. :func:`mirrored` builds the rule
of one pathway from both; :func:`pathway_rule` gives every pathway's rule,
the library's (``params.rules``) or this one, so the network never asks
which.

Both pathways share one compiled form; what differs is a run-time value of
each copy. The window's amplitudes come precomputed, as Brian2 would hoist
them out of the synaptic loop for scalars: ``pre_coeff`` = η (A₊ or −A₋) on
presynaptic spikes, ``post_coeff`` = η bap (A₊ or −A₋) on postsynaptic ones
(aSTDP swaps the signs), and each trace's decay rate (the LTP side's trace
decays with τ₊, the LTD side's with τ₋). With the paper's placement (W
STDP, Q aSTDP, somatic lags) the feedback window against t_hidden − t_visible
has the same profile as the feedforward one.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np
from brian2 import Quantity, ms

from ..parameters import field
from ..params.mstdp import ModelParams
from ..rules import Rule, Site
from .placement import placement, synaptic_lag

__all__ = ["Mirrored", "mirrored", "pathway_rule", "analytic_change", "MIRRORED_VARIABLES"]

# the rule's run-time values (name: unit), its columns of the pathway's table
MIRRORED_VARIABLES = {
    "pre_coeff": "1",  # weight change per unit of the post trace, on a presynaptic spike
    "post_coeff": "1",  # weight change per unit of the pre trace, on a postsynaptic spike
    "pre_trace_rate": "Hz",  # 1/τ of the presynaptic trace (τ₊ for STDP, τ₋ for aSTDP)
    "post_trace_rate": "Hz",
}


@dataclass(frozen=True)
class Mirrored(Rule):
    """The paper's window F on one pathway, placed: η F(Δ) (STDP) or η F(−Δ) (aSTDP, ``reversed_window`` 1),
    Δ = t_post − t_pre at the synapse, scaled by the back-propagating spike's amplitude ``bap`` there."""

    name: ClassVar[str] = "mirrored"
    traces: ClassVar[tuple] = ("apre", "apost")

    eta: float = field(0.04, None, nonnegative=True)  # the pathway's rate: η, or ζ/η η on the feedback pathway
    A_plus: float = field(1.0, None, nonnegative=True)
    A_minus: float = field(1.0, None, nonnegative=True)
    tau_plus: Quantity = field(10 * ms, ms, positive=True)
    tau_minus: Quantity = field(10 * ms, ms, positive=True)
    reversed_window: float = field(0.0, None, nonnegative=True)  # 1: aSTDP, 0: STDP (a factor of the amplitudes)
    bap: float = field(1.0, None, nonnegative=True)

    def spec(self) -> str:
        return self.name  # (its values come from the model's plasticity section and placement)

    def label(self) -> str:
        return "aSTDP" if self.reversed_window else "STDP"  # (the window this pathway's placement gives it)

    def columns(self) -> dict:
        return dict(MIRRORED_VARIABLES)

    def values(self) -> dict:
        rw, tau_pre, tau_post = self.reversed_window, *self._trace_time_constants()
        return {"pre_coeff": self.eta * ((rw * self.A_plus) - ((1.0 - rw) * self.A_minus)),
                "post_coeff": (self.eta * self.bap) * (((1.0 - rw) * self.A_plus) - (rw * self.A_minus)),
                "pre_trace_rate": float(1.0 / tau_pre), "post_trace_rate": float(1.0 / tau_post)}

    def _trace_time_constants(self) -> tuple:
        """(pre trace τ, post trace τ): the LTP side decays with τ₊, the LTD side with τ₋."""
        return (self.tau_minus, self.tau_plus) if self.reversed_window else (self.tau_plus, self.tau_minus)

    # -- code: the traces' rates and the coefficients are the table's columns ------------------------
    def model(self, site: Site) -> str:
        return ("dapre/dt = -apre * pre_trace_rate : 1 (event-driven)\n"
                "dapost/dt = -apost * post_trace_rate : 1 (event-driven)\n")

    def on_pre(self, site: Site) -> str:
        return f"apre += 1\n{site.weight} = clip({site.weight} + pre_coeff * apost, 0, {site.maximum})\n"

    def on_post(self, site: Site) -> str:
        return (f"\napost += {site.bap or 1}\n"
                f"{site.weight} = clip({site.weight} + post_coeff * apre, 0, {site.maximum})\n")

    # -- the reference: the same equations on plain numbers (``bap``: the rule's own) ----------------
    def decays(self) -> dict:
        tau_pre, tau_post = self._trace_time_constants()
        return {"apre": float(tau_pre), "apost": float(tau_post)}

    def _pre(self, state, w, w_max):
        state["apre"] += 1
        return w + self.values()["pre_coeff"] * state["apost"]

    def _post(self, state, w, w_max, bap):
        state["apost"] += self.bap
        return w + self.values()["post_coeff"] * state["apre"]

    def window(self, lags_ms, n_pairings: int = 1) -> np.ndarray:
        """n_pairings × the change of isolated pairs at lags Δ = t_post − t_pre at the synapse (ms)."""
        lags = np.asarray(lags_ms, dtype=float) * (-1 if self.reversed_window else 1)
        plus, minus = float(self.tau_plus / ms), float(self.tau_minus / ms)
        # Δ = 0: pre first in the time step, so the post-triggered lobe decides (LTP for STDP, LTD for aSTDP)
        ltp = (lags > 0) | ((lags == 0) & (not self.reversed_window))
        f = np.where(ltp, self.A_plus * np.exp(-np.abs(lags) / plus), -self.A_minus * np.exp(-np.abs(lags) / minus))
        return n_pairings * self.eta * self.bap * f


def mirrored(params: ModelParams, pathway: str) -> Mirrored:
    """The mirrored rule of ``pathway`` ('feedforward' or 'feedback'): ``params.plasticity``'s window, placed."""
    pl, where = params.plasticity, placement(params, pathway)
    return Mirrored(eta=pl.eta * (pl.zeta_over_eta if pathway == "feedback" else 1.0), A_plus=pl.A_plus,
                    A_minus=pl.A_minus, tau_plus=pl.tau_plus, tau_minus=pl.tau_minus,
                    reversed_window=float(where.reversed_window), bap=where.bap)


def pathway_rule(params: ModelParams, pathway: str) -> Rule | None:
    """The rule of ``pathway``: the library's rule ``params.rules`` names, or :func:`mirrored` for the plastic
    pathways' default; None only for an absent lateral pathway (``none``)."""
    rule = params.rule(pathway)
    return mirrored(params, pathway) if rule is None and pathway != "lateral" else rule


def analytic_change(lags_ms, params: ModelParams, pathway: str, n_pairings: int) -> np.ndarray:
    """The configured window: the mirrored rule's total weight change after ``n_pairings`` isolated pairings at
    each somatic lag Δ = t_hidden − t_visible (ms), through the pathway's delays (:func:`.placement.synaptic_lag`).
    """
    lags = np.asarray([float(synaptic_lag(lag * ms, params, pathway) / ms) for lag in lags_ms])
    # at the synapse, t_post − t_pre is Δ_syn on W (hidden post) and −Δ_syn on Q (visible post)
    return mirrored(params, pathway).window(lags if pathway == "feedforward" else -lags, n_pairings)
