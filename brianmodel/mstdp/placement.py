"""Where a plastic pathway's synapses sit, and the lags and window that follow.

A synapse sees its presynaptic spike after the axonal delay d and its
postsynaptic spike after the back-propagation delay b (the somatic spike's
arrival at the synapse). Without a location b = d, so both rules see somatic
spike-time differences; with one, b = location / bap_velocity and the
back-propagating spike arrives with amplitude exp(−location /
bap_length_constant), which scales the window (``params.locations``,
``params.cable``). The window that follows is the rule's
(:func:`.mirrored.analytic_change` for the paper's, which the pairing protocol
measures).
"""
from __future__ import annotations

from dataclasses import dataclass

from brian2 import Quantity, um

from ..cells import backprop, compartment
from ..errors import ParameterError
from ..params.mstdp import ModelParams

__all__ = ["Placement", "placement", "synaptic_lag"]


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
