"""Ball-and-stick cells from cable parameters: equation strings, locations, delays.

The dendrite of length L and diameter d is cut into N compartments of length
ℓ = L / N; compartment k (1..N) spans [(k−1)ℓ, kℓ) from the soma. Each
compartment's equation is divided by its own leak conductance, as everywhere
in this model (conductances in leak units)::

    τ_d dv_k/dt = (E_L − v_k) + g_d_k (E_e − v_k) + c_k (v_{k−1} − v_k) + c (v_{k+1} − v_k)

with τ_d = R_m C_m, c = G_axial / G_leak = (λ/ℓ)², λ = √(d R_m / 4 R_i) the
length constant; the first compartment couples to the soma over half a
compartment (c_1 = 2c) and the last has a sealed end. The soma sees the
dendrite with c_soma = G_axial(soma, 1) / G_leak,soma. The equations are
integrated with exponential Euler, which stays stable for the stiff coupling
(c ≫ 1) at the network's dt.

A synapse at ``location`` (distance from the soma) lands in the compartment
that holds it; a back-propagating spike reaches it after ``location /
bap_velocity`` with amplitude ``exp(−location / bap_length_constant)``
(:func:`backprop`).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from brian2 import Quantity, ms, um

from .parameters import Cable, ParameterError, validate_section

__all__ = ["CableGeometry", "geometry", "compartment", "backprop", "ball_and_stick_equations",
           "steady_state_attenuation", "conductance_units"]


@dataclass(frozen=True)
class CableGeometry:
    """Derived electrical quantities of a :class:`~brianmodel.parameters.Cable`."""

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


def ball_and_stick_equations(cable: Cable, soma: str = "", refractory: bool = True) -> str:
    """Equation string of the dendrite (variables ``v_k``, ``g_d_k``) coupled to a soma ``v``.

    ``soma`` is the soma's own right-hand side terms besides leak and coupling
    (e.g. ``"+ g_stim*(E_e - v) + g_i*(E_i - v)"``); the soma's time constant is
    ``tau_m``. Constants: ``c_soma``, ``c_first``, ``c_dendrite``, ``tau_d``,
    ``tau_e``, ``E_L``, ``E_e``.
    """
    n = cable.n_compartments
    flag = " (unless refractory)" if refractory else ""
    lines = [f"dv/dt = ((E_L - v) {soma} + c_soma*(v_1 - v)) / tau_m : volt{flag}"]
    for k in range(1, n + 1):
        inner = "c_first*(v - v_1)" if k == 1 else f"c_dendrite*(v_{k - 1} - v_{k})"
        outer = f" + c_dendrite*(v_{k + 1} - v_{k})" if k < n else ""  # sealed end
        lines.append(f"dv_{k}/dt = ((E_L - v_{k}) + g_d_{k}*(E_e - v_{k}) + {inner}{outer}) / tau_d : volt")
        lines.append(f"dg_d_{k}/dt = -g_d_{k}/tau_e : 1")
    return "\n".join(lines)


def steady_state_attenuation(x, cable: Cable) -> np.ndarray:
    """Analytic V(x)/V(0) along a sealed-end cable held at V(0): cosh((L−x)/λ) / cosh(L/λ)."""
    lam, length = geometry(cable).length_constant, cable.length
    x = np.asarray(x / um) * um
    return np.cosh(np.asarray((length - x) / lam, dtype=float)) / np.cosh(float(length / lam))


def conductance_units(g, cable: Cable) -> float:
    """A synaptic conductance in siemens as leak units of one dendritic compartment."""
    return float(g / geometry(cable).g_leak_compartment)



def somatic_epsp(cable: Cable, locations, g_synapse, *, E_L, E_e, tau_e, dt, duration=50 * ms,
                 soma_clamp: float = 0.0, device: str = "runtime", log=print) -> dict:
    """Somatic EPSP of one synaptic activation at each location (one passive cell per location).

    The synapse opens a conductance ``g_synapse`` (siemens) at t = 0 that
    decays with ``tau_e``. Returns {'location_um', 'compartment', 'amplitude'
    (volt), 'latency' (time to peak), 'soma' (v(t) − E_L per cell), 'dendrite'
    (steady or final v_k − E_L per cell and compartment)}. ``soma_clamp`` > 0
    holds the soma near E_e with that conductance (leak units) instead: the
    steady-state attenuation test.
    """
    from brian2 import Network, NeuronGroup, StateMonitor, defaultclock

    from .device import run_once

    shape = geometry(cable)
    where = [compartment(x, cable) for x in locations]
    g = conductance_units(g_synapse, cable)

    def make():
        defaultclock.dt = dt
        eqs = ball_and_stick_equations(cable, "+ soma_clamp*(E_e - v)", refractory=False)
        cells = NeuronGroup(len(where), eqs, method="exponential_euler", name="cells",
                            namespace=dict(E_L=E_L, E_e=E_e, tau_e=tau_e, tau_m=shape.tau_d, tau_d=shape.tau_d,
                                           c_soma=shape.c_soma, c_first=shape.c_first, c_dendrite=shape.c_dendrite,
                                           soma_clamp=soma_clamp))
        cells.v = E_L
        for k in range(1, cable.n_compartments + 1):
            setattr(cells, f"v_{k}", E_L)
            values = np.zeros(len(where))
            values[[n for n, c in enumerate(where) if c == k]] = g
            setattr(cells, f"g_d_{k}", values)
        soma = StateMonitor(cells, "v", record=True, name="soma_monitor")
        network = Network(cells, soma)

        def read():
            v = np.array(soma.v_[:], dtype=float) - float(E_L)  # SI values, relative to rest (copies: the
            # monitor's memory goes with the network)
            dendrite = np.stack([np.array(getattr(cells, f"v_{k}_")[:], dtype=float) - float(E_L)
                                 for k in range(1, cable.n_compartments + 1)], axis=1)
            return v, dendrite, np.array(soma.t_[:], dtype=float)
        return network, {}, duration, read

    v, dendrite, t = run_once(make, device=device, name="epsp", key=repr((cable, locations, g_synapse, dt, duration,
                                                                          soma_clamp)), log=log)
    peak = v.argmax(axis=1)
    return {"location_um": np.array([float(x / um) for x in locations]), "compartment": np.array(where),
            "amplitude": v.max(axis=1), "latency": t[peak], "soma": v, "dendrite": dendrite, "t": t}


def save_epsp(out: str, cable: Cable, g_synapse, result: dict, settings: dict):
    """``out``/epsp.csv (one row per location) and ``out``/params.json."""
    import csv
    import io
    import json
    import os
    import sys
    import time
    from dataclasses import fields

    from .parameters import encode_value
    from .results import atomic_write

    os.makedirs(out, exist_ok=True)
    shape = geometry(cable)
    info = {"cable": {f.name: encode_value(getattr(cable, f.name)) for f in fields(cable)},
            "g_synapse": encode_value(g_synapse), "settings": {k: encode_value(v) for k, v in settings.items()},
            "length_constant_um": float(shape.length_constant / um), "command": sys.argv,
            "created": time.strftime("%Y-%m-%d %H:%M:%S")}
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["location_um", "compartment", "amplitude_mV", "latency_ms"])
    for k in range(len(result["location_um"])):
        writer.writerow([f"{result['location_um'][k]:g}", int(result["compartment"][k]),
                         f"{result['amplitude'][k] * 1e3:.6g}", f"{result['latency'][k] * 1e3:.6g}"])
    atomic_write(os.path.join(out, "epsp.csv"), buffer.getvalue().encode())
    atomic_write(os.path.join(out, "params.json"), json.dumps(info, indent=2, sort_keys=True).encode())
