"""The mSTDP network's equations, as Brian2 strings with units.

Conductances are in units of the leak (dimensionless). The cells are compact
(the visible neuron a soma and one dendrite, the hidden neuron a point soma)
unless a plastic synapse on them has a location: the cell is then a
ball-and-stick (:mod:`brianmodel.cells`) and the synapse excites the
compartment that holds it.
"""
from __future__ import annotations

from brian2 import Equations

from ..cells import ball_and_stick_equations
from ..params.mstdp import ModelParams

__all__ = ["VISIBLE_EQUATIONS", "HIDDEN_EQUATIONS", "POOL_EQUATIONS", "POOL_OUTPUT_EQUATIONS", "PLASTIC_MODEL",
           "PLASTIC_ON_PRE", "PLASTIC_ON_POST", "FORGET_STALE_TRACES", "plastic_synapse_code", "visible_equations",
           "hidden_equations", "pool_equations", "has_cable"]

VISIBLE_EQUATIONS = """
dv/dt = ((E_L - v) + g_stim*(E_e - v) + g_i*(E_i - v) + g_coupling_soma*(v_d - v)) / tau_m : volt (unless refractory)
dv_d/dt = ((E_L - v_d) + g_d*(E_e - v_d) + g_coupling_dendrite*(v - v_d)) / tau_d : volt
dg_d/dt = -g_d/tau_e : 1  # feedback (dendritic) excitation
""" + (VISIBLE_INPUTS := """
g_stim = g_input * intensity * int((t % presentation_duration) < stimulus_duration) : 1
intensity : 1  # this presentation's stimulus, read from the TimedArray once at its start
g_i : 1 (linked)  # the visible pool's shared inhibitory conductance
g_input : 1 (shared)  # stimulus conductance at intensity 1
""")
VISIBLE_SOMA_TERMS = "+ g_stim*(E_e - v) + g_i*(E_i - v)"  # ball-and-stick visible soma, besides leak and coupling

HIDDEN_EQUATIONS = """
dv/dt = ((E_L - v) + g_e*(E_e - v) + g_i*(E_i - v)) / tau_m : volt (unless refractory)
dg_e/dt = -g_e/tau_e : 1  # feedforward (proximal) excitation
""" + (HIDDEN_STATE := """
g_i : 1 (linked)  # the hidden pool's shared inhibitory conductance
phi : 1  # homeostatic scaling factor of the feedforward drive
count : 1  # spikes in the current presentation
rho : 1 (shared)  # target spikes per unit per presentation
homeostasis_rate : 1 (shared)
""")
HIDDEN_SOMA_TERMS = "+ g_i*(E_i - v)"  # ball-and-stick hidden soma (feedforward input on the dendrite)

POOL_EQUATIONS = """
dv/dt = ((E_L - v) + g_e*(E_e - v)) / tau_m_inhibitory : volt (unless refractory)
dg_e/dt = -g_e/tau_e : 1
"""

# All pool->layer synapses have the same weight, so every neuron of a layer
# sees the same inhibitory conductance: integrate it once (one event per pool
# spike instead of one per pool spike and layer neuron).
POOL_OUTPUT_EQUATIONS = "dg/dt = -g/tau : 1"

# STDP traces belong to one presentation: the first event of a new
# presentation drops what is left of the last one's (cheaper than resetting
# every synapse at every presentation start; lastupdate is the previous event).
FORGET_STALE_TRACES = """
fresh = int(lastupdate >= t - (t % presentation_duration))
apre *= fresh
apost *= fresh
"""

