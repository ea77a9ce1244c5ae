"""The sym-STDP supervised network of Hao, Huang, Dong & Xu (2020) as Brian2 groups.

Poisson input (one neuron per pixel, rate ∝ pixel) --plastic, all to all-->
excitatory layer (Diehl & Cook conductance LIF with an adaptive threshold θ)
<--> one inhibitory partner per excitatory neuron (lateral inhibition of all
the others) --plastic, all to all--> 10 label neurons. Both plastic pathways
learn by sym-STDP: a pre spike adds η·(postsynaptic trace), a post spike η·(presynaptic trace), so either
order of a pair potentiates, by exp(−|Δt|/τ); synaptic scaling before every
presentation (each neuron's incoming weights rescaled to a fixed sum) is the
only depression. During training the image's label neuron is a 100 Hz
Poisson teacher and the others are silent; at test time the label neurons are
LIF neurons driven by the excitatory layer and the most active one answers.

A chunk of presentation *slots* is one ``run()``. The stimulus is a 2-D
TimedArray (image of the chunk × pixel, plus a last column holding the
image's class, −1 for no teacher). A presentation with fewer than
``min_spikes`` excitatory spikes is repeated at a higher rate (the authors'
rule), so a chunk of C slots gets through C or fewer images: a one-neuron
``presentation_control`` group counts the spikes and moves to the next image.
:func:`slot_images` replays that rule from the spikes to tell which slot
presented which image.

Nothing here knows which device runs it (see :mod:`brianmodel.device`).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from brian2 import (Network, NeuronGroup, SpikeMonitor, Synapses, TimedArray, defaultclock, linked_var, mV, volt,
                    second)

from ..device.contract import add_extra
from ..errors import DatasetError, SimulationError
from ..parameters import whole_steps
from ..params.run import N_CLASSES
from ..params.symstdp import SymStdpParams
from ..rules import Site, SymSTDP
from ..schedule import stimulus_table

__all__ = ["SymState", "SymStdpNetwork", "build_network", "build_values", "compiled_form",
           "slot_images", "slot_steps", "chunk_seed", "input_rates", "N_LABELS"]

N_LABELS = N_CLASSES
THETA_PIVOT = 10 * mV  # Hao: θ grows by theta_plus × (offset − 10 mV) / |θ − 10 mV| per spike

# -- equation strings --------------------------------------------------------
# Conductances are in units of the leak (dimensionless).

EXCITATORY_EQUATIONS = """
dv/dt = ((E_rest - v) + g_e*(E_e - v) + g_i*(E_i - v)) / tau_m : volt (unless refractory)
dg_e/dt = -g_e/tau_e : 1
dg_i/dt = -g_i/tau_i : 1
dtheta/dt = -plastic * theta/tau_theta : volt  # adaptive threshold, frozen with plasticity
w_total : 1  # sum of the incoming input weights (kept by the synapses, read by synaptic scaling)
plastic : 1 (shared)  # 1 while learning: θ and synaptic scaling act
"""
EXCITATORY_THRESHOLD = "v > V_threshold + theta - theta_offset"
EXCITATORY_RESET = "v = E_rest\ntheta += plastic * theta_plus * (theta_offset - theta_pivot) / abs(theta - theta_pivot)"

INHIBITORY_EQUATIONS = """
dv/dt = ((E_rest_inhibitory - v) + g_e*(E_e - v)) / tau_m_inhibitory : volt (unless refractory)
dg_e/dt = -g_e/tau_e : 1
"""

# Label neurons: a Poisson teacher while the presentation carries a class (training), else LIF (testing).
LABEL_EQUATIONS = """
dv/dt = ((E_rest_inhibitory - v) + g_e*(E_e - v)) / tau_m_inhibitory : volt
dg_e/dt = -g_e/tau_e : 1
w_total : 1  # sum of the incoming excitatory weights
target : 1  # 1 for the presentation's class (teacher on), else 0
teaching : 1 (linked)  # the presentation carries a class
plastic : 1 (shared)
image : 1 (linked)
"""
# Whether a time step lies in the image period is decided in whole steps (t_in_timesteps), exactly as
# slot_images replays it: with t % period in floating point the last step could fall either way.
IN_IMAGE = "int((t_in_timesteps % period_steps) < image_steps)"
LABEL_THRESHOLD = (f"(teaching > 0.5 and rand() < teacher_rate * dt * target * {IN_IMAGE}) "
                   "or (teaching < 0.5 and v > V_threshold_inhibitory)")

INPUT_EQUATIONS = """
rate : Hz  # this slot's Poisson rate
image : 1 (linked)
retries : 1 (linked)
"""
INPUT_THRESHOLD = f"rand() < rate * dt * {IN_IMAGE}"

# One neuron holding the slot bookkeeping: which image of the chunk is shown, how often it was retried,
# and how many excitatory spikes the current slot's image period has drawn.
CONTROL_EQUATIONS = """
image : 1  # index of the chunk image now presented
retries : 1  # times this image was presented again for too few spikes
n_spikes : 1  # excitatory spikes in this slot's image period (-1: the chunk's first slot)
teaching : 1  # this image carries a class (training)
random_seed : 1 (shared)  # the chunk's random stream (a device sets the generator from it)
"""
NEXT_SLOT = """
accepted = int(n_spikes >= min_spikes or retries >= max_retries) * int(n_spikes >= 0)
retries = (1 - accepted) * (retries + int(n_spikes >= 0))
image = image + accepted
n_spikes = 0
teaching = int(stimulus(image * period, n_pixels) >= 0)
"""

# sym-STDP (brianmodel.rules.SymSTDP), shared by both plastic pathways: either order potentiates; weights
# kept in [0, w_max]; the post neuron's incoming sum follows every change (synaptic scaling reads it). The
# rule's η is each pathway's shared variable (eta_input, eta_label; 0 when frozen), its trace's size and τ
# the network's constants.
SYM_STDP_SITE = Site(weight="w", maximum="w_max", bap=None, total="w_total_post")
SYM_STDP_MODEL = """
w : 1
eta : 1 (shared)
w_max : 1 (shared, constant)""" + SymSTDP().model(SYM_STDP_SITE)
SYM_STDP_ON_PRE = "\ng_e_post += w\n" + SymSTDP().on_pre(SYM_STDP_SITE) + "\n"
SYM_STDP_ON_POST = "\n" + SymSTDP().on_post(SYM_STDP_SITE) + "\n"
# before every presentation: each post neuron's incoming weights rescaled to weight_sum (while learning)
# ({weight_sum}: the pathway's target sum, input_weight_sum or label_weight_sum)
SYNAPTIC_SCALING = "w = w * (plastic_post * {weight_sum} / w_total_post + (1 - plastic_post))"
SCALED_SUM = "w_total = plastic * {weight_sum} + (1 - plastic) * w_total"




def namespace(params: SymStdpParams, stimulus: TimedArray, n_pixels: int) -> dict:
    n, p, pl = params.neurons, params.presentation, params.plasticity
    ns = {name: getattr(n, name) for name in (
        "E_rest", "V_threshold", "theta_offset", "theta_plus", "tau_theta", "tau_m", "E_rest_inhibitory",
        "V_reset_inhibitory", "V_threshold_inhibitory", "tau_m_inhibitory", "E_e", "E_i", "tau_e", "tau_i")}
    ns.update(theta_pivot=THETA_PIVOT, period=params.period, period_steps=whole_steps(params.period, p.dt),
              image_steps=whole_steps(p.image_duration, p.dt),
              teacher_rate=p.teacher_rate, max_rate=p.max_rate, rate_step=p.rate_step,
              min_spikes=p.min_spikes, max_retries=p.max_retries, tau_trace=pl.tau_trace,
              trace_increment=pl.trace_increment, g_ei=params.architecture.g_excitatory_to_inhibitory,
              g_ie=params.architecture.g_inhibitory_to_excitatory, stimulus=stimulus, n_pixels=n_pixels,
              input_weight_sum=pl.input_weight_per_pixel * n_pixels,
              label_weight_sum=pl.label_weight_sum_per_neuron * params.architecture.n_excitatory)
    return ns


@dataclass
class SymState:
    """What carries from one chunk to the next."""

    W_input: np.ndarray  # (n_pixels, n_excitatory) input -> excitatory weights
    W_label: np.ndarray  # (n_excitatory, N_LABELS) excitatory -> label weights
    theta: np.ndarray  # (n_excitatory,) adaptive thresholds, volt as float
    retries: np.ndarray  # () retries of the chunk's first image (carried when a chunk ends mid-retry)
    seed: np.ndarray  # () random stream of the chunk run from this state (set by the training loop)
    chunk: np.ndarray  # () chunks run so far (numbers the next chunk's random stream)
    last_slot: np.ndarray = None  # (image, retries) of the chunk's last slot as the binary saw them (checks the replay)

    @classmethod
    def initial(cls, params: SymStdpParams, n_pixels: int, seed: int) -> "SymState":
        """Both pathways U(0, w_init_max) (Hao), θ = theta_init."""
        rng = np.random.default_rng([seed, 0])
        n_exc, w0 = params.architecture.n_excitatory, params.plasticity.w_init_max
        return cls(W_input=rng.uniform(0, w0, (n_pixels, n_exc)), W_label=rng.uniform(0, w0, (n_exc, N_LABELS)),
                   theta=np.full(n_exc, float(params.neurons.theta_init)), retries=np.array(0),
                   seed=np.array(chunk_seed(seed, 0)), chunk=np.array(0))

    def arrays(self) -> dict:
        return {"W_input": self.W_input, "W_label": self.W_label, "theta": self.theta, "retries": self.retries,
                "seed": self.seed, "chunk": self.chunk}  # (last_slot: a check, not carried)


def chunk_seed(seed: int, chunk: int) -> int:
    """The random stream of a chunk: depends on the run's seed and the chunk's number only."""
    return int(np.random.default_rng([seed, 7, chunk]).integers(1, 2 ** 31))


@dataclass
class SymStdpNetwork:
    network: Network
    inputs: NeuronGroup
    excitatory: NeuronGroup
    labels: NeuronGroup
    control: NeuronGroup
    input_to_excitatory: Synapses
    excitatory_to_label: Synapses
    stimulus: TimedArray
    monitors: dict
    namespace: dict
    n_presentations: int
    params: SymStdpParams
    extra_objects: list = field(default_factory=list)  # the user's objects (Model.extra)

    @property
    def duration(self):
        return self.n_presentations * self.params.period

    @property
    def period(self):
        return self.params.period

    def stimulus_values(self, stimulus: np.ndarray) -> dict:
        """{TimedArray: values}: the chunk's rows (pixels, then class)."""
        return {self.stimulus: stimulus}

    @property
    def seed_variable(self):
        """The shared variable a standalone device seeds its random generators from."""
        return self.control.variables["random_seed"]

    def run_time_values(self, params: SymStdpParams | None = None) -> dict:
        params = params or self.params
        pl = params.plasticity
        plastic = float(pl.eta_input > 0 or pl.eta_label > 0)
        return {self.input_to_excitatory.eta: pl.eta_input, self.excitatory_to_label.eta: pl.eta_label,
                self.excitatory.plastic: plastic, self.labels.plastic: plastic}

    def state_values(self, state: SymState) -> dict:
        return {self.input_to_excitatory.w: state.W_input.ravel(), self.excitatory_to_label.w: state.W_label.ravel(),
                self.excitatory.w_total: state.W_input.sum(axis=0), self.labels.w_total: state.W_label.sum(axis=0),
                self.excitatory.theta: state.theta * volt, self.control.retries: np.array([float(state.retries)]),
                self.control.random_seed: float(state.seed)}

    def read_state(self) -> SymState:
        n_pix, n_exc = len(self.inputs), len(self.excitatory)
        return SymState(W_input=np.asarray(self.input_to_excitatory.w[:]).reshape(n_pix, n_exc).copy(),
                        W_label=np.asarray(self.excitatory_to_label.w[:]).reshape(n_exc, N_LABELS).copy(),
                        theta=np.asarray(self.excitatory.theta[:]).copy(),
                        retries=np.array(int(self.control.retries[0])),
                        seed=np.array(0), chunk=np.array(0),  # (the training loop sets these two)
                        last_slot=np.array([int(self.control.image[0]), int(self.control.retries[0])]))

    def results(self) -> list:
        """The synapses' variables :meth:`read_state` reads (a standalone binary writes no others)."""
        return [self.input_to_excitatory.variables["w"], self.excitatory_to_label.variables["w"]]

    def read_spikes(self) -> dict:
        return {name: (np.asarray(m.i[:]).copy(), np.asarray(m.t[:] / second).copy())
                for name, m in self.monitors.items()}


