"""Somatic EPSP of one synapse against its location on a ball-and-stick dendrite.

One passive cell per location (:mod:`brianmodel.cells`, the networks'
equations); a synaptic conductance opens at t = 0 and decays with τ_e. The
amplitude falls and the time to peak grows with distance; with the soma
clamped, the steady state along the dendrite is the sealed-end cable's
cosh((L − x)/λ) / cosh(L/λ) (:func:`brianmodel.cells.steady_state_attenuation`).
"""
from __future__ import annotations

from dataclasses import fields

import numpy as np
from brian2 import Network, NeuronGroup, StateMonitor, defaultclock, ms, nS, um

from .. import cells
from ..cells import ball_and_stick_equations, cable_namespace, compartment, conductance_units
from ..device import run_once
from ..errors import ParameterError
from ..io import csv_text
from ..parameters import encode_value
from ..params.cable import CABLE_METHOD, MAX_STEP, Cable, check_step, geometry
from ..results import ResultsFolder

__all__ = ["somatic_epsp", "save_epsp", "EPSP_COLUMNS"]

EPSP_COLUMNS = ("location_um", "compartment", "amplitude_mV", "latency_ms")


def somatic_epsp(cable: Cable, locations, g_synapse, *, E_L, E_e, tau_e, dt, duration=50 * ms,
                 soma_clamp: float = 0.0, method: str = CABLE_METHOD, device: str = "runtime",
                 build_root: str | None = None) -> dict:
    """Somatic EPSP of one synaptic activation at each location (one passive cell per location).

    The synapse opens a conductance ``g_synapse`` (siemens) at t = 0 that
    decays with ``tau_e``. Returns {'location_um', 'compartment', 'amplitude'
    (volt), 'latency' (time to peak), 'soma' (v(t) − E_L per cell), 'dendrite'
    (steady or final v_k − E_L per cell and compartment)}. ``method``: the
    network's by default; RK2 and RK4 need ``dt`` to pass :func:`check_step`. ``soma_clamp`` > 0
    holds the soma near E_e with that conductance (leak units) instead: the
    steady-state attenuation test.
    """
    for name, value in (("location", locations), ("g_synapse", g_synapse), ("dt", dt)):
        numbers = np.asarray(value, dtype=float)  # (in SI units)
        if not np.all(np.isfinite(numbers)):
            raise ParameterError(f"{name} = {numbers.tolist()} must be finite")
    if not (g_synapse >= 0 * nS and dt > 0 * ms):  # (0 nS: the soma clamp alone, the steady-state test)
        raise ParameterError(f"g_synapse must not be negative and dt must be positive, got {g_synapse} and {dt}")
    where = [compartment(x, cable) for x in locations]
    if method in MAX_STEP:
        check_step(cable, dt, method)
    g = conductance_units(g_synapse, cable)

    def make():
        defaultclock.dt = dt
        eqs = ball_and_stick_equations(cable, "+ soma_clamp*(E_e - v)", refractory=False)
        group = NeuronGroup(len(where), eqs, method=method, name="cells",
                            namespace=dict(E_L=E_L, E_e=E_e, tau_e=tau_e, soma_clamp=soma_clamp,
                                           **cable_namespace(cable)))
        group.v = E_L
        for k in range(1, cable.n_compartments + 1):
            setattr(group, f"v_{k}", E_L)
            values = np.zeros(len(where))
            values[[n for n, c in enumerate(where) if c == k]] = g
            setattr(group, f"g_d_{k}", values)
        soma = StateMonitor(group, "v", record=True, name="soma_monitor")
        network = Network(group, soma)

        def read():
            v = np.array(soma.v_[:], dtype=float) - float(E_L)  # SI values, relative to rest (copies: the
            # monitor's memory goes with the network)
            dendrite = np.stack([np.array(getattr(group, f"v_{k}_")[:], dtype=float) - float(E_L)
                                 for k in range(1, cable.n_compartments + 1)], axis=1)
            return {"soma voltage": v, "dendrite voltage": dendrite, "t": np.array(soma.t_[:], dtype=float)}
        return network, {}, duration, read

    key = repr((cable, locations, g_synapse, dt, duration, soma_clamp, method))
    result = run_once(make, device=device, name="epsp", key=key, sources=(cells.__file__,), build_root=build_root)
    v, dendrite, t = result["soma voltage"], result["dendrite voltage"], result["t"]
    peak = v.argmax(axis=1)
    return {"location_um": np.array([float(x / um) for x in locations]), "compartment": np.array(where),
            "amplitude": v.max(axis=1), "latency": t[peak], "soma": v, "dendrite": dendrite, "t": t}


def save_epsp(out: str, cable: Cable, g_synapse, result: dict, settings: dict) -> ResultsFolder:
    """``out``/epsp.csv (one row per location) and ``out``/params.json."""
    folder = ResultsFolder(out)
    shape = geometry(cable)
    rows = [{"location_um": f"{result['location_um'][k]:g}", "compartment": int(result["compartment"][k]),
             "amplitude_mV": f"{result['amplitude'][k] * 1e3:.6g}", "latency_ms": f"{result['latency'][k] * 1e3:.6g}"}
            for k in range(len(result["location_um"]))]
    with folder.writing("EPSP protocol"):
        folder.write_text("epsp.csv", csv_text(EPSP_COLUMNS, rows))
        folder.write_params({"cable": {f.name: encode_value(getattr(cable, f.name)) for f in fields(cable)},
                             "g_synapse": encode_value(g_synapse),
                             "settings": {k: encode_value(v) for k, v in settings.items()},
                             "length_constant_um": float(shape.length_constant / um)})
    return folder