# Both plastic pathways share one model; what differs is set per pathway at
# run time (cable.placement): which window (STDP, or aSTDP: the time-reversed
# rule), where the back-propagating spike arrives (its delay and amplitude,
# which scales the window), which dendritic compartment the synapse excites.
# With the paper's placement (W STDP, Q aSTDP, somatic lags) the feedback
# window against t_hidden - t_visible has the same profile as the feedforward.
PLASTIC_MODEL = """
{weight} : 1
eta : 1 (shared)
gain : 1 (shared)  # conductance per unit weight, in leak units of the compartment it drives (of the soma: cables)
window_reversed : 1 (shared)  # 0: STDP (LTP when post follows pre); 1: aSTDP
bap : 1 (shared)  # back-propagating spike's amplitude at the synapse (1 at the soma)
compartment : integer (shared)  # dendritic compartment holding the synapse (ball-and-stick cells)
tau_pre_trace : second (shared)  # tau_plus for STDP, tau_minus for aSTDP
tau_post_trace : second (shared)
axonal_delay : second (shared)  # the pre pathway's delay
backprop_delay : second (shared)  # somatic spike -> back-propagating spike at the synapse
dapre/dt = -apre/tau_pre_trace : 1 (event-driven)
dapost/dt = -apost/tau_post_trace : 1 (event-driven)
"""
PLASTIC_ON_PRE = """
apre += 1
{weight} = clip({weight} + eta * (window_reversed * A_plus - (1 - window_reversed) * A_minus) * apost, 0, {maximum})
"""
PLASTIC_ON_POST = """
apost += bap
{weight} = clip({weight} + eta * bap * ((1 - window_reversed) * A_plus - window_reversed * A_minus) * apre, 0, {maximum})
"""
FEEDFORWARD_DRIVE = "gain * phi_post * w"  # hidden g_e += gain * phi_j * W_ji
FEEDBACK_DRIVE = "gain * q"  # visible dendrite g_d += gain * Q_ij


def _drive(variable, drive, n_compartments):
    """on_pre line(s) exciting ``variable`` of the postsynaptic cell, or compartment ``compartment`` of it."""
    if not n_compartments:
        return f"{variable}_post += {drive}"
    return "\n".join(f"{variable}_{k}_post += {drive} * int(compartment == {k})" for k in range(1, n_compartments + 1))


def plastic_synapse_code(pathway: str, params: ModelParams) -> dict:
    """Synapses() keyword arguments of ``pathway`` ('feedforward' or 'feedback')."""
    weight, maximum, variable, drive, location = {
        "feedforward": ("w", "w_max", "g_e", FEEDFORWARD_DRIVE, params.locations.feedforward),
        "feedback": ("q", "q_max", "g_d", FEEDBACK_DRIVE, params.locations.feedback)}[pathway]
    n = 0 if location is None else params.cable.n_compartments
    fill = dict(weight=weight, maximum=maximum)
    return dict(model=PLASTIC_MODEL.format(**fill),
                on_pre=FORGET_STALE_TRACES + _drive(variable, drive, n) + PLASTIC_ON_PRE.format(**fill),
                on_post=FORGET_STALE_TRACES + PLASTIC_ON_POST.format(**fill))


def has_cable(params, pathway=None) -> bool:
    """Whether ``pathway``'s synapses (default: either's) have a location, making their cell a ball-and-stick."""
    pathways = (pathway,) if pathway else ("feedforward", "feedback")
    return any(getattr(params.locations, p) is not None for p in pathways)


def visible_equations(params: ModelParams | None = None) -> Equations:
    """Soma + one dendrite, or a ball-and-stick cell when the feedback synapses have a location."""
    if params is None or not has_cable(params, "feedback"):
        return Equations(VISIBLE_EQUATIONS)
    return Equations(ball_and_stick_equations(params.cable, VISIBLE_SOMA_TERMS, synapse="g_d") + VISIBLE_INPUTS)


def hidden_equations(params: ModelParams | None = None) -> Equations:
    """A point soma, or a ball-and-stick cell when the feedforward synapses have a location."""
    if params is None or not has_cable(params, "feedforward"):
        return Equations(HIDDEN_EQUATIONS)
    return Equations(ball_and_stick_equations(params.cable, HIDDEN_SOMA_TERMS, synapse="g_e") + HIDDEN_STATE)


def pool_equations() -> Equations:
    return Equations(POOL_EQUATIONS)
