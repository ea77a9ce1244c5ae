"""The sym-STDP supervised network of Hao, Huang, Dong & Xu (2020): network, training, testing.

Poisson input (rate ∝ pixel, + a step per retry) --W_input--> excitatory
layer (Diehl & Cook conductance LIF, adaptive threshold θ) <--> one inhibitory
partner per excitatory neuron (inhibiting all others) --W_label--> 10 label
neurons. Conductances in units of the leak::

    excitatory  τ_m dv/dt = (E_rest − v) + g_e (E_e − v) + g_i (E_i − v),   spike: v > V_θ + θ − θ_offset
                dθ/dt = −θ / τ_θ,   θ += θ₊ (θ_offset − 10 mV) / |θ − 10 mV| per spike
    inhibitory, label   τ_m,i dv/dt = (E_rest,i − v) + g_e (E_e − v)

sym-STDP on both plastic pathways: a pre spike adds η a_post, a post spike
η a_pre (traces += 0.1 per spike, decay τ 20 ms), so either order of a pair
potentiates by exp(−|Δt|/τ); before every presentation each neuron's incoming
weights are scaled to a fixed sum, the only depression. In training a 100 Hz
Poisson teacher drives the image's label neuron; in testing the label
neurons are LIF neurons and the most active answers. An image that draws
fewer than ``min_spikes`` excitatory spikes is shown again at a higher rate.

- :mod:`.network`         the Brian2 groups, the presentation control, the slot replay
- :mod:`.model`           :class:`Model`: the network of one shape, as the device layer runs it
- :mod:`.trainer`         what a training chunk presents and records
- :mod:`.classification`  testing on held-out images: label neurons and vote
"""
from ..params.symstdp import PRESETS, SymStdpParams, preset
from .model import Model
from .network import SymState
from .trainer import Trainer

__all__ = ["Model", "SymStdpParams", "SymState", "PRESETS", "Trainer", "preset"]
