"""Ball-and-stick cells from cable parameters: equation strings, locations, delays.

The dendrite of length L and diameter d is cut into N compartments of length
ℓ = L / N; compartment k (1..N) spans [(k−1)ℓ, kℓ) from the soma. Each
compartment's equation is divided by its own leak conductance, as everywhere
in this model (conductances in leak units)::

    τ dv_k/dt = (E_L − v_k) + r g_k (E_e − v_k) + c_k (v_{k−1} − v_k) + c (v_{k+1} − v_k)

with τ = R_m C_m (soma and dendrite alike), c = G_axial / G_leak = (λ/ℓ)²,
λ = √(d R_m / 4 R_i) the length constant; the first compartment couples to
the soma over half a compartment (c_1 = 2c) and the last has a sealed end.
The soma sees the dendrite with c_soma = G_axial(soma, 1) / G_leak,soma.
Synaptic conductances g_k are in units of the soma's leak, whatever the
compartment count (r = G_leak,soma / G_leak,compartment converts them).

The coupling is stiff (rates up to ~4c/τ); :func:`check_step` rejects a
cable and time step for which the integration method would be unstable or
inaccurate. The network integrates these cells with RK2 (midpoint): at dt 0.1
ms and 5 compartments its somatic EPSPs are within 0.3% of exponential Euler
at 5 µs, at half the cost of RK4 (exponential Euler at 0.1 ms: 4-7% low).

A synapse at ``location`` (distance from the soma) lands in the compartment
that holds it; a back-propagating spike reaches it after ``location /
bap_velocity`` with amplitude ``exp(−location / bap_length_constant)``
(:func:`backprop`); :func:`placement` turns a model's locations into the
synapses' run-time values.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from brian2 import Quantity, ms, um

from .parameters import Cable, ModelParams, ParameterError, validate_section

__all__ = ["CableGeometry", "geometry", "compartment", "backprop", "ball_and_stick_equations", "cable_namespace",
           "steady_state_attenuation", "conductance_units", "fastest_rate", "check_step", "Placement", "placement",
           "CABLE_METHOD", "MAX_STEP"]

CABLE_METHOD = "rk2"  # the network's integration method for ball-and-stick cells
# Largest (fastest rate × dt) accepted per method. Real rates are stable up to
# 2.0 (RK2) and 2.785 (RK4); stay clear of the edge, where the fast modes are
# stable but no longer accurate.
MAX_STEP = {"rk2": 1.0, "rk4": 2.0}


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


def steady_state_attenuation(x, cable: Cable) -> np.ndarray:
    """Analytic V(x)/V(0) along a sealed-end cable held at V(0): cosh((L−x)/λ) / cosh(L/λ)."""
    lam, length = geometry(cable).length_constant, cable.length
    x = np.asarray(x / um) * um
    return np.cosh(np.asarray((length - x) / lam, dtype=float)) / np.cosh(float(length / lam))


def conductance_units(g, cable: Cable) -> float:
    """A synaptic conductance in siemens as leak units of the soma (the unit of ``<synapse>_k``)."""
    return float(g / geometry(cable).g_leak_soma)


@dataclass(frozen=True)
class Placement:
    """A plastic pathway's run-time values that follow from where its synapses sit."""

    compartment: int  # 0: the soma (or the compact cell's fixed input)
    axonal_delay: Quantity
    backprop_delay: Quantity  # somatic spike -> its arrival at the synapse
    bap: float  # back-propagating spike's amplitude there (scales the window)
    reversed_window: bool  # aSTDP (True) or STDP

    def trace_time_constants(self, params: ModelParams):
        """(pre trace τ, post trace τ): the LTP side decays with τ+, the LTD side with τ−."""
        pl = params.plasticity
        return (pl.tau_minus, pl.tau_plus) if self.reversed_window else (pl.tau_plus, pl.tau_minus)


def placement(params: ModelParams, pathway: str) -> Placement:
    """Where ``pathway`` ('feedforward' or 'feedback') sits, and what follows from it."""
    if pathway not in ("feedforward", "feedback"):
        raise ValueError(f"pathway must be 'feedforward' or 'feedback', got {pathway!r}")
    c, dt = params.connections, params.presentation.dt
    location = getattr(params.locations, pathway)
    axonal = c.delay_feedforward if pathway == "feedforward" else c.delay_feedback
    explicit = c.backprop_delay_feedforward if pathway == "feedforward" else c.backprop_delay_feedback
    crossover = params.locations.crossover
    if location is None:
        where, bap_delay, bap = 0, axonal, 1.0
        distance = 0 * um
    else:
        where = compartment(location, params.cable)
        bap_delay, bap = backprop(location, params.cable, dt)
        distance = location
    reversed_window = pathway == "feedback" if crossover is None else bool(distance >= crossover)
    return Placement(where, axonal, bap_delay if explicit is None else explicit, bap, reversed_window)


def somatic_epsp(cable: Cable, locations, g_synapse, *, E_L, E_e, tau_e, dt, duration=50 * ms,
                 soma_clamp: float = 0.0, method: str = CABLE_METHOD, device: str = "runtime",
                 log=print) -> dict:
    """Somatic EPSP of one synaptic activation at each location (one passive cell per location).

    The synapse opens a conductance ``g_synapse`` (siemens) at t = 0 that
    decays with ``tau_e``. Returns {'location_um', 'compartment', 'amplitude'
    (volt), 'latency' (time to peak), 'soma' (v(t) − E_L per cell), 'dendrite'
    (steady or final v_k − E_L per cell and compartment)}. ``method``: the
    network's by default; RK2 and RK4 need ``dt`` to pass :func:`check_step`. ``soma_clamp`` > 0
    holds the soma near E_e with that conductance (leak units) instead: the
    steady-state attenuation test.
    """
    from brian2 import Network, NeuronGroup, StateMonitor, defaultclock

    from .device import run_once

    where = [compartment(x, cable) for x in locations]
    if method in MAX_STEP:
        check_step(cable, dt, method)
    g = conductance_units(g_synapse, cable)

    def make():
        defaultclock.dt = dt
        eqs = ball_and_stick_equations(cable, "+ soma_clamp*(E_e - v)", refractory=False)
        cells = NeuronGroup(len(where), eqs, method=method, name="cells",
                            namespace=dict(E_L=E_L, E_e=E_e, tau_e=tau_e, soma_clamp=soma_clamp,
                                           **cable_namespace(cable)))
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
                                                                          soma_clamp, method)), log=log)
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
