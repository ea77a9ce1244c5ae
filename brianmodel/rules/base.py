"""What a plasticity rule is: parameters with units, Brian2 synapse code for a host, and a reference.

A rule is a frozen dataclass of parameters (declared with
:func:`brianmodel.parameters.field`, so validated for units and sign like
every other parameter). It writes the plastic part of a synapse's code —
its trace variables (``model``) and what happens on a presynaptic and a
postsynaptic spike (``on_pre``, ``on_post``) — for a :class:`Site`: the host
synapse's weight, its bound, and how the host applies a weight change. The
code refers to the rule's parameters by their field names; the host says
where they come from (the mSTDP network reads them from a per-copy table, so
that every copy of an ensemble has its own values and one binary serves
them all; the sym-STDP network keeps its own variables).

Every rule also computes, without Brian2, the weight change its equations
give for given spike trains (:meth:`Rule.change`): an independent
event-by-event reference that the protocols' measurements are tested
against.

Conventions shared by every rule: time constants are parameters ``tau_*``
and traces decay as ``dx/dt = -x/tau_x``; ``eta`` scales every weight
change; on equal spike times the presynaptic event comes first (Brian2 runs
the pre pathway before the post one in a time step); a postsynaptic spike's
effect at the synapse (its trace increments and the changes it triggers) is
scaled by ``bap``, the back-propagating spike's amplitude there (1 at the
soma).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, fields, replace
from typing import ClassVar

import numpy as np
from brian2 import Quantity, get_dimensions, get_unit

from ..errors import ParameterError
from ..parameters import encode_value, validate_section

__all__ = ["Site", "Rule", "Events", "events"]


@dataclass(frozen=True)
class Site:
    """Where a rule's code goes: the host synapse's weight and bound, and how a change is applied.

    ``bap``: the name of the back-propagating spike's amplitude at the synapse
    (None: 1, a host without one). ``total``: a postsynaptic variable that
    follows the sum of the weights (the sym-STDP network's synaptic scaling
    reads it), or None.
    """

    weight: str = "w"
    maximum: str = "w_max"
    bap: str | None = "bap"
    total: str | None = None

    def assign(self, new: str) -> str:
        """Statements that set the weight to ``new``, kept in [0, maximum]."""
        clipped = f"clip({new}, 0, {self.maximum})"
        if self.total is None:
            return f"{self.weight} = {clipped}"
        return f"change = {clipped} - {self.weight}\n{self.weight} += change\n{self.total} += change"

    def post(self, expression: str) -> str:
        """``expression`` scaled by the back-propagating spike's amplitude."""
        return expression if self.bap is None else f"{self.bap} * {expression}"


@dataclass(frozen=True)
class Events:
    """Spike arrivals at one synapse: times (s), each pre (0) or post (1), sorted as Brian2 runs them."""

    times: np.ndarray
    kinds: np.ndarray

    def __iter__(self):
        return zip(self.times.tolist(), self.kinds.tolist())


def events(pre_times, post_times) -> Events:
    """The merged arrivals; on equal times the presynaptic one first."""
    pre, post = np.asarray(pre_times, dtype=float), np.asarray(post_times, dtype=float)
    times = np.concatenate([pre, post])
    kinds = np.concatenate([np.zeros(len(pre), int), np.ones(len(post), int)])
    order = np.lexsort((kinds, times))
    return Events(times[order], kinds[order])