def _plastic(source, target, name, w_max):
    syn = Synapses(source, target, SYM_STDP_MODEL, on_pre=SYM_STDP_ON_PRE, on_post=SYM_STDP_ON_POST, name=name)
    syn.connect()  # all to all, pre-major order: w.reshape(n_pre, n_post)
    syn.w_max = w_max
    return syn


def build_network(params: SymStdpParams, n_inputs: int, n_presentations: int,
                  stimulus_values: np.ndarray | None = None, before_delays=None, extra=None) -> SymStdpNetwork:
    """The network for chunks of ``n_presentations`` slots.

    ``stimulus_values`` (n_presentations, n_pixels + 1): pixel values in [0, 1]
    and, last, the image's class (−1: no teacher). ``before_delays()``, if
    given, is called once every variable has its default (a standalone
    device applies its run_args there). ``extra(net)`` returns the user's own
    Brian2 objects to add.
    """
    params.validate()
    n_pixels = n_inputs - 1
    if n_pixels <= 0:
        raise SimulationError(f"n_inputs must be pixels + 1 (the class column), got {n_inputs}")
    stimulus_values = stimulus_table(stimulus_values, n_presentations, n_inputs)

    arch, neurons, pres, pl = params.architecture, params.neurons, params.presentation, params.plasticity
    period = params.period
    defaultclock.dt = pres.dt  # every object on the defaultclock (brian2cuda needs one that uses it)
    stimulus = TimedArray(stimulus_values, dt=period, name="stimulus")

    control = NeuronGroup(1, CONTROL_EQUATIONS, method="euler", name="presentation_control")
    control.n_spikes = -1
    inputs = NeuronGroup(n_pixels, INPUT_EQUATIONS, threshold=INPUT_THRESHOLD, method="euler", name="inputs")
    # Exponential Euler: exact for the membrane at fixed conductances, so stable when hundreds of
    # inhibitory spikes arrive together (forward Euler overshoots there; Hao clamp v at -100 mV instead)
    excitatory = NeuronGroup(arch.n_excitatory, EXCITATORY_EQUATIONS, threshold=EXCITATORY_THRESHOLD,
                             reset=EXCITATORY_RESET, refractory=neurons.refractory, method="exponential_euler",
                             name="excitatory")
    inhibitory = NeuronGroup(arch.n_excitatory, INHIBITORY_EQUATIONS, threshold="v > V_threshold_inhibitory",
                             reset="v = V_reset_inhibitory", refractory=neurons.refractory_inhibitory,
                             method="exponential_euler", name="inhibitory")
    labels = NeuronGroup(N_LABELS, LABEL_EQUATIONS, threshold=LABEL_THRESHOLD, reset="v = V_reset_inhibitory",
                         method="exponential_euler", name="labels")
    zeros_in, zeros_lab = np.zeros(n_pixels, dtype=int), np.zeros(N_LABELS, dtype=int)
    inputs.image = linked_var(control, "image", index=zeros_in)
    inputs.retries = linked_var(control, "retries", index=zeros_in)
    labels.image = linked_var(control, "image", index=zeros_lab)
    labels.teaching = linked_var(control, "teaching", index=zeros_lab)
    excitatory.v, inhibitory.v = neurons.E_rest, neurons.E_rest_inhibitory
    labels.v = neurons.E_rest_inhibitory
    excitatory.theta = neurons.theta_init
    excitatory.plastic = labels.plastic = 1.0

    input_to_excitatory = _plastic(inputs, excitatory, "input_to_excitatory", pl.w_input_max)
    excitatory_to_label = _plastic(excitatory, labels, "excitatory_to_label", pl.w_label_max)
    input_to_excitatory.eta, excitatory_to_label.eta = pl.eta_input, pl.eta_label
    excitatory_to_inhibitory = Synapses(excitatory, inhibitory, on_pre="g_e_post += g_ei",
                                        name="excitatory_to_inhibitory")
    excitatory_to_inhibitory.connect(j="i")
    inhibitory_to_excitatory = Synapses(inhibitory, excitatory, on_pre="g_i_post += g_ie",
                                        name="inhibitory_to_excitatory")
    inhibitory_to_excitatory.connect(condition="i != j")
    spike_counter = Synapses(excitatory, control, on_pre=f"n_spikes_post += {IN_IMAGE}",
                             name="spike_counter")
    spike_counter.connect()
    if before_delays is not None:
        before_delays()

    # slot start: the control moves on (or retries), the weights are scaled, the inputs and teacher set
    slot = dict(dt=period, when="start")
    operations = [
        control.run_regularly(NEXT_SLOT, order=0, name="next_slot", **slot),
        input_to_excitatory.run_regularly(SYNAPTIC_SCALING.format(weight_sum="input_weight_sum"), order=1,
                                          name="input_scaling", **slot),
        excitatory_to_label.run_regularly(SYNAPTIC_SCALING.format(weight_sum="label_weight_sum"), order=1,
                                          name="label_scaling", **slot),
        excitatory.run_regularly(SCALED_SUM.format(weight_sum="input_weight_sum"), order=2, name="excitatory_sum",
                                 **slot),
        labels.run_regularly(SCALED_SUM.format(weight_sum="label_weight_sum") + "\ntarget = int(i == stimulus(image * period, n_pixels))", order=2,
                             name="label_target", **slot),
        inputs.run_regularly("rate = stimulus(image * period, i) * (max_rate + retries * rate_step)", order=2,
                             name="input_rates", **slot),
    ]
    monitors = {"excitatory": SpikeMonitor(excitatory, name="excitatory_spikes"),
                "labels": SpikeMonitor(labels, name="label_spikes")}
    network = Network(control, inputs, excitatory, inhibitory, labels, input_to_excitatory, excitatory_to_label,
                      excitatory_to_inhibitory, inhibitory_to_excitatory, spike_counter, *operations,
                      *monitors.values(), name="symstdp")
    built = SymStdpNetwork(network, inputs, excitatory, labels, control, input_to_excitatory, excitatory_to_label,
                           stimulus, monitors, namespace(params, stimulus, n_pixels), n_presentations, params)
    built.extra_objects = add_extra(extra, built)
    return built


