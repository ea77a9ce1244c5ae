"""Mirrored STDP (Burbank 2015): the spiking autoencoder, its training, probes and label units.

Visible layer (ON/OFF inputs; compact cell: soma v and one dendrite v_d) --W,
proximal, STDP--> hidden layer --Q, distal dendritic, aSTDP--> visible
layer; one inhibitory pool per layer, its output a conductance shared by the
whole layer. Conductances are in units of the leak::

    visible soma      τ_m dv/dt = (E_L − v) + g_in x_i [t < 5 ms] (E_e − v) + g_i (E_i − v) + c_s (v_d − v)
    visible dendrite  τ_d dv_d/dt = (E_L − v_d) + g_d (E_e − v_d) + c_d (v − v_d)
                      g_d += g_fb Q_ij per hidden spike
    hidden            τ_m dv/dt = (E_L − v) + g_e (E_e − v) + g_i (E_i − v)
                      g_e += g_ff Φ_j W_ji per visible spike
    conductances      dg/dt = −g / τ_e (excitatory), −g / τ_i (pools; 20 ms onto the hidden layer)

Plasticity, with Δ = t_hidden − t_visible at the synapse (the paper's mSTDP):
W (visible pre, hidden post) and Q (hidden pre, visible post) both move by
η F(Δ), F(Δ) = A₊ exp(−Δ/τ₊) for Δ > 0 and −A₋ exp(Δ/τ₋) for Δ < 0; Q's rate
is scaled by ζ/η. Weights are additive, bounded in [0, w_max].
Homeostasis at each presentation start: Φ_j ← clip(Φ_j exp(r (ρ − count_j)),
Φ_min, Φ_max). A synapse with a location makes its cell a ball-and-stick
(:mod:`brianmodel.cells`) and its window see the back-propagating spike's
delay and attenuation (:mod:`.placement`).

Modules:

- :mod:`.equations`       the equation strings
- :mod:`.layers`          each layer's cell as one object (equations, threshold, reset, rest, constants, state)
- :mod:`.placement`       where a pathway's synapses sit, and the lags and window that follow
- :mod:`.mirrored`        the paper's rule as a rule of the library, and the rule of each pathway
- :mod:`.network`         the wiring: groups of the cells, synapses, the state, run-time parameters
- :mod:`.model`           :class:`Model`: the network of one shape, as the device layer runs it
- :mod:`.trainer`         what a training chunk presents and records
- :mod:`.probes`          frozen probes of a trained network
- :mod:`.labels`, :mod:`.classification`   label units: held-out classification, iterative inference, generation

Example: README.md ("A protocol in Python"): a feedback location and delay of
one's own, a monitor of one's own, 100 presentations compiled to C++.
"""
from ..params.mstdp import PRESETS, RECIPES, ModelParams, preset
from .model import Ensemble, Model
from .network import EnsembleState, NetworkState, Presentations
from .trainer import Trainer

__all__ = ["Model", "Ensemble", "ModelParams", "NetworkState", "EnsembleState", "Presentations", "PRESETS", "RECIPES",
           "Trainer", "preset"]
