"""Ball-and-stick cells from cable parameters: equation strings, compartments, back-propagation.

The dendrite (:class:`~brianmodel.params.cable.Cable`) is cut into N
compartments; compartment k (1..N) spans [(k−1)ℓ, kℓ) from the soma. Each
compartment's equation is divided by its own leak conductance::

    τ dv_k/dt = (E_L − v_k) + r g_k (E_e − v_k) + c_k (v_{k−1} − v_k) + c (v_{k+1} − v_k)

with τ = R_m C_m (soma and dendrite alike) and the couplings of
:func:`~brianmodel.params.cable.geometry`; the last compartment has a sealed
end. Synaptic conductances g_k are in units of the soma's leak, whatever the
compartment count (r = G_leak,soma / G_leak,compartment converts them). A
population of such cells is one NeuronGroup (Brian2's SpatialNeuron models a
single cell).

The networks integrate these cells with RK2 (midpoint): at dt 0.1 ms and 5
compartments their somatic EPSPs are within 0.3% of exponential Euler at 5 µs,
at half the cost of RK4 (exponential Euler at 0.1 ms: 4-7% low).

A synapse at ``location`` (distance from the soma) lands in the compartment
that holds it; a back-propagating spike reaches it after ``location /
bap_velocity`` with amplitude ``exp(−location / bap_length_constant)``
(:func:`backprop`).
"""
from __future__ import annotations

import numpy as np
from brian2 import Quantity, um

from .errors import ParameterError
from .params.cable import Cable, geometry

__all__ = ["compartment", "backprop", "ball_and_stick_equations", "cable_namespace", "steady_state_attenuation",
           "conductance_units"]


def compartment(location, cable: Cable) -> int:
    """The compartment (1..N) holding a synapse at ``location`` µm from the soma."""
    if not isinstance(location, Quantity) or location.dim != um.dim:
        raise ParameterError(f"location = {location!r} needs units of length (e.g. 150*um)")
    if location < 0 * um:
        raise ParameterError(f"location = {location} is negative: it is a distance from the soma")
    if location > cable.length:
        raise ParameterError(f"location = {location} lies beyond the dendrite's end ({cable.length})")
    ell = cable.length / cable.n_compartments
    return int(min(cable.n_compartments, np.floor(float(location / ell) + 1e-9) + 1))


def backprop(location, cable: Cable, dt) -> tuple[Quantity, float]:
    """(delay rounded to dt, attenuation) of a back-propagating spike at ``location``."""
    compartment(location, cable)  # validates the location
    delay = location / cable.bap_velocity
    steps = int(round(float(delay / dt)))
    return steps * dt, float(np.exp(-float(location / cable.bap_length_constant)))


def ball_and_stick_equations(cable: Cable, soma: str = "", refractory: bool = True, synapse: str = "g_d") -> str:
    """Equation string of a soma ``v`` and dendrite (``v_k``, synaptic conductance ``<synapse>_k``).

    ``soma`` holds the soma's own terms besides leak and coupling (e.g.
    ``"+ g_stim*(E_e - v)"``). Constants: :func:`cable_namespace`, ``E_L``,
    ``E_e``, ``tau_e``.
    """
    n = cable.n_compartments
    flag = " (unless refractory)" if refractory else ""
    lines = [f"dv/dt = ((E_L - v) {soma} + c_soma*(v_1 - v)) / tau_cable : volt{flag}"]
    for k in range(1, n + 1):
        inner = "c_first*(v - v_1)" if k == 1 else f"c_dendrite*(v_{k - 1} - v_{k})"
        outer = f" + c_dendrite*(v_{k + 1} - v_{k})" if k < n else ""  # sealed end
        lines.append(f"dv_{k}/dt = ((E_L - v_{k}) + r_input*{synapse}_{k}*(E_e - v_{k}) + {inner}{outer}) "
                     f"/ tau_cable : volt")
        lines.append(f"d{synapse}_{k}/dt = -{synapse}_{k}/tau_e : 1  # in soma leak units")
    return "\n".join(lines)


def cable_namespace(cable: Cable) -> dict:
    """The constants of :func:`ball_and_stick_equations`."""
    shape = geometry(cable)
    return dict(tau_cable=shape.tau_d, c_soma=shape.c_soma, c_first=shape.c_first, c_dendrite=shape.c_dendrite,
                r_input=float(shape.g_leak_soma / shape.g_leak_compartment))


def steady_state_attenuation(x, cable: Cable) -> np.ndarray:
    """Analytic V(x)/V(0) along a sealed-end cable held at V(0): cosh((L−x)/λ) / cosh(L/λ)."""
    lam, length = geometry(cable).length_constant, cable.length
    x = np.asarray(x / um) * um
    return np.cosh(np.asarray((length - x) / lam, dtype=float)) / np.cosh(float(length / lam))


def conductance_units(g, cable: Cable) -> float:
    """A synaptic conductance in siemens as leak units of the soma (the unit of ``<synapse>_k``)."""
    return float(g / geometry(cable).g_leak_soma)
