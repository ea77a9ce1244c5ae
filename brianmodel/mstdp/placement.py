"""Where a plastic pathway's synapses sit, and the lags and window that follow.

A synapse sees its presynaptic spike after the axonal delay d and its
postsynaptic spike after the back-propagation delay b (the somatic spike's
arrival at the synapse). Without a location b = d, so both rules see somatic
spike-time differences; with one, b = location / bap_velocity and the
back-propagating spike arrives with amplitude exp(−location /
bap_length_constant), which scales the window (``params.locations``,
``params.cable``). :func:`analytic_change` is the configured window, which the
pairing protocol measures.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from brian2 import Quantity, ms, um

from ..cells import backprop, compartment
from ..errors import ParameterError
from ..params.mstdp import ModelParams
from ..rules import ASTDP, STDP, Rule

__all__ = ["Placement", "placement", "synaptic_lag", "analytic_change", "equivalent_rule"]


@dataclass(frozen=True)
class Placement:
    """A plastic pathway's run-time values that follow from where its synapses sit."""

    compartment: int  # 0: the soma (or the compact cell's fixed input)
    axonal_delay: Quantity
    backprop_delay: Quantity  # somatic spike -> its arrival at the synapse
    bap: float  # back-propagating spike's amplitude there (scales the window)
    reversed_window: bool  # aSTDP (True) or STDP

    def trace_time_constants(self, params: ModelParams):
        """(pre trace τ, post trace τ): the LTP side decays with τ+, the LTD side with τ−."""
        pl = params.plasticity
        return (pl.tau_minus, pl.tau_plus) if self.reversed_window else (pl.tau_plus, pl.tau_minus)


def placement(params: ModelParams, pathway: str) -> Placement:
    """Where ``pathway`` ('feedforward' or 'feedback') sits, and what follows from it."""
    if pathway not in ("feedforward", "feedback"):
        raise ParameterError(f"pathway must be 'feedforward' or 'feedback', got {pathway!r}")
    c, dt = params.connections, params.presentation.dt
    location = getattr(params.locations, pathway)
    axonal = c.delay_feedforward if pathway == "feedforward" else c.delay_feedback
    explicit = c.backprop_delay_feedforward if pathway == "feedforward" else c.backprop_delay_feedback
    crossover = params.locations.crossover
    if location is None:
        where, bap_delay, bap = 0, axonal, 1.0
        distance = 0 * um
    else:
        where = compartment(location, params.cable)
        bap_delay, bap = backprop(location, params.cable, dt)
        distance = location
    reversed_window = pathway == "feedback" if crossover is None else bool(distance >= crossover)
    return Placement(where, axonal, bap_delay if explicit is None else explicit, bap, reversed_window)


def synaptic_lag(lag, params: ModelParams, pathway: str):
    """Δ at the synapse (quantity) for somatic Δ = t_hidden − t_visible.

    Feedforward: the hidden spike back-propagates (delay d_bp) and the visible
    spike travels the axon (d_ax): Δ_syn = Δ + d_bp − d_ax. Feedback: the
    hidden spike travels the axon, the visible spike back-propagates into the
    dendrite: Δ_syn = Δ + d_ax − d_bp. d_bp follows from the synapse's
    location (:func:`placement`) unless set explicitly.
    """
    if pathway not in ("feedforward", "feedback"):
        raise ParameterError(f"pathway must be 'feedforward' or 'feedback', got {pathway!r}")
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


def equivalent_rule(params: ModelParams, pathway: str) -> Rule:
    """The ``mirrored`` rule of ``pathway`` as a rule of :mod:`brianmodel.rules`: STDP, or aSTDP where the
    placement reverses the window, with η (ζ/η η on feedback), A± and τ± of ``params.plasticity``."""
    pl = params.plasticity
    eta = pl.eta * (pl.zeta_over_eta if pathway == "feedback" else 1.0)
    cls = ASTDP if placement(params, pathway).reversed_window else STDP
    return cls(eta=eta, A_plus=pl.A_plus, A_minus=pl.A_minus, tau_plus=pl.tau_plus, tau_minus=pl.tau_minus)
