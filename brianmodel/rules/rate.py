"""Rate-like rules in spiking form: BCM with a sliding threshold, and Oja's rule with weight-dependent decay.

Both change the weight on postsynaptic spikes only, by a presynaptic trace
``x`` (+1 per presynaptic spike, τ tau_x: the input's recent activity)
times a function of the postsynaptic activity.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from brian2 import Hz, Quantity, ms, second

from ..parameters import field
from .base import Rule, Site

__all__ = ["BCM", "Oja"]


@dataclass(frozen=True)
class BCM(Rule):
    """BCM (Bienenstock, Cooper & Munro 1982) with a sliding threshold, post-triggered::

        post spike:  w ← w + η bap x (y − θ) / nu_target,   θ = ν̄² / nu_target

    y is the postsynaptic rate estimate just before the spike (trace +1/tau_y
    per postsynaptic spike, in Hz), ν̄ its slow average (+1/tau_theta per spike):
    above the threshold a postsynaptic spike potentiates, below it depresses, and
    the threshold rises with the square of the neuron's mean rate, so that a
    neuron firing above nu_target on average depresses its inputs. ν̄ is not a
    presentation's trace: it carries over presentations.
    """

    name: ClassVar[str] = "bcm"
    traces: ClassVar[tuple] = ("x", "y")
    persistent: ClassVar[tuple] = ("nu",)

    eta: float = field(0.04, None, nonnegative=True)  # ours
    tau_x: Quantity = field(10 * ms, ms, positive=True)
    tau_y: Quantity = field(20 * ms, ms, positive=True)
    tau_theta: Quantity = field(10 * second, ms, positive=True)
    nu_target: Quantity = field(10 * Hz, Hz, positive=True)

    def model(self, site: Site) -> str:
        return """
dx/dt = -x/tau_x : 1 (event-driven)  # presynaptic activity
dy/dt = -y/tau_y : hertz (event-driven)  # postsynaptic rate
dnu/dt = -nu/tau_theta : hertz (event-driven)  # its slow average (sets the threshold)
"""

    def on_pre(self, site: Site) -> str:
        return "x += 1"

    def on_post(self, site: Site) -> str:
        bap = site.bap or 1
        return "\n".join([site.assign(f"{site.weight} + {site.post('eta * x * (y - nu**2 / nu_target) / nu_target')}"),
                          f"y += {bap} / tau_y", f"nu += {bap} / tau_theta"])

    def decays(self) -> dict:
        return {"x": float(self.tau_x), "y": float(self.tau_y), "nu": float(self.tau_theta)}

    def _pre(self, state, w, w_max):
        state["x"] += 1
        return w

    def _post(self, state, w, w_max, bap):
        target = float(self.nu_target)
        w = w + bap * self.eta * state["x"] * (state["y"] - state["nu"] ** 2 / target) / target
        state["y"] += bap / float(self.tau_y)
        state["nu"] += bap / float(self.tau_theta)
        return w


@dataclass(frozen=True)
class Oja(Rule):
    """Oja's rule (Oja 1982), post-triggered, with weight-dependent decay::

        post spike:  y ← y + bap;  w ← w + η bap (x − beta w y)

    y counts the postsynaptic neuron's recent spikes (this one included, τ
    tau_y): Hebbian growth by the input's activity x, and a decay
    proportional to the weight and to the postsynaptic activity, which keeps
    the sum of squared weights of a neuron near 1/beta (for rate inputs).
    """

    name: ClassVar[str] = "oja"
    traces: ClassVar[tuple] = ("x", "y")

    eta: float = field(0.04, None, nonnegative=True)  # ours
    beta: float = field(1.0, None, nonnegative=True)
    tau_x: Quantity = field(10 * ms, ms, positive=True)
    tau_y: Quantity = field(10 * ms, ms, positive=True)

    def model(self, site: Site) -> str:
        return """
dx/dt = -x/tau_x : 1 (event-driven)  # presynaptic activity
dy/dt = -y/tau_y : 1 (event-driven)  # postsynaptic activity
"""

    def on_pre(self, site: Site) -> str:
        return "x += 1"

    def on_post(self, site: Site) -> str:
        w = site.weight
        return "\n".join([f"y += {site.bap or 1}",
                          site.assign(f"{w} + {site.post(f'eta * (x - beta * {w} * y)')}")])

    def decays(self) -> dict:
        return {"x": float(self.tau_x), "y": float(self.tau_y)}

    def _pre(self, state, w, w_max):
        state["x"] += 1
        return w

    def _post(self, state, w, w_max, bap):
        state["y"] += bap
        return w + bap * self.eta * (state["x"] - self.beta * w * state["y"])
