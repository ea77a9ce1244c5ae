"""Parameters of the sym-STDP supervised network (Hao, Huang, Dong & Xu 2020) and its presets.

Values marked ``# Hao`` are the authors' (code haoyz/sym-STDP-SNN, src/model.h,
MNIST with 100-400 excitatory neurons); ``# ours`` are our choices. Like the
mSTDP network, conductances are in units of the leak.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from brian2 import Hz, Quantity, ms, mV, second

from ..errors import ParameterError
from ..parameters import ParameterSet, field

__all__ = ["SymNeurons", "SymArchitecture", "SymPlasticity", "SymPresentation", "SymStdpParams", "PRESETS",
           "preset"]

@dataclass(frozen=True)
class SymNeurons:
    """Diehl & Cook style conductance LIF neurons: excitatory (adaptive threshold),
    inhibitory partners, and the 10 label (supervision) neurons."""

    E_rest: Quantity = field(-65 * mV, mV)  # Hao: excitatory rest and reset
    V_threshold: Quantity = field(-52 * mV, mV)  # Hao: excitatory threshold at theta = theta_offset
    theta_offset: Quantity = field(20 * mV, mV, nonnegative=True)  # Hao: threshold = V_threshold + theta - offset
    theta_init: Quantity = field(20 * mV, mV, nonnegative=True)  # Hao
    theta_plus: Quantity = field(0.07 * mV, mV, nonnegative=True)  # Hao: × 10 mV / |theta - 10 mV| per spike
    tau_theta: Quantity = field(6000 * second, ms, positive=True)  # Hao: theta decays towards 0
    tau_m: Quantity = field(100 * ms, ms, positive=True)  # Hao
    refractory: Quantity = field(2 * ms, ms, nonnegative=True)  # Hao
    E_rest_inhibitory: Quantity = field(-60 * mV, mV)  # Hao: inhibitory and label neurons
    V_reset_inhibitory: Quantity = field(-45 * mV, mV)  # Hao
    V_threshold_inhibitory: Quantity = field(-40 * mV, mV)  # Hao
    tau_m_inhibitory: Quantity = field(10 * ms, ms, positive=True)  # Hao
    refractory_inhibitory: Quantity = field(2 * ms, ms, nonnegative=True)  # Hao (label neurons: none)
    E_e: Quantity = field(0 * mV, mV)  # Hao
    E_i: Quantity = field(-100 * mV, mV)  # Hao
    tau_e: Quantity = field(1 * ms, ms, positive=True)  # Hao
    tau_i: Quantity = field(2 * ms, ms, positive=True)  # Hao


@dataclass(frozen=True)
class SymArchitecture:
    n_excitatory: int = field(100, None, positive=True)  # Hao ran 100 to 10,000
    g_excitatory_to_inhibitory: float = field(10.4, None, nonnegative=True)  # Hao: one-to-one
    g_inhibitory_to_excitatory: float = field(17.0, None, nonnegative=True)  # Hao: to all but the partner


@dataclass(frozen=True)
class SymPlasticity:
    """sym-STDP: either order of a pre/post pair potentiates, by η × the other side's trace
    (traces += a per spike, decay τ); synaptic scaling before every presentation is the only depression."""

    eta_input: float = field(0.005, None, nonnegative=True)  # Hao: input -> excitatory (100-400 neurons)
    eta_label: float = field(0.04, None, nonnegative=True)  # Hao: excitatory -> label
    trace_increment: float = field(0.1, None, positive=True)  # Hao
    tau_trace: Quantity = field(20 * ms, ms, positive=True)  # Hao
    w_input_max: float = field(1.0, None, positive=True)  # Hao
    w_label_max: float = field(8.0, None, positive=True)  # Hao (Fashion-MNIST: 40)
    w_init_max: float = field(0.3, None, positive=True)  # Hao: both pathways U(0, 0.3)
    input_weight_per_pixel: float = field(0.1, None, positive=True)  # Hao: incoming sum 0.1 × 784 (MNIST)
    label_weight_sum_per_neuron: float = field(0.8, None, positive=True)  # Hao: 0.1 × w_label_max × n_excitatory


@dataclass(frozen=True)
class SymPresentation:
    dt: Quantity = field(0.5 * ms, ms, positive=True)  # Hao
    image_duration: Quantity = field(350 * ms, ms, positive=True)  # Hao
    rest_duration: Quantity = field(150 * ms, ms, nonnegative=True)  # Hao: no input, no teacher
    max_rate: Quantity = field(63.75 * Hz, Hz, positive=True)  # Hao: a white pixel (pixel/4 Hz)
    rate_step: Quantity = field(31.875 * Hz, Hz, nonnegative=True)  # Hao: added per retry (pixel/8 Hz)
    max_retries: int = field(30, None, nonnegative=True)  # Hao: input intensity 2 -> 32
    min_spikes: int = field(5, None, nonnegative=True)  # Hao: fewer excitatory spikes -> present again
    teacher_rate: Quantity = field(100 * Hz, Hz, positive=True)  # Hao: Poisson, the image's label neuron only
    mean_pixel: float | None = field(None, None, positive=True)  # Hao (Fashion-MNIST: 30/255): images rescaled


@dataclass(frozen=True)
class SymStdpParams(ParameterSet):
    """All parameters of the sym-STDP network (brianmodel.symstdp)."""

    neurons: SymNeurons = dataclasses.field(default_factory=SymNeurons)
    architecture: SymArchitecture = dataclasses.field(default_factory=SymArchitecture)
    plasticity: SymPlasticity = dataclasses.field(default_factory=SymPlasticity)
    presentation: SymPresentation = dataclasses.field(default_factory=SymPresentation)

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


PRESETS = {
    "mnist": lambda: SymStdpParams(),
    # Hao's Fashion-MNIST settings (400 neurons): images rescaled to a mean pixel of 30/255, lower threshold,
    # smaller input weight sum, larger label weights, faster learning, slower threshold decay
    "fashion": lambda: SymStdpParams().with_overrides(
        neurons={"V_threshold": -60 * mV, "theta_plus": 0.05 * mV, "tau_theta": 50000 * second},
        plasticity={"eta_input": 0.02, "eta_label": 0.32, "w_label_max": 40.0, "input_weight_per_pixel": 0.025,
                    "label_weight_sum_per_neuron": 2.0},
        presentation={"mean_pixel": 30 / 255}),
}


def preset(name: str) -> SymStdpParams:
    """The named sym-STDP parameter preset (``mnist``, ``fashion``)."""
    try:
        return PRESETS[name]().validate()
    except KeyError:
        raise ParameterError(f"unknown sym-STDP preset {name!r}; known: {', '.join(PRESETS)}") from None