# -- what is compiled in ------------------------------------------------------
RUN_TIME_FIELDS = {("plasticity", "eta_input"), ("plasticity", "eta_label")}


def build_values(params: SymStdpParams) -> SymStdpParams:
    """``params`` with the run-time fields at their defaults: the generated code does not depend on them."""
    defaults = SymStdpParams()
    return params.with_overrides(plasticity={name: getattr(defaults.plasticity, name)
                                             for section, name in RUN_TIME_FIELDS})


def compiled_form(params: SymStdpParams) -> dict:
    compiled = params.to_dict()
    for section, name in RUN_TIME_FIELDS:
        compiled[section].pop(name)
    compiled["presentation"].pop("mean_pixel")  # preprocessing, not the network
    return compiled


# -- input and bookkeeping -----------------------------------------------------

def input_rates(images: np.ndarray, params: SymStdpParams) -> np.ndarray:
    """(n, pixels) values in [0, 1] that scale the Poisson rates: the images themselves, or rescaled
    to a mean pixel of ``presentation.mean_pixel`` (Hao's Fashion-MNIST preprocessing; saturating at 1)."""
    flat = np.asarray(images, dtype=float).reshape(len(images), -1)
    if np.any(flat < 0) or np.any(flat > 1):
        raise DatasetError("sym-STDP input images must have pixel values in [0, 1]")
    target = params.presentation.mean_pixel
    if target is None:
        return flat
    means = flat.mean(axis=1, keepdims=True)
    return np.clip(flat * (target / np.where(means > 0, means, 1)), 0, 1)


