"""The mirrored-STDP network as Brian2 groups (Burbank 2015, Figs 1 and 3).

Visible layer (ON/OFF, soma + dendrite) --W, proximal, STDP--> hidden layer
--Q, distal dendritic, aSTDP--> visible layer; one inhibitory pool per layer.
A chunk of presentations is one ``run()``: the stimulus is a 2-D TimedArray
indexed by (presentation, visible neuron), and ``run_regularly`` operations
reset every group at each presentation start. Nothing here knows which
device runs it (see :mod:`brianmodel.device`).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from brian2 import NeuronGroup, Network, SpikeMonitor, Synapses, TimedArray, defaultclock, linked_var, ms, second, um

from ..cells import cable_namespace
from ..device.contract import add_extra
from ..errors import SimulationError
from ..params.cable import CABLE_METHOD, check_step
from ..params.mstdp import ModelParams
from ..schedule import stimulus_table
from .equations import (POOL_OUTPUT_EQUATIONS, has_cable, hidden_equations, plastic_synapse_code, pool_equations,
                        visible_equations)
from .placement import placement

__all__ = ["MStdpNetwork", "NetworkState", "build_network", "namespace", "feedforward_synapses", "feedback_synapses",
           "assign_delays", "pathway_values", "RUN_TIME_PARAMETERS", "RUN_TIME_FIELDS", "build_values",
           "compiled_form"]


def namespace(params: ModelParams, stimulus: TimedArray | None = None) -> dict:
    """The constants the equation strings refer to."""
    n, d, pl, h, pr = params.neurons, params.dendrite, params.plasticity, params.homeostasis, params.presentation
    ns = dict(
        E_L=n.E_L, V_threshold=n.V_threshold, V_reset=n.V_reset, E_e=n.E_e, E_i=n.E_i,
        tau_m=n.tau_m, tau_m_inhibitory=n.tau_m_inhibitory, tau_e=n.tau_e,
        tau_d=d.tau_d, g_coupling_soma=d.g_coupling_soma, g_coupling_dendrite=d.g_coupling_dendrite,
        A_plus=pl.A_plus, A_minus=pl.A_minus,
        w_max=pl.w_max, q_max=pl.q_max, phi_min=h.phi_min, phi_max=h.phi_max,
        presentation_duration=pr.duration, stimulus_duration=pr.stimulus_duration,
    )
    if has_cable(params):
        ns.update(cable_namespace(params.cable))
    if stimulus is not None:
        ns["stimulus"] = stimulus
    return ns


def _rest(params, pathway, synapse):
    """Reset statements of a layer's membrane and synaptic state (compartments included)."""
    if not has_cable(params, pathway):
        return {"feedback": "v = E_L\nv_d = E_L\ng_d = 0", "feedforward": "v = E_L\ng_e = 0"}[pathway]
    n = params.cable.n_compartments
    return "\n".join(["v = E_L"] + [f"v_{k} = E_L\n{synapse}_{k} = 0" for k in range(1, n + 1)])


def _lif_group(n, eqs, params, name, *, refractory, reset="v = V_reset", method="euler"):
    group = NeuronGroup(n, eqs, threshold="v > V_threshold", reset=reset,
                        refractory=refractory, method=method, name=name)
    for variable in sorted(eqs.diff_eq_names):  # membrane potentials of every compartment (sorted: same code every time)
        if variable == "v" or variable.startswith("v_"):
            setattr(group, variable, params.neurons.E_L)
    return group


def _pool(layer, n_pool, g_in, g_out, tau_out, params, prefix):
    """Inhibitory pool of ``layer``: excited by all its neurons, inhibits all of them."""
    pool = _lif_group(n_pool, pool_equations(), params, f"{prefix}_pool",
                      refractory=params.neurons.refractory_inhibitory)
    output = NeuronGroup(1, POOL_OUTPUT_EQUATIONS, method="exact", name=f"{prefix}_pool_output",
                         namespace={"tau": tau_out})
    excite = Synapses(layer, pool, on_pre=f"g_e_post += {g_in!r}", name=f"{prefix}_to_pool")
    excite.connect()
    inhibit = Synapses(pool, output, on_pre=f"g_post += {g_out!r}", name=f"{prefix}_pool_inhibition")
    inhibit.connect()
    layer.g_i = linked_var(output, "g", index=np.zeros(len(layer), dtype=int))
    reset = [pool.run_regularly("v = E_L\ng_e = 0", dt=params.presentation.duration, when="start",
                                name=f"{prefix}_pool_reset"),
             output.run_regularly("g = 0", dt=params.presentation.duration, when="start",
                                  name=f"{prefix}_pool_output_reset")]
    return [pool, output, excite, inhibit, *reset]


