"""All model and training parameters, in one place, with Brian2 units.

Burbank (2015) fixes only a few values (we have its abstract and figure
captions, not its Methods). Those are marked ``# paper``; every other value is
a modelling choice of ours (``# ours``), taken from the point-neuron starting
point in ``shared/MODEL.md`` and tuned where the field's comment says so.

Conductances are dimensionless, in units of the leak conductance, so that a
neuron's membrane equation reads ``tau_m dv/dt = (E_L - v) + g (E - v) + ...``.

Parameters are frozen dataclasses; derive variants with
:func:`dataclasses.replace` or :meth:`ModelParams.with_overrides`, then call
:meth:`ModelParams.validate` (done by every builder) before anything is
compiled.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field, fields, replace

from brian2 import Hz, Quantity, cm, get_dimensions, get_unit, meter, ms, mV, ohm, second, uF, um
from brian2.units.fundamentalunits import DIMENSIONLESS

__all__ = [
    "encode_value",
    "parse_assignments",
    "Neurons",
    "Dendrite",
    "Cable",
    "Architecture",
    "Connections",
    "Plasticity",
    "Homeostasis",
    "Presentation",
    "Locations",
    "ModelParams",
    "PRESETS",
    "preset",
    "ParameterError",
    "SymNeurons",
    "SymArchitecture",
    "SymPlasticity",
    "SymPresentation",
    "SymStdpParams",
    "SYMSTDP_PRESETS",
    "symstdp_preset",
]


class ParameterError(ValueError):
    """A parameter has the wrong unit, sign or value."""


def _q(unit, *, positive=False, nonnegative=False, doc=""):
    """Field metadata: the unit a value must carry and its allowed sign."""
    return {"unit": unit, "positive": positive, "nonnegative": nonnegative, "doc": doc}


def _field(default, unit=None, *, positive=False, nonnegative=False):
    meta = _q(unit, positive=positive, nonnegative=nonnegative)
    if isinstance(default, Quantity):  # unhashable, so dataclasses want a factory
        return field(default_factory=lambda: default, metadata=meta)
    return field(default=default, metadata=meta)


@dataclass(frozen=True)
class Neurons:
    """Conductance-based LIF neurons (``# ours`` throughout: the paper says IF)."""

    E_L: Quantity = _field(-65 * mV, mV)
    V_threshold: Quantity = _field(-52 * mV, mV)
    V_reset: Quantity = _field(-65 * mV, mV)
    E_e: Quantity = _field(0 * mV, mV)
    E_i: Quantity = _field(-80 * mV, mV)
    tau_m: Quantity = _field(10 * ms, ms, positive=True)  # excitatory cells
    tau_m_inhibitory: Quantity = _field(5 * ms, ms, positive=True)
    refractory: Quantity = _field(2 * ms, ms, nonnegative=True)
    refractory_inhibitory: Quantity = _field(1 * ms, ms, nonnegative=True)
    tau_e: Quantity = _field(2 * ms, ms, positive=True)  # excitatory conductance decay
    tau_i: Quantity = _field(5 * ms, ms, positive=True)  # inhibitory conductance decay
    # Slow hidden inhibition (20 ms) keeps a hidden unit that fired in the
    # intermediate bout from firing again on the final bout.
    tau_i_hidden: Quantity = _field(20 * ms, ms, positive=True)


@dataclass(frozen=True)
class Dendrite:
    """Visible neurons: soma plus one passive dendritic compartment (# ours).

    The feedback synapses sit on the dendrite, so their EPSPs reach the soma
    attenuated and delayed by the coupling. ``g_coupling_soma`` is the
    dendrite-to-soma coupling seen by the soma, ``g_coupling_dendrite`` the
    soma-to-dendrite coupling seen by the dendrite (both in leak units of the
    compartment they act on).
    """

    tau_d: Quantity = _field(10 * ms, ms, positive=True)
    g_coupling_soma: float = _field(1.0, None, positive=True)
    g_coupling_dendrite: float = _field(1.0, None, positive=True)


@dataclass(frozen=True)
class Architecture:
    """Layer sizes. 2 x pixels visible neurons (ON and OFF) come from the data."""

    n_hidden: int = _field(200, None, positive=True)  # ours (MODEL.md)
    n_visible_pool: int = _field(40, None, positive=True)  # ours
    n_hidden_pool: int = _field(20, None, positive=True)  # ours


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
    synapse with a location (:func:`brianmodel.cable.placement`).
    """

    # stimulus conductance at intensity 1: ~140 initial-bout spikes per digit (tuned here)
    g_input: float = _field(3.0, None, nonnegative=True)
    g_feedforward: float = _field(0.1, None, nonnegative=True)  # hidden g_e += g_ff * phi_j * W_ji
    # dendrite g_d += g_fb * Q_ij; strong enough for a final bout from the start (tuned here: 1.5 gave none)
    g_feedback: float = _field(4.0, None, nonnegative=True)
    delay_feedforward: Quantity = _field(5 * ms, ms, nonnegative=True)
    # shorter than W's: the dendrite adds ~3 ms, so that Δt2 ≈ 9 ms stays near Δt1 ≈ 6 ms
    delay_feedback: Quantity = _field(3 * ms, ms, nonnegative=True)
    # None: the axonal delay (compact cell) or location / bap_velocity (see above)
    backprop_delay_feedforward: Quantity | None = _field(None, ms, nonnegative=True)
    backprop_delay_feedback: Quantity | None = _field(None, ms, nonnegative=True)
    g_visible_to_pool: float = _field(0.02, None, nonnegative=True)
    g_pool_to_visible: float = _field(0.05, None, nonnegative=True)
    # fast, strong hidden inhibition: k-winners-take-all
    g_hidden_to_pool: float = _field(1.5, None, nonnegative=True)
    g_pool_to_hidden: float = _field(0.3, None, nonnegative=True)


@dataclass(frozen=True)
class Plasticity:
    """Mirrored STDP: STDP on W (feedforward), time-reversed aSTDP on Q.

    Window F(Δ), Δ = t_hidden - t_visible: ``A_plus exp(-Δ/tau_plus)`` for
    Δ > 0 (LTP), ``-A_minus exp(Δ/tau_minus)`` for Δ < 0 (LTD); W follows
    ``eta F``, Q follows ``zeta_over_eta * eta F`` (# paper: the rule's form
    and the ζ/η scaling; the numbers are ours). Additive, hard bounds.
    """

    eta: float = _field(0.04, None, nonnegative=True)
    zeta_over_eta: float = _field(1.0, None, nonnegative=True)  # paper's constant; value ours
    A_plus: float = _field(1.0, None, nonnegative=True)
    A_minus: float = _field(1.0, None, nonnegative=True)
    tau_plus: Quantity = _field(10 * ms, ms, positive=True)
    tau_minus: Quantity = _field(10 * ms, ms, positive=True)
    w_max: float = _field(1.0, None, positive=True)
    q_max: float = _field(1.0, None, positive=True)
    w_init_max: float = _field(0.3, None, nonnegative=True)  # W ~ U(0, w_init_max)
    q_init_max: float = _field(0.3, None, nonnegative=True)  # Q ~ U(0, q_init_max), independent of W


@dataclass(frozen=True)
class Homeostasis:
    """Scaling factors Φ_j of the feedforward drive (# paper: Φ_j and ρ exist).

    At each presentation start: ``phi <- clip(phi * exp(rate * (rho - count)),
    phi_min, phi_max)``, count being hidden unit j's spikes in the previous
    presentation; ρ is thus a target in spikes per unit per presentation.
    """

    # 0.1 (10% of units spike once per presentation): reconstruction_corr 0.68
    # vs 0.54 at 0.05 after 5,000 digits (tuned here).
    rho: float = _field(0.1, None, positive=True)
    rate: float = _field(0.1, None, nonnegative=True)
    phi_init: float = _field(0.8, None, positive=True)
    phi_min: float = _field(0.02, None, positive=True)
    phi_max: float = _field(50.0, None, positive=True)


@dataclass(frozen=True)
class Cable:
    """Ball-and-stick cell: a spherical soma and a uniform, sealed-end dendrite
    cut into ``n_compartments`` equal compartments (# ours: textbook cortical
    values; Koch 1999, Stuart et al. 2016). A cell becomes one when a synapse
    on it has a location (:class:`Locations`). :mod:`brianmodel.cable` derives
    the coupling conductances, the length constant and the location-dependent
    back-propagation delay and attenuation.

    5 compartments of 100 µm (0.17 λ): somatic EPSPs within 7% of 10
    compartments, and RK2 at dt 0.1 ms is stable and converged (largest
    rate × dt 0.7; 10 compartments reach 2.7, past RK2's limit of 2).
    """

    n_compartments: int = _field(5, None, positive=True)
    length: Quantity = _field(500 * um, um, positive=True)
    diameter: Quantity = _field(1 * um, um, positive=True)
    soma_diameter: Quantity = _field(20 * um, um, positive=True)
    R_m: Quantity = _field(20000 * ohm * cm ** 2, ohm * cm ** 2, positive=True)  # specific membrane resistance
    R_i: Quantity = _field(150 * ohm * cm, ohm * cm, positive=True)  # axial resistivity
    C_m: Quantity = _field(1 * uF / cm ** 2, uF / cm ** 2, positive=True)
    # back-propagating action potential: conduction velocity and amplitude length constant
    bap_velocity: Quantity = _field(0.3 * meter / second, meter / second, positive=True)
    bap_length_constant: Quantity = _field(300 * um, um, positive=True)


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

    feedback: Quantity | None = _field(None, um, nonnegative=True)  # Q on the visible dendrite
    feedforward: Quantity | None = _field(None, um, nonnegative=True)  # W on the hidden dendrite
    # STDP at synapses nearer the soma than this, aSTDP at or beyond it; None:
    # the paper's rule by pathway (W STDP, Q aSTDP) wherever the synapses sit.
    crossover: Quantity | None = _field(None, um, nonnegative=True)


@dataclass(frozen=True)
class Presentation:
    """Stimulus timing and readout."""

    dt: Quantity = _field(0.1 * ms, ms, positive=True)  # ours
    duration: Quantity = _field(65 * ms, ms, positive=True)  # paper (65 ms per presentation)
    stimulus_duration: Quantity = _field(5 * ms, ms, positive=True)  # ours
    # Visible spikes before this time form the initial bout, after it the final bout.
    readout_split: Quantity = _field(9 * ms, ms, positive=True)  # ours, checked on rasters


class _Sections:
    """A parameter set made of sections (frozen dataclasses of values with units)."""

    # -- derived variants -------------------------------------------------
    def with_overrides(self, **sections):
        """``params.with_overrides(homeostasis={'rho': 0.3})``: a validated copy."""
        changed = {}
        for name, values in sections.items():
            if name not in {f.name for f in fields(self)}:
                raise ParameterError(f"unknown parameter section {name!r}; known: {[f.name for f in fields(self)]}")
            section = getattr(self, name)
            known = {f.name for f in fields(section)}
            unknown = set(values) - known
            if unknown:
                raise ParameterError(f"unknown parameter(s) {sorted(unknown)} in {name!r}; known: {sorted(known)}")
            changed[name] = replace(section, **values)
        new = replace(self, **changed)
        new.validate()
        return new

    def validate(self):
        for section in fields(self):
            _validate_section(section.name, getattr(self, section.name))
        return self

    # -- serialisation ----------------------------------------------------
    def to_dict(self) -> dict:
        return {s.name: {f.name: _encode(getattr(getattr(self, s.name), f.name))
                         for f in fields(getattr(self, s.name))} for s in fields(self)}

    @classmethod
    def from_dict(cls, data: dict):
        sections = {}
        for s in fields(cls):
            section_cls = s.default_factory
            values = {k: decode_value(v) for k, v in data.get(s.name, {}).items()}
            sections[s.name] = section_cls(**values)
        return cls(**sections).validate()

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2)


@dataclass(frozen=True)
class ModelParams(_Sections):
    neurons: Neurons = field(default_factory=Neurons)
    dendrite: Dendrite = field(default_factory=Dendrite)
    architecture: Architecture = field(default_factory=Architecture)
    connections: Connections = field(default_factory=Connections)
    plasticity: Plasticity = field(default_factory=Plasticity)
    homeostasis: Homeostasis = field(default_factory=Homeostasis)
    presentation: Presentation = field(default_factory=Presentation)
    locations: Locations = field(default_factory=Locations)
    cable: Cable = field(default_factory=Cable)

    # -- validation -------------------------------------------------------
    def validate(self) -> "ModelParams":
        super().validate()
        p = self.presentation
        if p.stimulus_duration > p.duration:
            raise ParameterError("presentation.stimulus_duration must not exceed presentation.duration")
        if not (p.stimulus_duration <= p.readout_split < p.duration):
            raise ParameterError("presentation.readout_split must lie between the stimulus end and the presentation end")
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
            steps = float(value / p.dt)
            if abs(steps - round(steps)) > 1e-6:
                raise ParameterError(f"connections.{name} = {value} is not a multiple of dt = {p.dt}")
            if value >= p.duration - p.readout_split:
                raise ParameterError(f"connections.{name} = {value} is too long: spikes would cross into the next presentation")
        located = [name for name in ("feedforward", "feedback") if getattr(self.locations, name) is not None]
        for pathway in located:
            location = getattr(self.locations, pathway)
            if location > self.cable.length:
                raise ParameterError(f"locations.{pathway} = {location} lies beyond the dendrite's end "
                                     f"(cable.length = {self.cable.length})")
        if located:
            from .cable import check_step  # (cable.py builds on this module)

            check_step(self.cable, p.dt)
        return self


# -- the sym-STDP supervised network (Hao, Huang, Dong & Xu 2020) ------------
# Values marked ``# Hao`` are the authors' (code haoyz/sym-STDP-SNN, src/model.h,
# MNIST with 100-400 excitatory neurons); ``# ours`` are our choices. Like the
# mSTDP network, conductances are in units of the leak.

@dataclass(frozen=True)
class SymNeurons:
    """Diehl & Cook style conductance LIF neurons: excitatory (adaptive threshold),
    inhibitory partners, and the 10 label (supervision) neurons."""

    E_rest: Quantity = _field(-65 * mV, mV)  # Hao: excitatory rest and reset
    V_threshold: Quantity = _field(-52 * mV, mV)  # Hao: excitatory threshold at theta = theta_offset
    theta_offset: Quantity = _field(20 * mV, mV, nonnegative=True)  # Hao: threshold = V_threshold + theta - offset
    theta_init: Quantity = _field(20 * mV, mV, nonnegative=True)  # Hao
    theta_plus: Quantity = _field(0.07 * mV, mV, nonnegative=True)  # Hao: × 10 mV / |theta - 10 mV| per spike
    tau_theta: Quantity = _field(6000 * second, ms, positive=True)  # Hao: theta decays towards 0
    tau_m: Quantity = _field(100 * ms, ms, positive=True)  # Hao
    refractory: Quantity = _field(2 * ms, ms, nonnegative=True)  # Hao
    E_rest_inhibitory: Quantity = _field(-60 * mV, mV)  # Hao: inhibitory and label neurons
    V_reset_inhibitory: Quantity = _field(-45 * mV, mV)  # Hao
    V_threshold_inhibitory: Quantity = _field(-40 * mV, mV)  # Hao
    tau_m_inhibitory: Quantity = _field(10 * ms, ms, positive=True)  # Hao
    refractory_inhibitory: Quantity = _field(2 * ms, ms, nonnegative=True)  # Hao (label neurons: none)
    E_e: Quantity = _field(0 * mV, mV)  # Hao
    E_i: Quantity = _field(-100 * mV, mV)  # Hao
    tau_e: Quantity = _field(1 * ms, ms, positive=True)  # Hao
    tau_i: Quantity = _field(2 * ms, ms, positive=True)  # Hao


@dataclass(frozen=True)
class SymArchitecture:
    n_excitatory: int = _field(100, None, positive=True)  # Hao ran 100 to 10,000
    g_excitatory_to_inhibitory: float = _field(10.4, None, nonnegative=True)  # Hao: one-to-one
    g_inhibitory_to_excitatory: float = _field(17.0, None, nonnegative=True)  # Hao: to all but the partner


@dataclass(frozen=True)
class SymPlasticity:
    """sym-STDP: either order of a pre/post pair potentiates, by η × the other side's trace
    (traces += a per spike, decay τ); synaptic scaling before every presentation is the only depression."""

    eta_input: float = _field(0.005, None, nonnegative=True)  # Hao: input -> excitatory (100-400 neurons)
    eta_label: float = _field(0.04, None, nonnegative=True)  # Hao: excitatory -> label
    trace_increment: float = _field(0.1, None, positive=True)  # Hao
    tau_trace: Quantity = _field(20 * ms, ms, positive=True)  # Hao
    w_input_max: float = _field(1.0, None, positive=True)  # Hao
    w_label_max: float = _field(8.0, None, positive=True)  # Hao (Fashion-MNIST: 40)
    w_init_max: float = _field(0.3, None, positive=True)  # Hao: both pathways U(0, 0.3)
    input_weight_per_pixel: float = _field(0.1, None, positive=True)  # Hao: incoming sum 0.1 × 784 (MNIST)
    label_weight_sum_per_neuron: float = _field(0.8, None, positive=True)  # Hao: 0.1 × w_label_max × n_excitatory


@dataclass(frozen=True)
class SymPresentation:
    dt: Quantity = _field(0.5 * ms, ms, positive=True)  # Hao
    image_duration: Quantity = _field(350 * ms, ms, positive=True)  # Hao
    rest_duration: Quantity = _field(150 * ms, ms, nonnegative=True)  # Hao: no input, no teacher
    max_rate: Quantity = _field(63.75 * Hz, Hz, positive=True)  # Hao: a white pixel (pixel/4 Hz)
    rate_step: Quantity = _field(31.875 * Hz, Hz, nonnegative=True)  # Hao: added per retry (pixel/8 Hz)
    max_retries: int = _field(30, None, nonnegative=True)  # Hao: input intensity 2 -> 32
    min_spikes: int = _field(5, None, nonnegative=True)  # Hao: fewer excitatory spikes -> present again
    teacher_rate: Quantity = _field(100 * Hz, Hz, positive=True)  # Hao: Poisson, the image's label neuron only
    mean_pixel: float | None = _field(None, None, positive=True)  # Hao (Fashion-MNIST: 30/255): images rescaled


@dataclass(frozen=True)
class SymStdpParams(_Sections):
    """All parameters of the sym-STDP network (brianmodel.symstdp)."""

    neurons: SymNeurons = field(default_factory=SymNeurons)
    architecture: SymArchitecture = field(default_factory=SymArchitecture)
    plasticity: SymPlasticity = field(default_factory=SymPlasticity)
    presentation: SymPresentation = field(default_factory=SymPresentation)

    def validate(self) -> "SymStdpParams":
        super().validate()
        p = self.presentation
        for name in ("image_duration", "rest_duration"):
            steps = float(getattr(p, name) / p.dt)
            if abs(steps - round(steps)) > 1e-6:
                raise ParameterError(f"presentation.{name} = {getattr(p, name)} is not a multiple of dt = {p.dt}")
        if not self.neurons.V_threshold_inhibitory > self.neurons.E_rest_inhibitory:
            raise ParameterError("neurons.V_threshold_inhibitory must lie above neurons.E_rest_inhibitory")
        if float(p.max_rate * p.dt) > 1 or float((p.max_rate + p.max_retries * p.rate_step) * p.dt) > 1:
            raise ParameterError("input rates reach one spike per time step: lower max_rate, rate_step or dt")
        return self

    @property
    def period(self):
        return self.presentation.image_duration + self.presentation.rest_duration


SYMSTDP_PRESETS = {
    "mnist": lambda: SymStdpParams(),
    # Hao's Fashion-MNIST settings (400 neurons): images rescaled to a mean pixel of 30/255, lower threshold,
    # smaller input weight sum, larger label weights, faster learning, slower threshold decay
    "fashion": lambda: SymStdpParams().with_overrides(
        neurons={"V_threshold": -60 * mV, "theta_plus": 0.05 * mV, "tau_theta": 50000 * second},
        plasticity={"eta_input": 0.02, "eta_label": 0.32, "w_label_max": 40.0, "input_weight_per_pixel": 0.025,
                    "label_weight_sum_per_neuron": 2.0},
        presentation={"mean_pixel": 30 / 255}),
}


def symstdp_preset(name: str) -> SymStdpParams:
    """The named sym-STDP parameter preset (``mnist``, ``fashion``)."""
    try:
        return SYMSTDP_PRESETS[name]().validate()
    except KeyError:
        raise ParameterError(f"unknown sym-STDP preset {name!r}; known: {', '.join(SYMSTDP_PRESETS)}") from None


def _validate_section(section_name, section):
    for f in fields(section):
        value = getattr(section, f.name)
        meta = f.metadata
        where = f"{section_name}.{f.name}"
        if value is None:
            continue
        unit = meta.get("unit")
        if unit is not None:
            if not isinstance(value, Quantity) or get_dimensions(value) != get_dimensions(unit):
                raise ParameterError(f"{where} = {value!r} needs units of {_unit_name(unit)} (e.g. {unit!r})")
            magnitude = float(value / unit)
        else:
            if isinstance(value, Quantity) and get_dimensions(value) is not DIMENSIONLESS:
                raise ParameterError(f"{where} = {value!r} must be dimensionless")
            if f.type == "int" and (not isinstance(value, int) or isinstance(value, bool)):
                raise ParameterError(f"{where} = {value!r} must be an integer")
            magnitude = float(value)
        if meta.get("positive") and not magnitude > 0:
            raise ParameterError(f"{where} = {value} must be positive")
        if meta.get("nonnegative") and not magnitude >= 0:
            raise ParameterError(f"{where} = {value} must not be negative")


def _unit_name(unit):
    names = {get_dimensions(ms): "time", get_dimensions(mV): "voltage", get_dimensions(um): "length"}
    return names.get(get_dimensions(unit), str(get_dimensions(unit)))


def validate_section(name: str, section) -> None:
    """Check one parameter dataclass on its own (units, signs)."""
    _validate_section(name, section)


def _encode(value):
    """JSON form: plain numbers stay numbers, quantities become '0.005 * second' (SI, exact)."""
    if isinstance(value, Quantity) and get_dimensions(value) is not DIMENSIONLESS:
        return f"{float(value)!r} * {get_unit(get_dimensions(value))!r}"
    if isinstance(value, Quantity):
        return float(value)
    return value


def decode_value(value):
    """Inverse of the JSON form; also reads '4*ms' or '-60 * mV' (Brian2 unit names only)."""
    if isinstance(value, str):
        import brian2.units as units
        namespace = {k: getattr(units, k) for k in dir(units) if not k.startswith("_")}
        return eval(value, {"__builtins__": {}}, namespace)
    return value


def encode_value(value):
    """A parameter value in the JSON form of params.json ('0.005 * second' for quantities)."""
    return _encode(value)


def parse_assignments(assignments) -> dict:
    """['connections.g_feedback=3', 'presentation.readout_split=10*ms'] -> {section: {name: value}}."""
    overrides = {}
    for assignment in assignments:
        key, _, text = assignment.partition("=")
        section, _, name = key.strip().partition(".")
        if not (section and name and text):
            raise ParameterError(f"expected SECTION.NAME=VALUE, got {assignment!r}")
        try:
            value = decode_value(text)
        except Exception as error:
            raise ParameterError(f"cannot read the value {text!r}: {error}") from None
        overrides.setdefault(section, {})[name] = value
    return overrides


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
}


def preset(name: str) -> ModelParams:
    """The named parameter preset (``main``, ``very-sparse``, ``non-sparse``, ``dendritic``)."""
    try:
        return PRESETS[name]().validate()
    except KeyError:
        raise ParameterError(f"unknown preset {name!r}; known presets: {', '.join(PRESETS)}") from None
