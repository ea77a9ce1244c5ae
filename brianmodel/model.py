"""The mirrored-STDP network as Brian2 groups (Burbank 2015, Figs 1 and 3).

Visible layer (ON/OFF, soma + dendrite) --W, proximal, STDP--> hidden layer
--Q, distal dendritic, aSTDP--> visible layer; one inhibitory pool per layer.
A chunk of presentations is one ``run()``: the stimulus is a 2-D TimedArray
indexed by (presentation, visible neuron), and ``run_regularly`` operations
reset every group at each presentation start. Nothing here knows which
device runs it (see :mod:`brianmodel.device`).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from brian2 import (Equations, Network, NeuronGroup, SpikeMonitor, Synapses, TimedArray,
                    defaultclock, linked_var, second)

from .parameters import ModelParams

__all__ = ["MStdpNetwork", "build_network", "namespace", "visible_equations", "hidden_equations",
           "pool_equations", "feedforward_synapses", "feedback_synapses"]

# -- equation strings --------------------------------------------------------
# Conductances are in units of the leak (dimensionless).

VISIBLE_EQUATIONS = """
dv/dt = ((E_L - v) + g_stim*(E_e - v) + g_i*(E_i - v) + g_coupling_soma*(v_d - v)) / tau_m : volt (unless refractory)
dv_d/dt = ((E_L - v_d) + g_d*(E_e - v_d) + g_coupling_dendrite*(v - v_d)) / tau_d : volt
dg_d/dt = -g_d/tau_e : 1  # feedback (dendritic) excitation
g_stim = g_input * intensity * int((t % presentation_duration) < stimulus_duration) : 1
intensity : 1  # this presentation's stimulus, read from the TimedArray once at its start
g_i : 1 (linked)  # the visible pool's shared inhibitory conductance
g_input : 1 (shared)  # stimulus conductance at intensity 1
"""

HIDDEN_EQUATIONS = """
dv/dt = ((E_L - v) + g_e*(E_e - v) + g_i*(E_i - v)) / tau_m : volt (unless refractory)
dg_e/dt = -g_e/tau_e : 1  # feedforward (proximal) excitation
g_i : 1 (linked)  # the hidden pool's shared inhibitory conductance
phi : 1  # homeostatic scaling factor of the feedforward drive
count : 1  # spikes in the current presentation
rho : 1 (shared)  # target spikes per unit per presentation
homeostasis_rate : 1 (shared)
"""

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

FEEDFORWARD_MODEL = """
w : 1
eta : 1 (shared)
gain : 1 (shared)  # hidden g_e += gain * phi_j * W_ji
dapre/dt = -apre/tau_plus : 1 (event-driven)  # visible-spike trace
dapost/dt = -apost/tau_minus : 1 (event-driven)  # hidden-spike trace
"""
# STDP, visible pre, hidden post: LTP when the hidden spike follows.
FEEDFORWARD_ON_PRE = FORGET_STALE_TRACES + """
g_e_post += gain * phi_post * w
apre += 1
w = clip(w - eta * A_minus * apost, 0, w_max)
"""
FEEDFORWARD_ON_POST = FORGET_STALE_TRACES + """
apost += 1
w = clip(w + eta * A_plus * apre, 0, w_max)
"""

FEEDBACK_MODEL = """
q : 1
eta : 1 (shared)  # zeta/eta times the feedforward eta
gain : 1 (shared)  # dendrite g_d += gain * Q_ij
dapre/dt = -apre/tau_minus : 1 (event-driven)  # hidden-spike trace
dapost/dt = -apost/tau_plus : 1 (event-driven)  # visible-spike trace
"""
# aSTDP, hidden pre, visible post: the time-reversed rule, so that against
# t_hidden - t_visible it has the same profile as the feedforward STDP.
FEEDBACK_ON_PRE = FORGET_STALE_TRACES + """
g_d_post += gain * q
apre += 1
q = clip(q + eta * A_plus * apost, 0, q_max)
"""
FEEDBACK_ON_POST = FORGET_STALE_TRACES + """
apost += 1
q = clip(q - eta * A_minus * apre, 0, q_max)
"""


def namespace(params: ModelParams, stimulus: TimedArray | None = None) -> dict:
    """The constants the equation strings refer to."""
    n, d, c, pl, h, pr = (params.neurons, params.dendrite, params.connections, params.plasticity,
                          params.homeostasis, params.presentation)
    ns = dict(
        E_L=n.E_L, V_threshold=n.V_threshold, V_reset=n.V_reset, E_e=n.E_e, E_i=n.E_i,
        tau_m=n.tau_m, tau_m_inhibitory=n.tau_m_inhibitory, tau_e=n.tau_e,
        tau_d=d.tau_d, g_coupling_soma=d.g_coupling_soma, g_coupling_dendrite=d.g_coupling_dendrite,
        A_plus=pl.A_plus, A_minus=pl.A_minus, tau_plus=pl.tau_plus, tau_minus=pl.tau_minus,
        w_max=pl.w_max, q_max=pl.q_max, phi_min=h.phi_min, phi_max=h.phi_max,
        presentation_duration=pr.duration, stimulus_duration=pr.stimulus_duration,
    )
    if stimulus is not None:
        ns["stimulus"] = stimulus
    return ns


def visible_equations() -> Equations:
    return Equations(VISIBLE_EQUATIONS)


def hidden_equations() -> Equations:
    return Equations(HIDDEN_EQUATIONS)


def pool_equations() -> Equations:
    return Equations(POOL_EQUATIONS)


def _lif_group(n, eqs, params, name, *, refractory, reset="v = V_reset"):
    group = NeuronGroup(n, eqs, threshold="v > V_threshold", reset=reset,
                        refractory=refractory, method="euler", name=name)
    group.v = params.neurons.E_L
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


def feedforward_synapses(visible, hidden, params: ModelParams, name="feedforward", one_to_one=False) -> Synapses:
    """W: visible -> hidden, proximal, STDP. Synapse k = i * n_hidden + j (all to all),
    or visible k -> hidden k (``one_to_one``, for pairing protocols)."""
    c = params.connections
    syn = Synapses(visible, hidden, FEEDFORWARD_MODEL, on_pre=FEEDFORWARD_ON_PRE, on_post=FEEDFORWARD_ON_POST,
                   delay={"pre": c.delay_feedforward, "post": c.backprop_feedforward}, name=name)
    _connect(syn, len(visible), len(hidden), one_to_one)
    return syn


def feedback_synapses(hidden, visible, params: ModelParams, name="feedback", one_to_one=False) -> Synapses:
    """Q: hidden -> visible dendrite, distal, aSTDP. Synapse k = j * n_visible + i (all to all),
    or hidden k -> visible k (``one_to_one``)."""
    c = params.connections
    syn = Synapses(hidden, visible, FEEDBACK_MODEL, on_pre=FEEDBACK_ON_PRE, on_post=FEEDBACK_ON_POST,
                   delay={"pre": c.delay_feedback, "post": c.backprop_feedback}, name=name)
    _connect(syn, len(hidden), len(visible), one_to_one)
    return syn


def _connect(syn, n_pre, n_post, one_to_one):
    # Explicit indices fix the synapse order on every device.
    if one_to_one:
        syn.connect(j="i")
    else:
        syn.connect(i=np.repeat(np.arange(n_pre), n_post), j=np.tile(np.arange(n_post), n_pre))


# Parameters that are variables of the compiled network, not constants, so
# that one binary serves every value (set per run, via run_args standalone).
RUN_TIME_PARAMETERS = {
    # (group, variable): function of ModelParams
    ("visible", "g_input"): lambda p: p.connections.g_input,
    ("hidden", "rho"): lambda p: p.homeostasis.rho,
    ("hidden", "homeostasis_rate"): lambda p: p.homeostasis.rate,
    ("feedforward", "eta"): lambda p: p.plasticity.eta,
    ("feedforward", "gain"): lambda p: p.connections.g_feedforward,
    ("feedback", "eta"): lambda p: p.plasticity.eta * p.plasticity.zeta_over_eta,
    ("feedback", "gain"): lambda p: p.connections.g_feedback,
}
RUN_TIME_FIELDS = {("connections", "g_input"), ("homeostasis", "rho"), ("homeostasis", "rate"),
                   ("plasticity", "eta"), ("plasticity", "zeta_over_eta"),
                   ("connections", "g_feedforward"), ("connections", "g_feedback")}


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

    def set_values(self, values: dict):
        """Assign {VariableView: value} directly (runtime device)."""
        for view, value in values.items():
            view[:] = value

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
                  stimulus_values: np.ndarray | None = None) -> MStdpNetwork:
    """Build the network for chunks of ``n_presentations`` presentations.

    ``stimulus_values`` (n_presentations, n_visible) are the visible
    intensities; zeros if omitted (standalone runs pass them as run_args).
    """
    params.validate()
    if n_visible <= 0 or n_visible % 2:
        raise ValueError(f"n_visible must be a positive even number (ON + OFF), got {n_visible}")
    if n_presentations <= 0:
        raise ValueError(f"n_presentations must be positive, got {n_presentations}")
    if stimulus_values is None:
        stimulus_values = np.zeros((n_presentations, n_visible))
    stimulus_values = np.asarray(stimulus_values, dtype=float)
    if stimulus_values.shape != (n_presentations, n_visible):
        raise ValueError(f"stimulus must have shape {(n_presentations, n_visible)}, got {stimulus_values.shape}")
    if np.any(stimulus_values < 0):
        raise ValueError("visible intensities must be non-negative (split signed stimuli with data.on_off)")

    arch, neurons, pres = params.architecture, params.neurons, params.presentation
    period = pres.duration
    # Everything but the per-presentation operations runs on the defaultclock,
    # as in Brian2's examples (brian2cuda 1.0b1's synaptic code refers to it by
    # name, and fails to compile when no object of the network uses it).
    defaultclock.dt = pres.dt
    stimulus = TimedArray(stimulus_values, dt=period, name="stimulus")

    visible = _lif_group(n_visible, visible_equations(), params, "visible", refractory=neurons.refractory)
    visible.v_d = neurons.E_L
    hidden = _lif_group(arch.n_hidden, hidden_equations(), params, "hidden", refractory=neurons.refractory,
                        reset="v = V_reset\ncount += 1")
    hidden.phi = params.homeostasis.phi_init

    c = params.connections
    visible_pool = _pool(visible, arch.n_visible_pool, c.g_visible_to_pool, c.g_pool_to_visible,
                         neurons.tau_i, params, "visible")
    hidden_pool = _pool(hidden, arch.n_hidden_pool, c.g_hidden_to_pool, c.g_pool_to_hidden,
                        neurons.tau_i_hidden, params, "hidden")
    feedforward = feedforward_synapses(visible, hidden, params)
    feedback = feedback_synapses(hidden, visible, params)

    # Each presentation starts from rest: potentials and conductances reset
    # (STDP traces: FORGET_STALE_TRACES); homeostasis acts on the previous
    # presentation's count.
    resets = [
        visible.run_regularly("v = E_L\nv_d = E_L\ng_d = 0\nintensity = stimulus(t, i)", dt=period, when="start",
                              name="visible_reset"),
        hidden.run_regularly("phi = clip(phi * exp(homeostasis_rate * (rho - count)), phi_min, phi_max)\n"
                             "count = 0\nv = E_L\ng_e = 0", dt=period, when="start", name="hidden_reset"),
    ]
    monitors = {
        "visible": SpikeMonitor(visible, name="visible_spikes"),
        "hidden": SpikeMonitor(hidden, name="hidden_spikes"),
        "visible_pool": SpikeMonitor(visible_pool[0], name="visible_pool_spikes"),
        "hidden_pool": SpikeMonitor(hidden_pool[0], name="hidden_pool_spikes"),
    }
    network = Network(visible, hidden, *visible_pool, *hidden_pool, feedforward, feedback, *resets,
                      *monitors.values(), name="mstdp")
    return MStdpNetwork(network, visible, hidden, feedforward, feedback, stimulus, monitors,
                        namespace(params, stimulus), n_presentations, params)
