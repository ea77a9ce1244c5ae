"""The mSTDP network's equations, as Brian2 strings with units.

Conductances are in units of the leak (dimensionless). The cells are compact
(the visible neuron a soma and one dendrite, the hidden neuron a point soma)
unless a plastic synapse on them has a location: the cell is then a
ball-and-stick (:mod:`brianmodel.cells`) and the synapse excites the
compartment that holds it.

Every run-time parameter has one value per copy of an ensemble
(:mod:`.network`). A plastic pathway's values are a table with one row per
copy (a TimedArray over the copy index, :data:`PATHWAY_TABLE`), which each
synapse reads through its ``copy_syn``: stored once per copy, and read without
touching a neuron, so that Brian2 spreads the pathway's spikes over OpenMP
threads (it runs a pathway on one thread when its code reads a pre- or
postsynaptic variable). The stimulus gain, ρ and the homeostasis rate are
constant variables of the neurons, repeated over the copy's neurons: the
neurons' update reads them every step, where a table lookup would cost more.
"""
from __future__ import annotations

from brian2 import Equations

from ..cells import ball_and_stick_equations
from ..errors import ParameterError
from ..params.mstdp import ModelParams
from ..rules import Modulated, Site
from .mirrored import pathway_rule

__all__ = ["VISIBLE_EQUATIONS", "HIDDEN_EQUATIONS", "POOL_EQUATIONS", "POOL_OUTPUT_EQUATIONS",
           "PATHWAY_TABLE", "PLACEMENT_VARIABLES", "pathway_columns", "forget_stale",
           "plastic_synapse_code", "pathway_lines", "visible_equations", "hidden_equations", "pool_equations",
           "has_cable",
           "has_lateral", "own_tau_e", "lateral_synapse_code", "lateral_columns", "table_lines", "LATERAL_TABLE",
           "LATERAL_VARIABLES", "LATERAL_STATE", "has_visible_noise"]

VISIBLE_EQUATIONS = """
dv/dt = ((E_L - v) + g_stim*(E_e - v) + g_i*(E_i - v) + g_coupling_soma*(v_d - v)) / tau_m : volt (unless refractory)
dv_d/dt = ((E_L - v_d) + g_d*(E_e - v_d) + g_coupling_dendrite*(v - v_d)) / tau_d : volt
dg_d/dt = -g_d/tau_e : 1  # feedback (dendritic) excitation
""" + (VISIBLE_INPUTS := """
g_stim = g_input * intensity * int((t_in_timesteps % presentation_steps) < stimulus_steps) : 1
intensity : 1  # this presentation's stimulus, read from the image table once at its start
g_i : 1 (linked)  # the visible pool's shared inhibitory conductance (the copy's)
g_input : 1 (constant)  # stimulus conductance at intensity 1
copy : integer (constant)  # the ensemble copy the neuron belongs to
""")
VISIBLE_SOMA_TERMS = "+ g_stim*(E_e - v) + g_i*(E_i - v)"  # ball-and-stick visible soma, besides leak and coupling

HIDDEN_EQUATIONS = """
dv/dt = ((E_L - v) + g_e*(E_e - v) + g_i*(E_i - v)) / tau_m : volt (unless refractory)
dg_e/dt = -g_e/tau_e : 1  # feedforward (proximal) excitation
""" + (HIDDEN_STATE := """
g_i : 1 (linked)  # the hidden pool's shared inhibitory conductance
phi : 1  # homeostatic scaling factor of the feedforward drive
count : 1  # spikes in the current presentation
rho : 1 (constant)  # target spikes per unit per presentation
homeostasis_rate : 1 (constant)
copy : integer (constant)  # the ensemble copy the neuron belongs to
""")
HIDDEN_SOMA_TERMS = "+ g_i*(E_i - v)"  # ball-and-stick hidden soma (feedforward input on the dendrite)
# lateral inhibition (rules.lateral set): a second inhibitory conductance, from the copy's other hidden units
LATERAL_STATE = "dg_l/dt = -g_l/tau_lateral : 1  # lateral inhibition from the copy's other hidden units\n"

POOL_EQUATIONS = """
dv/dt = ((E_L - v) + g_e*(E_e - v)) / tau_m_inhibitory : volt (unless refractory)
dg_e/dt = -g_e/tau_e : 1
"""

# All pool->layer synapses have the same weight, so every neuron of a layer
# sees the same inhibitory conductance: integrate it once (one event per pool
# spike instead of one per pool spike and layer neuron).
POOL_OUTPUT_EQUATIONS = "dg/dt = -g/tau : 1"


