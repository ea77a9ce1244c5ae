"""Ball-and-stick cable parameters, the geometry derived from them, and the step-size check.

The dendrite of length L and diameter d is cut into N compartments of length
ℓ = L / N. Each compartment's equation is divided by its own leak
conductance (conductances in leak units, as everywhere in this model), so the
coupling between neighbours is c = G_axial / G_leak = (λ/ℓ)², λ = √(d R_m / 4
R_i) the length constant; the first compartment couples to the soma over half
a compartment (c_1 = 2c) and the soma sees it with c_soma = G_axial(soma, 1)
/ G_leak,soma. The equations themselves are in :mod:`brianmodel.cells`.

The coupling is stiff (rates up to ~4c/τ): :func:`check_step` rejects a cable
and time step for which the integration method would be unstable or
inaccurate.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from brian2 import Quantity, cm, meter, ohm, second, uF, um

from ..errors import ParameterError
from ..parameters import field, validate_section

__all__ = ["Cable", "CableGeometry", "geometry", "fastest_rate", "check_step", "CABLE_METHOD", "MAX_STEP"]

CABLE_METHOD = "rk2"  # the network's integration method for ball-and-stick cells
# Largest (fastest rate × dt) accepted per method. Real rates are stable up to
# 2.0 (RK2) and 2.785 (RK4); stay clear of the edge, where the fast modes are
# stable but no longer accurate.
MAX_STEP = {"rk2": 1.0, "rk4": 2.0}


@dataclass(frozen=True)
class Cable:
    """Ball-and-stick cell: a spherical soma and a uniform, sealed-end dendrite
    cut into ``n_compartments`` equal compartments (# ours: textbook cortical
    values; Koch 1999, Stuart et al. 2016). A cell becomes one when a synapse
    on it has a location (:class:`brianmodel.params.mstdp.Locations`).

    5 compartments of 100 µm (0.17 λ): somatic EPSPs within 7% of 10
    compartments, and RK2 at dt 0.1 ms is stable and converged (largest
    rate × dt 0.7; 10 compartments reach 2.7, past RK2's limit of 2).
    """

    n_compartments: int = field(5, None, positive=True)
    length: Quantity = field(500 * um, um, positive=True)
    diameter: Quantity = field(1 * um, um, positive=True)
    soma_diameter: Quantity = field(20 * um, um, positive=True)
    R_m: Quantity = field(20000 * ohm * cm ** 2, ohm * cm ** 2, positive=True)  # specific membrane resistance
    R_i: Quantity = field(150 * ohm * cm, ohm * cm, positive=True)  # axial resistivity
    C_m: Quantity = field(1 * uF / cm ** 2, uF / cm ** 2, positive=True)
    # back-propagating action potential: conduction velocity and amplitude length constant
    bap_velocity: Quantity = field(0.3 * meter / second, meter / second, positive=True)
    bap_length_constant: Quantity = field(300 * um, um, positive=True)


@dataclass(frozen=True)
class CableGeometry:
    """Derived electrical quantities of a :class:`Cable`."""

    length_constant: Quantity  # λ
    compartment_length: Quantity  # ℓ
    tau_d: Quantity  # R_m C_m
    g_leak_compartment: Quantity  # siemens, one dendritic compartment
    g_leak_soma: Quantity  # siemens
    g_axial: Quantity  # siemens, between neighbouring compartments
    c_dendrite: float  # g_axial / g_leak_compartment
    c_first: float  # soma <-> compartment 1, seen by compartment 1
    c_soma: float  # soma <-> compartment 1, seen by the soma


def geometry(cable: Cable) -> CableGeometry:
    validate_section("cable", cable)
    d, ell = cable.diameter, cable.length / cable.n_compartments
    g_leak = np.pi * d * ell / cable.R_m
    g_soma = np.pi * cable.soma_diameter ** 2 / cable.R_m
    g_axial = np.pi * d ** 2 / (4 * cable.R_i * ell)
    g_first = 2 * g_axial  # half a compartment between the soma and compartment 1's centre
    return CableGeometry(
        length_constant=np.sqrt(d * cable.R_m / (4 * cable.R_i)), compartment_length=ell,
        tau_d=cable.R_m * cable.C_m,
        g_leak_compartment=g_leak, g_leak_soma=g_soma, g_axial=g_axial,
        c_dendrite=float(g_axial / g_leak), c_first=float(g_first / g_leak), c_soma=float(g_first / g_soma))


def fastest_rate(cable: Cable):
    """The largest decay rate (1/s) of the passive cell's linear system (leak and coupling)."""
    shape, n = geometry(cable), cable.n_compartments
    A = np.zeros((n + 1, n + 1))
    A[0, 0], A[0, 1] = -(1 + shape.c_soma), shape.c_soma
    for k in range(1, n + 1):
        left = shape.c_first if k == 1 else shape.c_dendrite
        right = shape.c_dendrite if k < n else 0.0
        A[k, k - 1], A[k, k] = left, -(1 + left + right)
        if k < n:
            A[k, k + 1] = right
    return float(np.abs(np.linalg.eigvals(A)).max() / float(shape.tau_d))


def check_step(cable: Cable, dt, method: str = CABLE_METHOD) -> float:
    """Raise unless ``method`` at ``dt`` integrates the cable accurately; returns rate × dt."""
    if method not in MAX_STEP:
        raise ParameterError(f"no step-size rule for method {method!r}; known: {', '.join(MAX_STEP)}")
    step = fastest_rate(cable) * float(dt)
    if step > MAX_STEP[method]:
        raise ParameterError(f"the cable ({cable.n_compartments} compartments of "
                             f"{cable.length / cable.n_compartments}) is too stiff for {method} at dt = {dt}: "
                             f"fastest rate × dt = {step:.2f} > {MAX_STEP[method]}; use fewer compartments or a "
                             f"smaller presentation.dt")
    return step