def feedforward_synapses(visible, hidden, params: ModelParams, name="feedforward", one_to_one=False,
                         delays=True) -> Synapses:
    """W: visible -> hidden, proximal, STDP. Synapse k = i * n_hidden + j (all to all),
    or visible k -> hidden k (``one_to_one``, for pairing protocols). ``delays=False``
    leaves :func:`assign_delays` to the caller."""
    return _plastic_synapses("feedforward", visible, hidden, params, name, one_to_one, delays)


def feedback_synapses(hidden, visible, params: ModelParams, name="feedback", one_to_one=False,
                      delays=True) -> Synapses:
    """Q: hidden -> visible dendrite, distal, aSTDP. Synapse k = j * n_visible + i (all to all),
    or hidden k -> visible k (``one_to_one``)."""
    return _plastic_synapses("feedback", hidden, visible, params, name, one_to_one, delays)


def _plastic_synapses(pathway, source, target, params, name, one_to_one, delays):
    syn = Synapses(source, target, **plastic_synapse_code(pathway, params), name=name)
    _connect(syn, len(source), len(target), one_to_one)
    for variable, value in pathway_values(pathway, params).items():
        setattr(syn, variable, value)
    if delays:
        assign_delays(syn)
    return syn


def assign_delays(syn: Synapses):
    """Both pathways' delays from the synapses' run-time variables (set these first)."""
    syn.delay = "axonal_delay"
    syn.post.delay = "backprop_delay"


def _connect(syn, n_pre, n_post, one_to_one):
    # Explicit indices fix the synapse order on every device.
    if one_to_one:
        syn.connect(j="i")
    else:
        syn.connect(i=np.repeat(np.arange(n_pre), n_post), j=np.tile(np.arange(n_post), n_pre))


def pathway_values(pathway: str, params: ModelParams) -> dict:
    """The run-time variables of a plastic pathway that follow from its placement."""
    where = placement(params, pathway)
    tau_pre, tau_post = where.trace_time_constants(params)
    pl = params.plasticity
    return {"eta": pl.eta * (pl.zeta_over_eta if pathway == "feedback" else 1.0),
            "gain": params.connections.g_feedforward if pathway == "feedforward" else params.connections.g_feedback,
            "window_reversed": float(where.reversed_window), "bap": where.bap, "compartment": where.compartment,
            "tau_pre_trace": tau_pre, "tau_post_trace": tau_post,
            "axonal_delay": where.axonal_delay, "backprop_delay": where.backprop_delay}


# Parameters that are variables of the compiled network, not constants, so
# that one binary serves every value (set per run, via run_args standalone).
RUN_TIME_PARAMETERS = {
    # (group, variable): function of ModelParams
    ("visible", "g_input"): lambda p: p.connections.g_input,
    ("hidden", "rho"): lambda p: p.homeostasis.rho,
    ("hidden", "homeostasis_rate"): lambda p: p.homeostasis.rate,
    **{(pathway, variable): (lambda p, pathway=pathway, variable=variable: pathway_values(pathway, p)[variable])
       for pathway in ("feedforward", "feedback") for variable in pathway_values("feedback", ModelParams())},
}
RUN_TIME_FIELDS = {("connections", "g_input"), ("homeostasis", "rho"), ("homeostasis", "rate"),
                   ("plasticity", "eta"), ("plasticity", "zeta_over_eta"), ("plasticity", "tau_plus"),
                   ("plasticity", "tau_minus"), ("connections", "g_feedforward"), ("connections", "g_feedback"),
                   ("connections", "delay_feedforward"), ("connections", "delay_feedback"),
                   ("connections", "backprop_delay_feedforward"), ("connections", "backprop_delay_feedback"),
                   ("cable", "bap_velocity"), ("cable", "bap_length_constant"), ("locations", "crossover")}