# A rule's traces belong to one presentation: the first event of a new
# presentation drops what is left of the last one's (cheaper than resetting
# every synapse at every presentation start; lastupdate is the previous event).
def forget_stale(traces) -> str:
    """Code that drops a rule's presentation ``traces`` left from an earlier presentation."""
    return "\nfresh = int(lastupdate >= t - (t % presentation_duration))\n" + \
        "".join(f"{trace} *= fresh\n" for trace in traces)


# Each plastic pathway's rule (mirrored.pathway_rule: the paper's ``mirrored``, or one of brianmodel.rules)
# writes its plastic code; its run-time values are set per pathway and copy, read from a table (a TimedArray
# per pathway) through the synapse's copy: the rule's columns, then PLACEMENT_VARIABLES.
PATHWAY_TABLE = {"feedforward": "feedforward_values", "feedback": "feedback_values"}  # TimedArray names
LATERAL_TABLE = "lateral_values"  # the lateral synapses' run-time values: their rule's, then LATERAL_VARIABLES
PLACEMENT_VARIABLES = {
    "bap": "1",  # back-propagating spike's amplitude at the synapse (1 at the soma)
    "gain": "1",  # conductance per unit weight, in leak units of the compartment it drives (of the soma: cables)
    "compartment": "integer",  # dendritic compartment holding the synapse (ball-and-stick cells)
    "axonal_delay": "second",  # the pre pathway's delay
    "backprop_delay": "second",  # somatic spike -> back-propagating spike at the synapse
}
LATERAL_VARIABLES = {"gain": "1", "lateral_delay": "second"}  # lateral.g_lateral, lateral.delay
FEEDFORWARD_DRIVE = "gain * phi_post * w"  # hidden g_e += gain * phi_j * W_ji
FEEDBACK_DRIVE = "gain * q"  # visible dendrite g_d += gain * Q_ij


def _drive(variable, drive, n_compartments):
    """on_pre line(s) exciting ``variable`` of the postsynaptic cell, or compartment ``compartment`` of it."""
    if not n_compartments:
        return f"{variable}_post += {drive}"
    return "\n".join(f"{variable}_{k}_post += {drive} * int(compartment == {k})" for k in range(1, n_compartments + 1))


def pathway_columns(params: ModelParams, pathway: str) -> dict:
    """{name: unit} of ``pathway``'s table columns, in order."""
    return {**pathway_rule(params, pathway).columns(), **PLACEMENT_VARIABLES}


def plastic_synapse_code(pathway: str, params: ModelParams, modulated: bool = False) -> dict:
    """Synapses() keyword arguments of ``pathway`` ('feedforward' or 'feedback'), by its rule.

    A three-factor rule (``modulated-*``) needs a host that drives its
    modulator (``modulated``: the caller adds the rule's consolidation and
    the ``modulator`` TimedArray); the network does not.
    """
    weight, maximum, variable, drive, location = {
        "feedforward": ("w", "w_max", "g_e", FEEDFORWARD_DRIVE, params.locations.feedforward),
        "feedback": ("q", "q_max", "g_d", FEEDBACK_DRIVE, params.locations.feedback)}[pathway]
    n = 0 if location is None else params.cable.n_compartments
    rule = pathway_rule(params, pathway)
    lines = pathway_lines(pathway, pathway_columns(params, pathway))
    if isinstance(rule, Modulated) and not modulated:
        raise ParameterError(f"rules.{pathway} = {rule.name!r} is a three-factor rule: it needs a modulator "
                             f"signal, which only the modulation protocol drives (brianmodel.protocols.modulation)")
    site = Site(weight, maximum)
    forget = forget_stale(rule.traces)
    return dict(model=f"{weight} : 1\n" + rule.model(site) + lines,
                on_pre=forget + _drive(variable, drive, n) + "\n" + rule.on_pre(site),
                on_post=forget + rule.on_post(site))


def lateral_synapse_code(params: ModelParams) -> dict:
    """Synapses() keyword arguments of the lateral synapses (hidden -> hidden, weight m), by rules.lateral."""
    rule = params.rule("lateral")
    if isinstance(rule, Modulated):
        raise ParameterError(f"rules.lateral = {params.rules.lateral!r} is a three-factor rule: the network drives "
                             f"no modulator")
    site = Site("m", "m_max", bap=None)  # somatic synapses: the postsynaptic spike is there at full size
    forget = forget_stale(rule.traces)
    return dict(model="m : 1\n" + rule.model(site) + table_lines(LATERAL_TABLE, lateral_columns(params)),
                on_pre=forget + "g_l_post += gain * m\n" + rule.on_pre(site),
                on_post=forget + rule.on_post(site))