class Rule:
    """A plasticity rule. Subclasses are frozen dataclasses of parameters, with:

    ``name`` (how ``--rule`` and params.json call it), ``traces`` (per-synapse
    variables that belong to one presentation: a host that resets at
    presentation starts drops them), ``persistent`` (variables that carry
    over), ``model``/``on_pre``/``on_post`` (code for a :class:`Site`), and
    ``_pre``/``_post`` (the same equations on plain numbers, for
    :meth:`change`).
    """

    name: ClassVar[str]
    traces: ClassVar[tuple] = ()
    persistent: ClassVar[tuple] = ()

    # -- parameters ------------------------------------------------------
    def validate(self) -> "Rule":
        for f in fields(self):  # every parameter has a value, and a finite one (params.json must read it back)
            value = getattr(self, f.name)
            if value is None or (isinstance(value, (int, float, Quantity)) and not np.all(np.isfinite(value))):
                raise ParameterError(f"rule {self.name}.{f.name} = {value!r} must be a finite value")
        validate_section(f"rule {self.name}", self)
        return self

    def columns(self) -> dict:
        """{parameter: unit in equation strings} of every parameter, in field order."""
        return {f.name: "1" if f.metadata["unit"] is None else repr(get_unit(get_dimensions(f.metadata["unit"])))
                for f in fields(self)}

    def values(self) -> dict:
        """{parameter: value in SI base units}."""
        return {f.name: float(getattr(self, f.name)) for f in fields(self)}

    def with_values(self, **values) -> "Rule":
        unknown = set(values) - {f.name for f in fields(self)}
        if unknown:
            raise ParameterError(f"rule {self.name!r} has no parameter(s) {sorted(unknown)}; it has "
                                 f"{[f.name for f in fields(self)]}")
        return replace(self, **values).validate()

    def spec(self) -> str:
        """The rule as ``--rule`` and params.json write it: NAME(param=value, ...), the changed ones only."""
        defaults = type(self)()
        changed = [f"{f.name}={encode_value(getattr(self, f.name))}" for f in fields(self)
                   if not _same(getattr(self, f.name), getattr(defaults, f.name))]
        return self.name + (f"({', '.join(changed)})" if changed else "")

    def label(self) -> str:
        """The rule as a table or a figure names it (its spec)."""
        return self.spec()

    # -- code --------------------------------------------------------------
    def model(self, site: Site) -> str:
        raise NotImplementedError

    def on_pre(self, site: Site) -> str:
        raise NotImplementedError

    def on_post(self, site: Site) -> str:
        raise NotImplementedError

    def decays(self) -> dict:
        """{trace: time constant (s)} of every trace variable, for :meth:`change`."""
        raise NotImplementedError

    # -- the reference -----------------------------------------------------
    def change(self, pre_times, post_times, w0: float = 0.5, w_max: float = 1.0, bap: float = 1.0,
               period: float | None = None, **host) -> float:
        """Weight change after spikes arrive at the synapse at ``pre_times``, ``post_times`` (s), by the
        rule's equations, event by event. ``period``: a host that drops the ``traces`` at the first event
        of each new presentation of this length (s). ``host``: what a rule's host drives besides spikes
        (a three-factor rule's modulator)."""
        decays = self.decays()
        state = {name: 0.0 for name in decays}
        w, last = w0, None
        for t, kind in self._timeline(pre_times, post_times, **host):
            if kind < 0:  # a tick of the host's own clock, before the spikes of its time step
                w = self._tick(state, w, w_max, t, last, **host)
                continue
            if last is not None:
                for name, tau in decays.items():
                    state[name] *= math.exp(-(t - last) / tau)
                if period is not None and math.floor(last / period + 1e-9) < math.floor(t / period + 1e-9):
                    for name in self.traces:
                        state[name] = 0.0
            w = self._spike(state, w, w_max, bap, kind)
            last = t
        return w - w0

    def _timeline(self, pre_times, post_times, **host):
        """(time, kind) in the order the host runs them: kind 0 pre, 1 post (and −1 a tick of its clock)."""
        return events(pre_times, post_times)

    def _tick(self, state, w, w_max, t, last, **host) -> float:
        raise NotImplementedError

    def _spike(self, state, w, w_max, bap, kind) -> float:
        """The weight after a spike, kept in [0, w_max]."""
        w = self._post(state, w, w_max, bap) if kind else self._pre(state, w, w_max)
        return min(max(w, 0.0), w_max)

    def _pre(self, state: dict, w: float, w_max: float) -> float:
        """The weight after a presynaptic spike (updating ``state``, the traces, in place)."""
        raise NotImplementedError

    def _post(self, state: dict, w: float, w_max: float, bap: float) -> float:
        raise NotImplementedError


def _same(a, b) -> bool:
    if isinstance(a, Quantity) or isinstance(b, Quantity):
        return bool(np.all(a == b))
    return a == b