def slot_steps(times, params: SymStdpParams):
    """(slot of each spike time, whether it falls in the slot's image period), in whole time steps as
    the binary decides it."""
    p = params.presentation
    steps = np.rint(np.asarray(times) / float(p.dt)).astype(np.int64)
    period_steps, image_steps = whole_steps(params.period, p.dt), whole_steps(p.image_duration, p.dt)
    return steps // period_steps, (steps % period_steps) < image_steps


def slot_images(excitatory_spikes, n_slots: int, retries_start: int, params: SymStdpParams):
    """Replay the presentation control: (image of each slot, accepted flag of each slot, retries carried out,
    retries at the last slot's start).

    A slot's image is accepted when its image period drew ``min_spikes``
    excitatory spikes, or after ``max_retries`` retries; the last slot's
    verdict is taken here, after the run.
    """
    slot_of, in_image = slot_steps(excitatory_spikes[1], params)
    counts = np.bincount(slot_of[in_image], minlength=n_slots)[:n_slots]
    image, retries = 0, int(retries_start)
    images, accepted = np.zeros(n_slots, dtype=int), np.zeros(n_slots, dtype=bool)
    for s in range(n_slots):
        images[s], last_retries = image, retries
        accepted[s] = counts[s] >= params.presentation.min_spikes or retries >= params.presentation.max_retries
        if accepted[s]:
            image, retries = image + 1, 0
        else:
            retries += 1
    return images, accepted, retries, last_retries