def lateral_columns(params: ModelParams) -> dict:
    """{name: unit} of the lateral table's columns, in order."""
    return {**params.rule("lateral").columns(), **LATERAL_VARIABLES}


# a table holds plain numbers (SI base units); these give them back their unit
_FROM_TABLE = {"1": "{}", "Hz": "{} / second", "hertz": "{} / second", "second": "{} * second",
               "integer": "int({})"}


def pathway_lines(pathway: str, columns: dict) -> str:
    """Equation lines of a synapse's ``copy`` and of the values it reads from its copy's row of the table."""
    return table_lines(PATHWAY_TABLE[pathway], columns)


def table_lines(table: str, columns: dict) -> str:
    """Equation lines of a synapse's ``copy`` and of ``columns``, read from its copy's row of ``table``."""
    lines = ["copy_syn : integer (constant)  # the synapse's ensemble copy (Brian2 keeps ``copy`` for the neurons')"]
    for column, (name, unit) in enumerate(columns.items()):
        read = _FROM_TABLE[unit].format(f"{table}(copy_syn * second, {column})")
        lines.append(f"{name} = {read} : {unit}")
    return "\n".join(lines)


def has_cable(params, pathway=None) -> bool:
    """Whether ``pathway``'s synapses (default: either's) have a location, making their cell a ball-and-stick."""
    pathways = (pathway,) if pathway else ("feedforward", "feedback")
    return any(getattr(params.locations, p) is not None for p in pathways)


# membrane noise of the visible somata (neurons.visible_noise set): an Ornstein-Uhlenbeck drive of s.d.
# sigma_visible (with the leak alone); random_seed: the chunk's stream, set from the state it starts from
VISIBLE_NOISE_TERM = " + sigma_visible*sqrt(2/tau_m)*xi"
VISIBLE_NOISE_STATE = """
sigma_visible : volt (constant)  # the copy's neurons.visible_noise
random_seed : 1 (shared)  # the chunk's random stream (a standalone device sets the generator from it)
"""


def has_visible_noise(params) -> bool:
    """Whether the visible somata have membrane noise (``neurons.visible_noise`` set)."""
    return params is not None and params.neurons.visible_noise is not None


def visible_equations(params: ModelParams | None = None) -> Equations:
    """Soma + one dendrite, or a ball-and-stick cell when the feedback synapses have a location; with
    membrane noise on the soma when :func:`has_visible_noise`."""
    if params is None or not has_cable(params, "feedback"):
        eqs = VISIBLE_EQUATIONS
    else:
        eqs = ball_and_stick_equations(params.cable, VISIBLE_SOMA_TERMS, synapse="g_d") + VISIBLE_INPUTS
    if not has_visible_noise(params):
        return Equations(eqs)
    soma, rest = eqs.lstrip("\n").split("\n", 1)
    body, unit = soma.rsplit(" : ", 1)
    if not soma.startswith("dv/dt"):
        raise AssertionError(f"the visible soma's equation should come first, got {soma!r}")
    return Equations(f"{body}{VISIBLE_NOISE_TERM} : {unit}\n{rest}{VISIBLE_NOISE_STATE}")


def has_lateral(params) -> bool:
    """Whether the hidden units inhibit each other through lateral synapses (rules.lateral set)."""
    return params is not None and params.rule("lateral") is not None


def hidden_equations(params: ModelParams | None = None) -> Equations:
    """A point soma, or a ball-and-stick cell when the feedforward synapses have a location; with lateral
    inhibition (:func:`has_lateral`) when the lateral synapses exist."""
    lateral = has_lateral(params)
    inhibition = "+ (g_i + g_l)*(E_i - v)" if lateral else HIDDEN_SOMA_TERMS
    if params is None or not has_cable(params, "feedforward"):
        eqs = HIDDEN_EQUATIONS.replace(HIDDEN_SOMA_TERMS, inhibition, 1)
    else:
        eqs = ball_and_stick_equations(params.cable, inhibition, synapse="g_e") + HIDDEN_STATE
    eqs = Equations(eqs + (LATERAL_STATE if lateral else ""))
    # Brian2 renames the constant in every equation that reads it (only then: the paper's network keeps its code)
    return eqs.substitute(tau_e="tau_e_hidden") if own_tau_e(params) else eqs


def own_tau_e(params) -> bool:
    """Whether the hidden units' feedforward conductance decays with a time constant of its own
    (``neurons.tau_e_hidden``), not the network's ``tau_e``."""
    return params is not None and params.neurons.tau_e_hidden is not None


def pool_equations() -> Equations:
    return Equations(POOL_EQUATIONS)
