"""Each layer's cell as one object: equations, threshold, reset, rest, integration method, constants, state.

:mod:`.network` only wires: it makes a group of each cell (:meth:`Cell.group`), gives the cells' constants to
the run, and starts every presentation with each cell's :attr:`Cell.rest`. A neuron variant (an adaptive
threshold, another reset) is then one builder here and its fields in :mod:`brianmodel.params.mstdp`.

- :func:`visible_cell`: a soma and one dendrite, or a ball-and-stick cell when the feedback synapses have a
  location; the stimulus drives its soma;
- :func:`hidden_cell`: a point soma, or a ball-and-stick cell when the feedforward synapses have one; it
  carries its homeostatic factor φ and its spike count from one presentation to the next;
- :func:`pool_cell`: an inhibitory pool's neuron.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from brian2 import Equations, NeuronGroup, Quantity

from ..cells import cable_namespace
from ..parameters import whole_steps
from ..params.cable import CABLE_METHOD
from ..params.mstdp import ModelParams
from .equations import (has_cable, has_lateral, has_visible_noise, hidden_equations, own_tau_e, pool_equations,
                        visible_equations)

__all__ = ["Cell", "visible_cell", "visible_forget_code", "hidden_cell", "pool_cell"]


@dataclass(frozen=True)
class Cell:
    """A layer's neuron model, as data."""

    equations: Equations
    method: str  # integration method (ball-and-stick cells are stiff: CABLE_METHOD)
    refractory: Quantity
    rest: str  # statements that start each presentation from rest (and update what the cell carries over)
    constants: dict  # the namespace its equations, threshold, reset and rest refer to
    resting_potential: Quantity  # every compartment's potential at the start
    threshold: str = "v > V_threshold"
    reset: str = "v = V_reset"
    carried: tuple = ()  # variables that carry over presentations (the rest updates them, never resets them)
    initial: dict = field(default_factory=dict)  # {variable: value} set once the group's neurons have their copy

    def group(self, n: int, name: str) -> NeuronGroup:
        """The layer's NeuronGroup of ``n`` neurons, every compartment at rest."""
        group = NeuronGroup(n, self.equations, threshold=self.threshold, reset=self.reset,
                            refractory=self.refractory, method=self.method, name=name)
        for variable in sorted(self.equations.diff_eq_names):  # (sorted: the same code every time)
            if variable == "v" or variable.startswith("v_"):
                setattr(group, variable, self.resting_potential)
        return group


def _membrane(params: ModelParams) -> dict:
    n = params.neurons
    return dict(E_L=n.E_L, V_threshold=n.V_threshold, V_reset=n.V_reset, E_e=n.E_e, E_i=n.E_i, tau_m=n.tau_m)


def _cable(params: ModelParams, pathway: str) -> tuple:
    """(integration method, cable constants) of the cell that ``pathway``'s synapses excite: a ball-and-stick
    cell when they have a location, else a compact one (no cable constants)."""
    if not has_cable(params, pathway):
        return "euler", {}
    return CABLE_METHOD, cable_namespace(params.cable)


def _compartments_at_rest(params: ModelParams, synapse: str) -> str:
    """A ball-and-stick cell back at rest: every compartment's potential, and ``synapse``'s conductance on each."""
    compartments = range(1, params.cable.n_compartments + 1)
    return "\n".join(["v = E_L"] + [f"v_{k} = E_L\n{synapse}_{k} = 0" for k in compartments])


def visible_cell(params: ModelParams) -> Cell:
    """Soma + dendrite (τ_d, coupling both ways), or a ball-and-stick cell when the feedback synapses have a
    location; the stimulus conductance is on for the stimulus's whole time steps of each presentation."""
    d, pr = params.dendrite, params.presentation
    method, cable = _cable(params, "feedback")
    if has_visible_noise(params) and cable:  # rk2 takes no noise; Heun's method has its stability (1 + z + z²/2)
        method = "heun"
    rest = "v = E_L\nv_d = E_L\ng_d = 0" if not cable else _compartments_at_rest(params, "g_d")
    return Cell(visible_equations(params), method, params.neurons.refractory, rest,
                {**_membrane(params), "tau_e": params.neurons.tau_e, "tau_d": d.tau_d,
                 "g_coupling_soma": d.g_coupling_soma, "g_coupling_dendrite": d.g_coupling_dendrite,
                 # whole time steps (t % duration in floating point gives 49, 50 or 51, by the presentation's
                 # place in its chunk)
                 "presentation_steps": whole_steps(pr.duration, pr.dt),
                 "stimulus_steps": whole_steps(pr.stimulus_duration, pr.dt), **cable,
                 **({} if pr.visible_forget is None else
                    {"visible_forget_steps": whole_steps(pr.visible_forget, pr.dt)})},
                params.neurons.E_L)


def visible_forget_code(cell: Cell) -> str:
    """Every membrane potential of ``cell`` back to E_L in the time step ``visible_forget_steps`` of each
    presentation, and left alone in the others (run every step: Brian2's regular operations have no phase)."""
    potentials = sorted(v for v in cell.equations.diff_eq_names if v == "v" or v.startswith("v_"))
    return "forget_now = int(t_in_timesteps % presentation_steps == visible_forget_steps)\n" + "".join(
        f"{v} = forget_now * E_L + (1 - forget_now) * {v}\n" for v in potentials)


def hidden_cell(params: ModelParams) -> Cell:
    """A point soma, or a ball-and-stick cell when the feedforward synapses have a location; with lateral
    inhibition, a second inhibitory conductance. At each presentation's start homeostasis scales φ by how far
    the last presentation's count was from ρ, within [φ_min, φ_max]."""
    h = params.homeostasis
    method, cable = _cable(params, "feedforward")
    rest = "v = E_L\ng_e = 0" if not cable else _compartments_at_rest(params, "g_e")
    lateral = has_lateral(params)
    return Cell(hidden_equations(params), method, params.neurons.refractory,
                "phi = clip(phi * exp(homeostasis_rate * (rho - count)), phi_min, phi_max)\ncount = 0\n" + rest
                + ("\ng_l = 0" if lateral else ""),
                {**_membrane(params), "tau_e": params.neurons.tau_e, "phi_min": h.phi_min, "phi_max": h.phi_max,
                 **({"tau_e_hidden": params.neurons.tau_e_hidden} if own_tau_e(params) else {}),
                 **({"tau_lateral": params.lateral.tau} if lateral else {}), **cable},
                params.neurons.E_L, reset="v = V_reset\ncount += 1", carried=("phi", "count"),
                initial={"phi": h.phi_init})


def pool_cell(params: ModelParams) -> Cell:
    """An inhibitory pool's neuron: a point soma excited by its layer."""
    n = params.neurons
    return Cell(pool_equations(), "euler", n.refractory_inhibitory, "v = E_L\ng_e = 0",
                {"E_L": n.E_L, "E_e": n.E_e, "V_threshold": n.V_threshold, "V_reset": n.V_reset,
                 "tau_m_inhibitory": n.tau_m_inhibitory, "tau_e": n.tau_e}, n.E_L)
