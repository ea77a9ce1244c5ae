"""Parameters of the mirrored-STDP network (Burbank 2015), its presets and the paper's recipes.

Burbank (2015) fixes only a few values (we have its abstract and figure
captions, not its Methods). Those are marked ``# paper``; every other value is
a modelling choice of ours (``# ours``), taken from the point-neuron starting
point in ``docs/model.md`` and tuned where the field's comment says so.

Conductances are dimensionless, in units of the leak conductance, so that a
neuron's membrane equation reads ``tau_m dv/dt = (E_L - v) + g (E - v) + ...``.

Parameters are frozen dataclasses; derive variants with
:meth:`ModelParams.with_overrides`, which validates before anything is
compiled.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from brian2 import Quantity, ms, mV, um

from ..errors import ParameterError
from ..parameters import ParameterSet, field
from ..rules import NO_RULE, rule
from .cable import Cable, check_step

__all__ = ["Neurons", "Dendrite", "Architecture", "Connections", "Plasticity", "Homeostasis", "Presentation",
           "Locations", "Rules", "Lateral", "Cable", "ModelParams", "MIRRORED", "PRESETS", "preset",
           "preset_hidden", "NATURAL_OVERRIDES", "Recipe", "RECIPES"]


@dataclass(frozen=True)
class Neurons:
    """Conductance-based LIF neurons (``# ours`` throughout: the paper says IF)."""

    E_L: Quantity = field(-65 * mV, mV)
    V_threshold: Quantity = field(-52 * mV, mV)
    V_reset: Quantity = field(-65 * mV, mV)
    E_e: Quantity = field(0 * mV, mV)
    E_i: Quantity = field(-80 * mV, mV)
    tau_m: Quantity = field(10 * ms, ms, positive=True)  # excitatory cells
    tau_m_inhibitory: Quantity = field(5 * ms, ms, positive=True)
    refractory: Quantity = field(2 * ms, ms, nonnegative=True)
    refractory_inhibitory: Quantity = field(1 * ms, ms, nonnegative=True)
    tau_e: Quantity = field(2 * ms, ms, positive=True)  # excitatory conductance decay
    tau_i: Quantity = field(5 * ms, ms, positive=True)  # inhibitory conductance decay
    # Slow hidden inhibition (20 ms) keeps a hidden unit that fired in the
    # intermediate bout from firing again on the final bout.
    tau_i_hidden: Quantity = field(20 * ms, ms, positive=True)
    # The hidden units' feedforward conductance decay (ours; None: tau_e). A slower one makes their drive
    # rise more slowly; with the hidden pool it does not spread their spikes in time (docs/lateral.md).
    tau_e_hidden: Quantity | None = field(None, ms, positive=True)
    # Membrane noise of the visible somata (ours; None: none, the paper's deterministic cells): the s.d. of an
    # Ornstein-Uhlenbeck drive with the membrane's time constant. Near threshold it makes a visible unit's
    # one-spike final bout fire with a probability graded by the feedback drive, which is what lets the rule
    # learn localized edges from natural scenes (docs/natural-patches.md). A run-time value; whether there is
    # noise is compiled in.
    visible_noise: Quantity | None = field(None, mV, nonnegative=True)


@dataclass(frozen=True)
class Dendrite:
    """Visible neurons: soma plus one passive dendritic compartment (# ours).

    The feedback synapses sit on the dendrite, so their EPSPs reach the soma
    attenuated and delayed by the coupling. ``g_coupling_soma`` is the
    dendrite-to-soma coupling seen by the soma, ``g_coupling_dendrite`` the
    soma-to-dendrite coupling seen by the dendrite (both in leak units of the
    compartment they act on).
    """

    tau_d: Quantity = field(10 * ms, ms, positive=True)
    g_coupling_soma: float = field(1.0, None, positive=True)
    g_coupling_dendrite: float = field(1.0, None, positive=True)


@dataclass(frozen=True)
class Architecture:
    """Layer sizes. 2 x pixels visible neurons (ON and OFF) come from the data."""

    n_hidden: int = field(200, None, positive=True)  # ours (docs/model.md)
    n_visible_pool: int = field(40, None, positive=True)  # ours
    n_hidden_pool: int = field(20, None, positive=True)  # ours


@dataclass(frozen=True)
class Connections:
    """Synaptic gains (leak units) and delays (# ours). Every delay is a run-time parameter.

    How the delays enter the bout gaps (spike times at the somata):

    - Δt1 (initial visible bout -> hidden spike) = ``delay_feedforward`` + the
      hidden soma's integration time (+ the hidden dendrite's filtering when
      ``locations.feedforward`` is set).
    - Δt2 (hidden spike -> final visible bout) = ``delay_feedback`` + the
      visible dendrite's transfer time from ``locations.feedback`` to the soma
      (the EPSP's time to peak: ~4 ms at 50 µm, ~11 ms at 450 µm) + the soma's
      integration time.

    What each plastic synapse sees: its presynaptic spike after its axonal
    delay d, its postsynaptic spike after the back-propagation delay b. W
    (visible -> hidden) pairs the initial bout with the hidden spike at
    Δt1 + b_W − d_W (LTP) and the hidden spike with the final bout at
    Δt2 − b_W + d_W (LTD); Q (hidden -> visible) at Δt1 + d_Q − b_Q (LTP) and
    Δt2 − d_Q + b_Q (LTD). The update approximates the autoencoder's gradient
    when each synapse's two lags are alike. ``backprop_delay_*`` None: b = d
    (somatic lags) for a compact cell, b = location / cable.bap_velocity for a
    synapse with a location (:func:`brianmodel.mstdp.placement.placement`).
    """

    # stimulus conductance at intensity 1: ~140 initial-bout spikes per digit (tuned here)
    g_input: float = field(3.0, None, nonnegative=True)
    g_feedforward: float = field(0.1, None, nonnegative=True)  # hidden g_e += g_ff * phi_j * W_ji
    # dendrite g_d += g_fb * Q_ij; strong enough for a final bout from the start (tuned here: 1.5 gave none)
    g_feedback: float = field(4.0, None, nonnegative=True)
    delay_feedforward: Quantity = field(5 * ms, ms, nonnegative=True)
    # shorter than W's: the dendrite adds ~3 ms, so that Δt2 ≈ 9 ms stays near Δt1 ≈ 6 ms
    delay_feedback: Quantity = field(3 * ms, ms, nonnegative=True)
    # None: the axonal delay (compact cell) or location / bap_velocity (see above)
    backprop_delay_feedforward: Quantity | None = field(None, ms, nonnegative=True)
    backprop_delay_feedback: Quantity | None = field(None, ms, nonnegative=True)
    g_visible_to_pool: float = field(0.02, None, nonnegative=True)
    g_pool_to_visible: float = field(0.05, None, nonnegative=True)
    # fast, strong hidden inhibition: k-winners-take-all
    g_hidden_to_pool: float = field(1.5, None, nonnegative=True)
    g_pool_to_hidden: float = field(0.3, None, nonnegative=True)


@dataclass(frozen=True)
class Plasticity:
    """Mirrored STDP: STDP on W (feedforward), time-reversed aSTDP on Q.

    Window F(Δ), Δ = t_hidden - t_visible: ``A_plus exp(-Δ/tau_plus)`` for
    Δ > 0 (LTP), ``-A_minus exp(Δ/tau_minus)`` for Δ < 0 (LTD); W follows
    ``eta F``, Q follows ``zeta_over_eta * eta F`` (# paper: the rule's form
    and the ζ/η scaling; the numbers are ours). Additive, hard bounds.
    """

    eta: float = field(0.04, None, nonnegative=True)
    zeta_over_eta: float = field(1.0, None, nonnegative=True)  # paper's constant; value ours
    A_plus: float = field(1.0, None, nonnegative=True)
    A_minus: float = field(1.0, None, nonnegative=True)
    tau_plus: Quantity = field(10 * ms, ms, positive=True)
    tau_minus: Quantity = field(10 * ms, ms, positive=True)
    w_max: float = field(1.0, None, positive=True)
    q_max: float = field(1.0, None, positive=True)
    w_init_max: float = field(0.3, None, nonnegative=True)  # W ~ U(0, w_init_max)
    q_init_max: float = field(0.3, None, nonnegative=True)  # Q ~ U(0, q_init_max), independent of W


@dataclass(frozen=True)
class Homeostasis:
    """Scaling factors Φ_j of the feedforward drive (# paper: Φ_j and ρ exist).

    At each presentation start: ``phi <- clip(phi * exp(rate * (rho - count)),
    phi_min, phi_max)``, count being hidden unit j's spikes in the previous
    presentation; ρ is thus a target in spikes per unit per presentation.
    """

    # 0.1 (10% of units spike once per presentation): reconstruction_corr 0.68
    # vs 0.54 at 0.05 after 5,000 digits (tuned here).
    rho: float = field(0.1, None, positive=True)
    rate: float = field(0.1, None, nonnegative=True)
    phi_init: float = field(0.8, None, positive=True)
    phi_min: float = field(0.02, None, positive=True)
    phi_max: float = field(50.0, None, positive=True)


@dataclass(frozen=True)
class Locations:
    """Where the plastic synapses sit: distances from the soma (# ours).

    ``None`` keeps a cell compact: the visible neuron's soma + one dendrite
    (:class:`Dendrite`), the hidden neuron's point soma. A distance makes that
    cell a ball-and-stick (:class:`Cable`) and puts the synapse in the
    compartment holding it. The back-propagating spike reaches the synapse
    ``location / bap_velocity`` after the somatic spike (unless
    ``connections.backprop_delay_*`` says otherwise) and with amplitude
    ``exp(-location / bap_length_constant)``, which scales the whole window.
    All three are run-time parameters: one binary serves every location.
    """

    feedback: Quantity | None = field(None, um, nonnegative=True)  # Q on the visible dendrite
    feedforward: Quantity | None = field(None, um, nonnegative=True)  # W on the hidden dendrite
    # STDP at synapses nearer the soma than this, aSTDP at or beyond it; None:
    # the paper's rule by pathway (W STDP, Q aSTDP) wherever the synapses sit.
    crossover: Quantity | None = field(None, um, nonnegative=True)


MIRRORED = "mirrored"  # the network's own rule: Plasticity's window, placed by the synapses' locations
MIRRORED_FIELDS = ("eta", "zeta_over_eta", "A_plus", "A_minus", "tau_plus", "tau_minus")  # its window's fields


@dataclass(frozen=True)
class Rules:
    """The plasticity rule of each plastic pathway (# ours: the paper's is ``mirrored`` on both).

    ``mirrored``: the paper's rule, :class:`Plasticity`'s window (STDP on W,
    aSTDP on Q, or by ``locations.crossover``) with the placement's lags and
    back-propagating amplitude. Otherwise a rule of :mod:`brianmodel.rules`,
    ``NAME`` or ``NAME(param=value, ...)``, with its own parameters (each a
    run-time value: copies of an ensemble may differ in them, not in the
    rule's name). Every rule sees the same delays, locations and gains.
    """

    feedforward: str = field(MIRRORED, str)
    feedback: str = field(MIRRORED, str)
    # inhibition between each copy's hidden units (:class:`Lateral`): ``none``, the paper's network, has no such
    # synapses; a rule of brianmodel.rules (``istdp``) makes them and is their plasticity
    lateral: str = field(NO_RULE, str)


@dataclass(frozen=True)
class Lateral:
    """Plastic inhibition between the hidden units of each copy (# ours: the paper's network has only the pool).

    With ``rules.lateral`` set, hidden unit j inhibits every other hidden unit k
    of its copy: j's spike adds ``g_lateral * M_kj`` to k's lateral inhibitory
    conductance (reversal ``neurons.E_i``), after ``delay``; it decays with
    ``tau``. M starts at 0 (no inhibition before learning) and follows the
    rule, bounded by ``m_max``: with ``istdp``, units that fire together
    inhibit each other more until they fire together about as often as the
    rule's α says: the decorrelating inhibition of SAILnet (Zylberberg et al.
    2011) and Földiák (1990). (On digits it decorrelates the activity but
    makes the features more alike: docs/lateral.md.) ``g_lateral``, ``delay``
    and the rule's parameters are run-time values; the rest is compiled in.
    """

    g_lateral: float = field(0.1, None, nonnegative=True)  # hidden g_l += g_lateral * M_kj
    delay: Quantity = field(0 * ms, ms, nonnegative=True)  # 0: the next time step, as the pool acts
    # as the pool's (neurons.tau_i_hidden): a unit inhibited in the intermediate bout stays silent on the final one
    tau: Quantity = field(20 * ms, ms, positive=True)
    m_max: float = field(1.0, None, positive=True)


@dataclass(frozen=True)
class Presentation:
    """Stimulus timing and readout."""

    dt: Quantity = field(0.1 * ms, ms, positive=True)  # ours
    duration: Quantity = field(65 * ms, ms, positive=True)  # paper (65 ms per presentation)
    stimulus_duration: Quantity = field(5 * ms, ms, positive=True)  # ours
    # Visible spikes before this time form the initial bout, after it the final bout.
    readout_split: Quantity = field(9 * ms, ms, positive=True)  # ours, checked on rasters
    # Ours, off by default (the paper's cell keeps its state): at this time after each presentation's start
    # the visible cells' membranes (soma and every dendritic compartment) return to rest. Set between the
    # initial bout and the feedback's arrival, the final bout then starts from rest and echoes the initial
    # one much less (docs/code.md, "Forgetting the initial bout").
    visible_forget: Quantity | None = field(None, ms, positive=True)


@dataclass(frozen=True)
class ModelParams(ParameterSet):
    """Every parameter of the mSTDP network (:mod:`brianmodel.mstdp`), in sections."""

    neurons: Neurons = dataclasses.field(default_factory=Neurons)
    dendrite: Dendrite = dataclasses.field(default_factory=Dendrite)
    architecture: Architecture = dataclasses.field(default_factory=Architecture)
    connections: Connections = dataclasses.field(default_factory=Connections)
    plasticity: Plasticity = dataclasses.field(default_factory=Plasticity)
    homeostasis: Homeostasis = dataclasses.field(default_factory=Homeostasis)
    presentation: Presentation = dataclasses.field(default_factory=Presentation)
    locations: Locations = dataclasses.field(default_factory=Locations)
    cable: Cable = dataclasses.field(default_factory=Cable)
    rules: Rules = dataclasses.field(default_factory=Rules)
    lateral: Lateral = dataclasses.field(default_factory=Lateral)

    # -- validation -------------------------------------------------------
    def validate(self) -> "ModelParams":
        super().validate()
        p = self.presentation
        if p.stimulus_duration > p.duration:
            raise ParameterError("presentation.stimulus_duration must not exceed presentation.duration")
        if not (p.stimulus_duration <= p.readout_split < p.duration):
            raise ParameterError("presentation.readout_split must lie between the stimulus end and the presentation end")
        for name in ("duration", "stimulus_duration"):  # the network counts them in whole steps
            _check_whole_steps(f"presentation.{name}", getattr(p, name), p.dt)
        if p.visible_forget is not None:
            _check_whole_steps("presentation.visible_forget", p.visible_forget, p.dt)
            if not p.stimulus_duration <= p.visible_forget < p.duration:
                raise ParameterError(f"presentation.visible_forget = {p.visible_forget} must lie between the "
                                     f"stimulus end ({p.stimulus_duration}) and the presentation end ({p.duration})")
        n = self.neurons
        if not n.V_threshold > n.E_L:
            raise ParameterError("neurons.V_threshold must lie above neurons.E_L")
        h = self.homeostasis
        if not h.phi_min <= h.phi_init <= h.phi_max:
            raise ParameterError("homeostasis needs phi_min <= phi_init <= phi_max")
        c = self.connections
        for name in ("delay_feedforward", "delay_feedback", "backprop_delay_feedforward", "backprop_delay_feedback"):
            value = getattr(c, name)
            if value is None:
                continue
            _check_whole_steps(f"connections.{name}", value, p.dt)
            if value >= p.duration - p.readout_split:
                raise ParameterError(f"connections.{name} = {value} is too long: spikes would cross into the next presentation")
        located = [name for name in ("feedforward", "feedback") if getattr(self.locations, name) is not None]
        for pathway in located:
            location = getattr(self.locations, pathway)
            if location > self.cable.length:
                raise ParameterError(f"locations.{pathway} = {location} lies beyond the dendrite's end "
                                     f"(cable.length = {self.cable.length})")
        if located:
            check_step(self.cable, p.dt)
        d = self.lateral.delay
        _check_whole_steps("lateral.delay", d, p.dt)
        if d >= p.duration - p.readout_split:
            raise ParameterError(f"lateral.delay = {d} is too long: spikes would cross into the next presentation")
        for pathway in ("feedforward", "feedback", "lateral"):
            self.rule(pathway)
        return self

    def frozen(self) -> "ModelParams":
        """These parameters with plasticity off: η 0 for the mirrored rule and every other rule, no homeostasis."""
        rules = {p: self.rule(p).with_values(eta=0.0).spec() for p in ("feedforward", "feedback", "lateral")
                 if self.rule(p) is not None}
        return self.with_overrides(plasticity={"eta": 0.0}, homeostasis={"rate": 0.0}, rules=rules)

    def check_effective(self, section: str, name: str) -> None:
        """Refuse a field the rules in use ignore: the mirrored rule's window (``plasticity``'s η, ζ/η, A±, τ±)
        when no pathway follows it (ζ/η: when the feedback does not); ``lateral``'s fields without lateral
        synapses."""
        if section == "lateral" and self.rule("lateral") is None:
            raise ParameterError(f"lateral.{name} has no effect here: the network has no lateral synapses "
                                 f"(rules.lateral = 'none'); give them a rule, e.g. --rule lateral=istdp")
        if section != "plasticity" or name not in MIRRORED_FIELDS:
            return
        users = ("feedback",) if name == "zeta_over_eta" else ("feedforward", "feedback")
        if all(self.rule(p) is not None for p in users):
            raise ParameterError(f"plasticity.{name} has no effect here: it shapes the mirrored rule, and "
                                 f"{' and '.join(users)} follow{'s' if len(users) == 1 else ''} "
                                 f"{', '.join(getattr(self.rules, p) for p in users)}; set the rule's own "
                                 f"parameters instead (e.g. --rule 'feedforward=stdp(eta=0.02)')")

    def rule(self, pathway: str):
        """The rule of :mod:`brianmodel.rules` that ``rules.PATHWAY`` names, or None for the default: the
        network's own (``mirrored``, which :func:`brianmodel.mstdp.mirrored.pathway_rule` builds from
        ``plasticity`` and the pathway's placement) and no lateral synapses (``none``)."""
        spec = getattr(self.rules, pathway)
        allowed = NO_RULE if pathway == "lateral" else MIRRORED
        if spec in (MIRRORED, NO_RULE) and spec != allowed:
            raise ParameterError(f"rules.{pathway} cannot be {spec!r} (it is {allowed!r} or a rule of "
                                 f"brianmodel.rules)")
        if spec == allowed:
            return None
        try:
            return rule(spec)
        except ParameterError as error:
            raise ParameterError(f"rules.{pathway}: {error}") from None


def _check_whole_steps(name: str, value, dt) -> None:
    steps = float(value / dt)
    if abs(steps - round(steps)) > 1e-6:
        raise ParameterError(f"{name} = {value} is not a multiple of dt = {dt}")


# -- named presets ---------------------------------------------------------
PRESETS = {
    "main": lambda: ModelParams(),
    # Fig 10: very sparse and non-sparse codes
    "very-sparse": lambda: ModelParams().with_overrides(homeostasis={"rho": 0.001}),
    "non-sparse": lambda: ModelParams().with_overrides(homeostasis={"rho": 0.3}),
    # ball-and-stick visible cells, feedback synapses 250 µm out (tuned here: with the dendrite's load
    # the soma needs twice the stimulus for ~200 initial-bout spikes per digit, and g_feedback 4 gives
    # a final bout at 250 µm from the first presentation; Δt2 ≈ 9.4 ms as in the compact cell)
    "dendritic": lambda: ModelParams().with_overrides(locations={"feedback": 250 * um},
                                                      connections={"g_input": 6.0, "g_feedback": 4.0}),
    # `main` with plastic lateral inhibition between hidden units (Vogels' iSTDP), chosen by the sweeps of
    # docs/lateral.md: held-out corr(x, x̂) +0.012 over 3 seeds (0.692 -> 0.704), though the features grow
    # more alike, not less
    "lateral": lambda: ModelParams().with_overrides(rules={"lateral": "istdp(eta=0.05, alpha=0.05)"},
                                                    lateral={"g_lateral": 0.3}),
    # `lateral` with a weaker visible pool (g_pool_to_visible 0.05 -> 0.03), chosen by the sweeps of
    # docs/lateral.md ("A weaker visible pool"): held-out corr(x, x̂) 0.747 over 3 seeds (`main` 0.692,
    # `lateral` 0.704), with a stronger echo of the initial bout in the final one and a code hardly better
    # (docs/code.md, "The final bout echoes the initial one")
    "reconstruction": lambda: PRESETS["lateral"]().with_overrides(connections={"g_pool_to_visible": 0.03}),
    # the weaker visible pool with a 16x feedback gain and no lateral inhibition, chosen by the same study:
    # after 30,000 presentations (3 seeds) the co-active units' features decorrelate (Q column r 0.19, `main`
    # 0.53) with corr(Q, Wᵀ) 0.89 and held-out corr(x, x̂) 0.743; after 5,000, corr(Q, Wᵀ) is still 0.82
    "decorrelated": lambda: ModelParams().with_overrides(connections={"g_pool_to_visible": 0.03, "g_feedback": 64.0}),
    # `reconstruction` with the visible membranes back at rest 8 ms into each presentation, between the bouts
    # (docs/code.md, "Forgetting the initial bout"): the final bout's echo of the initial one falls from 0.70
    # to 0.38, and held-out corr(x, x̂) is 0.648 over 3 seeds (`main` forgetting 0.622), where the same network
    # without forgetting gives 0.747 with the echo
    "forgetting": lambda: PRESETS["reconstruction"]().with_overrides(presentation={"visible_forget": 8 * ms}),
    # `forgetting` with a slow visible dendrite (τ_d 10 -> 60 ms) and a weaker visible pool (0.03 -> 0.005), chosen
    # by the study of docs/code.md ("A slow visible dendrite grades the final bout"): the final bout fires one to
    # three spikes per unit as the feedback drives it, a graded learning signal, as the rule's rate model asks;
    # held-out corr(x, x̂) 0.72 over 3 seeds (`forgetting` 0.648), with an echo of the initial bout of 0.10-0.12
    "graded": lambda: PRESETS["forgetting"]().with_overrides(dendrite={"tau_d": 60 * ms},
                                                          connections={"g_pool_to_visible": 0.005}),
    # `graded` with a 4x feedback gain (g_feedback 16) and 800 hidden units at ρ 0.05 (~40 active), chosen by the
    # sweeps of docs/code.md ("A stronger feedback gain makes the graded code's features distinct"); train it
    # 15,000 presentations: held-out corr(x, x̂) 0.788/0.791/0.793 (3 seeds), co-active Q column r 0.18, corr(Q, Wᵀ) 0.91-0.92
    "graded-wide": lambda: PRESETS["graded"]().with_overrides(connections={"g_feedback": 16.0},
                                                              architecture={"n_hidden": 800},
                                                              homeostasis={"rho": 0.05}),
    # whitened natural scenes (Olshausen & Field's IMAGES.mat; train it 40,000 presentations of 16 x 16 patches),
    # chosen by the study of docs/natural-patches.md ("The stimulus gain"): a quarter of the digits' stimulus
    # gain, so that a visible unit fires its first spike from ~0.9 s.d. of a whitened pixel instead of 0.2 (at
    # g_input 3 every pixel's sign fires, and the fields become strokes across the patch); a 2 ms refractory
    # period, up to 2 spikes per unit; ρ 0.025 (~5 active units); membrane noise, so the one-spike final bout
    # is graded in expectation; no visible pool, so the final bout follows the feedback drive; small initial
    # weights and η 0.01. Localized Gabor fields for 54-61% of the first 100 units (3 seeds), 24-32% with ON and
    # OFF side by side too (sparse coding of the same patches: 51%, 33%); held-out corr(x, x̂) 0.12-0.13
    "olshausen": lambda: ModelParams().with_overrides(
        neurons={"refractory": 2 * ms, "visible_noise": 4 * mV}, homeostasis={"rho": 0.025},
        connections={"g_input": 0.75, "g_pool_to_visible": 0.0},
        plasticity={"eta": 0.01, "A_minus": 1.4, "w_init_max": 0.05, "q_init_max": 0.05}),
}


def preset(name: str) -> ModelParams:
    """The named parameter preset (``main``, ``very-sparse``, ``non-sparse``, ``dendritic``, ``lateral``,
    ``reconstruction``, ``decorrelated``, ``forgetting``, ``graded``, ``graded-wide``, ``olshausen``)."""
    try:
        return PRESETS[name]().validate()
    except KeyError:
        raise ParameterError(f"unknown preset {name!r}; known presets: {', '.join(PRESETS)}") from None


def preset_hidden(name: str, default: int) -> int:
    """The hidden layer's size of preset ``name`` where it sets its own (``graded-wide``: 800), else ``default``
    (the sweeps' and rule search's smaller layer)."""
    size = preset(name).architecture.n_hidden
    return size if size != ModelParams().architecture.n_hidden else default


# -- the runs behind the paper's figures (protocols/paper.py) -------------------
# Natural patches (all ours, tuned here; docs/natural-patches.md lists the variants tried):
# - refractory 8 ms (> the 5 ms stimulus, < the ~15 ms to the final bout): one visible
#   spike per bout, so x and x̂ are on one scale. With 2 ms a strong pixel fires
#   3 times and its reconstruction at most once; its weights grow to the bound and
#   the fields become one-signed blobs.
# - A₋ 1.4: balances the windows at the bouts' lags (F(+6 ms)/|F(−8.7 ms)| = 1.3) and
#   the final bout's slightly smaller size.
# - W, Q ~ U(0, 0.05): what plasticity does not reach stays near 0 instead of noise.
# - η 0.005 over 80,000 presentations: each field averages over more patches.
# Gabor R² ≥ 0.5 for 80% of the first 100 units, 55% oriented (ON and OFF side by side).
NATURAL_OVERRIDES = {"neurons": {"refractory": 8 * ms},
                     "plasticity": {"eta": 0.005, "A_minus": 1.4, "w_init_max": 0.05, "q_init_max": 0.05}}


@dataclass(frozen=True)
class Recipe:
    """A training behind one of the paper's figures: dataset, length, preset and overrides."""

    dataset: str
    presentations: int
    preset: str = "main"
    overrides: dict = dataclasses.field(default_factory=dict)

    def params(self) -> ModelParams:
        return preset(self.preset).with_overrides(**self.overrides)


def _natural(rho=None):
    overrides = {k: dict(v) for k, v in NATURAL_OVERRIDES.items()}
    if rho is not None:
        overrides.setdefault("homeostasis", {})["rho"] = rho
    return overrides


RECIPES = {
    "mnist": Recipe("mnist", 5000),  # Figs 1b, 4a, 5, 6, 8, 9
    "natural": Recipe("natural", 80000, overrides=_natural()),  # Figs 4b, 5, 7, 8, 9
    # Fig 10a, b (# ours: 1,000 hidden units, so that ρ = 0.001 is one spike per presentation; 200 leave the
    # layer nearly silent, 0.2-0.4 spikes, and learn one prototype: docs/results.md, "Sparsity")
    "mnist-rho0.001": Recipe("mnist", 20000, preset="very-sparse", overrides={"architecture": {"n_hidden": 1000}}),
    "natural-rho0.001": Recipe("natural", 80000, overrides={**_natural(rho=0.001), "architecture": {"n_hidden": 1000}}),
    "mnist-rho0.3": Recipe("mnist", 5000, preset="non-sparse"),  # Fig 10c
}