def build_values(params: ModelParams) -> ModelParams:
    """``params`` with every run-time field at a fixed value (the defaults; delays and locations 0).

    Standalone builds are generated from these, so that the generated code,
    whose initial values the run_args then replace, is the same for every
    value of the run-time parameters: nothing recompiles between them.
    """
    defaults = ModelParams()
    changes = {}
    for section, name in RUN_TIME_FIELDS:
        changes.setdefault(section, {})[name] = getattr(getattr(defaults, section), name)
    # 0 ms: valid for any dt and presentation length (the defaults need not be)
    changes["connections"].update(delay_feedforward=0 * ms, delay_feedback=0 * ms)
    for pathway in ("feedforward", "feedback"):
        if getattr(params.locations, pathway) is not None:
            changes["locations"][pathway] = 0 * um
    return params.with_overrides(**changes)


def compiled_form(params: ModelParams) -> dict:
    """What of ``params`` is compiled into a standalone binary (the rest is set per run).

    A location's value is a run-time parameter; whether there is one (and so
    a ball-and-stick cell) is compiled in.
    """
    compiled = params.to_dict()
    for section, name in RUN_TIME_FIELDS:
        compiled[section].pop(name)
    compiled["locations"] = {name: value is not None for name, value in compiled["locations"].items()}
    if not has_cable(params):
        compiled.pop("cable")
    return compiled


@dataclass
class NetworkState:
    """What carries from one presentation chunk to the next."""

    W: np.ndarray  # (n_hidden, n_visible) feedforward weights W_ji
    Q: np.ndarray  # (n_visible, n_hidden) feedback weights Q_ij
    phi: np.ndarray  # (n_hidden,) homeostatic scaling factors
    count: np.ndarray  # (n_hidden,) spikes in the last presentation (homeostasis input)

    @classmethod
    def initial(cls, params: ModelParams, n_visible: int, seed: int) -> "NetworkState":
        """W ~ U(0, w_init_max), Q ~ U(0, q_init_max), independent; Φ = Φ_0."""
        rng = np.random.default_rng([seed, 0])
        n_hidden, pl = params.architecture.n_hidden, params.plasticity
        return cls(W=rng.uniform(0, pl.w_init_max, (n_hidden, n_visible)),
                   Q=rng.uniform(0, pl.q_init_max, (n_visible, n_hidden)),
                   phi=np.full(n_hidden, params.homeostasis.phi_init),
                   count=np.zeros(n_hidden))

    def arrays(self) -> dict:
        return {"W": self.W, "Q": self.Q, "phi": self.phi, "count": self.count}


@dataclass
class MStdpNetwork:
    """The network and its named parts."""

    network: Network
    visible: NeuronGroup
    hidden: NeuronGroup
    feedforward: Synapses
    feedback: Synapses
    stimulus: TimedArray
    monitors: dict
    namespace: dict
    n_presentations: int
    params: ModelParams

    @property
    def duration(self):
        return self.n_presentations * self.params.presentation.duration

    extra_objects: list = field(default_factory=list)  # the user's objects (Model.extra)

    @property
    def period(self):
        return self.params.presentation.duration

    @property
    def seed_variable(self):
        return None  # no random numbers: the input drive is deterministic

    def _variable(self, group, name):
        return getattr(getattr(self, group), name)

    def run_time_values(self, params: ModelParams | None = None) -> dict:
        """{VariableView: value} of the run-time parameters (for run_args); ``params`` may differ
        from the build's in the run-time fields only."""
        params = params or self.params
        return {self._variable(g, v): f(params) for (g, v), f in RUN_TIME_PARAMETERS.items()}

    def state_values(self, state: NetworkState) -> dict:
        """{VariableView: flat array} that sets ``state`` (for run_args)."""
        return {self.feedforward.w: state.W.T.ravel(), self.feedback.q: state.Q.T.ravel(),
                self.hidden.phi: state.phi, self.hidden.count: state.count}

    def read_state(self) -> NetworkState:
        n_vis, n_hid = len(self.visible), len(self.hidden)
        return NetworkState(W=np.asarray(self.feedforward.w[:]).reshape(n_vis, n_hid).T.copy(),
                            Q=np.asarray(self.feedback.q[:]).reshape(n_hid, n_vis).T.copy(),
                            phi=np.asarray(self.hidden.phi[:]).copy(),
                            count=np.asarray(self.hidden.count[:]).copy())

    def read_spikes(self) -> dict:
        """{monitor name: (indices, times in seconds)} as numpy arrays."""
        return {name: (np.asarray(m.i[:]).copy(), np.asarray(m.t[:] / second).copy())
                for name, m in self.monitors.items()}


def build_network(params: ModelParams, n_visible: int, n_presentations: int,
                  stimulus_values: np.ndarray | None = None, before_delays=None, extra=None) -> MStdpNetwork:
    """Build the network for chunks of ``n_presentations`` presentations.

    ``stimulus_values`` (n_presentations, n_visible) are the visible
    intensities; zeros if omitted (standalone runs pass them as run_args).
    ``before_delays()``, if given, is called once every variable has its
    default and before the synaptic delays are derived from the run-time
    variables (a standalone device applies its run_args there). ``extra(net)``
    returns the user's own Brian2 objects (monitors, ...) to add.
    """
    params.validate()
    if n_visible <= 0 or n_visible % 2:
        raise SimulationError(f"n_visible must be a positive even number (ON + OFF), got {n_visible}")
    stimulus_values = stimulus_table(stimulus_values, n_presentations, n_visible)
    if np.any(stimulus_values < 0):
        raise SimulationError("visible intensities must be non-negative (split signed stimuli with "
                              "brianmodel.datasets.on_off)")

    arch, neurons, pres = params.architecture, params.neurons, params.presentation
    period = pres.duration
    if has_cable(params):
        check_step(params.cable, pres.dt)
    # Everything but the per-presentation operations runs on the defaultclock,
    # as in Brian2's examples (brian2cuda 1.0b1's synaptic code refers to it by
    # name, and fails to compile when no object of the network uses it).
    defaultclock.dt = pres.dt
    stimulus = TimedArray(stimulus_values, dt=period, name="stimulus")

    # ball-and-stick cells are stiff: CABLE_METHOD (step checked above); compact cells: Euler
    visible = _lif_group(n_visible, visible_equations(params), params, "visible", refractory=neurons.refractory,
                         method=CABLE_METHOD if has_cable(params, "feedback") else "euler")
    hidden = _lif_group(arch.n_hidden, hidden_equations(params), params, "hidden", refractory=neurons.refractory,
                        reset="v = V_reset\ncount += 1",
                        method=CABLE_METHOD if has_cable(params, "feedforward") else "euler")
    hidden.phi = params.homeostasis.phi_init

    c = params.connections
    visible_pool = _pool(visible, arch.n_visible_pool, c.g_visible_to_pool, c.g_pool_to_visible,
                         neurons.tau_i, params, "visible")
    hidden_pool = _pool(hidden, arch.n_hidden_pool, c.g_hidden_to_pool, c.g_pool_to_hidden,
                        neurons.tau_i_hidden, params, "hidden")
    feedforward = feedforward_synapses(visible, hidden, params, delays=False)
    feedback = feedback_synapses(hidden, visible, params, delays=False)
    visible.g_input = c.g_input
    hidden.rho, hidden.homeostasis_rate = params.homeostasis.rho, params.homeostasis.rate
    if before_delays is not None:
        before_delays()
    assign_delays(feedforward)
    assign_delays(feedback)

    # Each presentation starts from rest: potentials and conductances reset
    # (STDP traces: FORGET_STALE_TRACES); homeostasis acts on the previous
    # presentation's count.
    resets = [
        visible.run_regularly(_rest(params, "feedback", "g_d") + "\nintensity = stimulus(t, i)", dt=period,
                              when="start", name="visible_reset"),
        hidden.run_regularly("phi = clip(phi * exp(homeostasis_rate * (rho - count)), phi_min, phi_max)\n"
                             "count = 0\n" + _rest(params, "feedforward", "g_e"), dt=period, when="start",
                             name="hidden_reset"),
    ]
    monitors = {
        "visible": SpikeMonitor(visible, name="visible_spikes"),
        "hidden": SpikeMonitor(hidden, name="hidden_spikes"),
        "visible_pool": SpikeMonitor(visible_pool[0], name="visible_pool_spikes"),
        "hidden_pool": SpikeMonitor(hidden_pool[0], name="hidden_pool_spikes"),
    }
    network = Network(visible, hidden, *visible_pool, *hidden_pool, feedforward, feedback, *resets,
                      *monitors.values(), name="mstdp")
    built = MStdpNetwork(network, visible, hidden, feedforward, feedback, stimulus, monitors,
                         namespace(params, stimulus), n_presentations, params)
    built.extra_objects = add_extra(extra, built)
    return built
