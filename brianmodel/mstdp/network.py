"""The mirrored-STDP network as Brian2 groups (Burbank 2015, Figs 1 and 3), in K independent copies.

Visible layer (ON/OFF, soma + dendrite) --W, proximal, STDP--> hidden layer
--Q, distal dendritic, aSTDP--> visible layer; one inhibitory pool per layer.

An ensemble of K copies is one set of groups and synapses: copy k's neurons
are a contiguous block of each group, its synapses connect only its own
neurons (in the order of a single network's), and it has its own pools. Each
copy has its own value of every run-time parameter (:data:`RUN_TIME_FIELDS`):
a row of each plastic pathway's table, and variables of its neurons
(:mod:`.equations`). A single network is the ensemble of one copy.

A chunk of presentations is one ``run()``. The copies share one image table
(a TimedArray of the distinct stimuli of the chunk) and each reads its own
presentation order from a second one (presentation × copy), once per
presentation; ``run_regularly`` operations reset every group at each
presentation start. Nothing here knows which device runs it (see
:mod:`brianmodel.device`).
"""
from __future__ import annotations

import zlib
from dataclasses import dataclass, field
from typing import Sequence

import numpy as np
from brian2 import NeuronGroup, Network, Quantity, SpikeMonitor, Synapses, TimedArray, defaultclock, linked_var, \
    ms, mV, second, um

from .. import analysis
from ..device.contract import add_extra
from ..errors import ParameterError, SimulationError
from ..params.cable import check_step
from ..params.mstdp import ModelParams
from .equations import (LATERAL_TABLE, PATHWAY_TABLE, POOL_OUTPUT_EQUATIONS, has_cable, has_lateral,
                        has_visible_noise, lateral_columns, lateral_synapse_code, pathway_columns, plastic_synapse_code)
from .layers import hidden_cell, pool_cell, visible_cell, visible_forget_code
from .mirrored import pathway_rule
from .placement import placement

__all__ = ["MStdpNetwork", "NetworkState", "EnsembleState", "STATE_ARRAYS", "synapse_state_names", "Presentations",
           "build_network", "cells", "namespace",
           "stimulus_tables", "noise_seed", "neuron_values",
           "feedforward_synapses", "feedback_synapses", "assign_delays", "pathway_values", "pathway_table", "copy_values",
           "RUN_TIME_FIELDS", "build_values", "compiled_form", "lateral_synapses", "lateral_values", "lateral_matrix"]


def cells(params: ModelParams) -> dict:
    """Each layer's cell (:mod:`.layers`): 'visible', 'hidden', 'pool' (both pools')."""
    return {"visible": visible_cell(params), "hidden": hidden_cell(params), "pool": pool_cell(params)}


def namespace(params: ModelParams, layer_cells: dict | None = None) -> dict:
    """The constants the equation strings refer to: each layer's cell's (``layer_cells``, default
    :func:`cells`), and the synapses'."""
    ns = {}
    for layer, cell in (layer_cells or cells(params)).items():
        for name, value in cell.constants.items():  # one namespace: a name means one value in every cell
            if name in ns and not _same(ns[name], value):
                raise ParameterError(f"the {layer} cell's constant {name!r} is {value}, another cell's {ns[name]}: "
                                     f"give it a name of its own")
            ns[name] = value
    ns.update(w_max=params.plasticity.w_max, q_max=params.plasticity.q_max,
              presentation_duration=params.presentation.duration)  # (equations.forget_stale reads it)
    if has_lateral(params):
        ns.update(m_max=params.lateral.m_max)
    return ns


def _same(a, b) -> bool:
    try:
        return bool(np.all(a == b))
    except Exception:  # values of different dimensions
        return False


# -- the run-time parameters ---------------------------------------------------
# Fields of ModelParams that are variables of the compiled network, not
# constants: one binary serves every value (set per run, via run_args
# standalone), and every copy of an ensemble has its own.
RUN_TIME_FIELDS = {("connections", "g_input"), ("homeostasis", "rho"), ("homeostasis", "rate"),
                   ("plasticity", "eta"), ("plasticity", "zeta_over_eta"), ("plasticity", "tau_plus"),
                   ("plasticity", "tau_minus"), ("plasticity", "A_plus"), ("plasticity", "A_minus"),
                   ("connections", "g_feedforward"), ("connections", "g_feedback"),
                   ("connections", "delay_feedforward"), ("connections", "delay_feedback"),
                   ("connections", "backprop_delay_feedforward"), ("connections", "backprop_delay_feedback"),
                   ("cable", "bap_velocity"), ("cable", "bap_length_constant"), ("locations", "crossover"),
                   ("lateral", "g_lateral"), ("lateral", "delay"), ("neurons", "visible_noise")}
# (a location's value is a run-time parameter too, and so is the visible noise's; whether there is one is
# compiled in)


# (group, variable, ModelParams field) of the run-time values held by the neurons
NEURON_VALUES = (("visible", "g_input", ("connections", "g_input")), ("hidden", "rho", ("homeostasis", "rho")),
                 ("hidden", "homeostasis_rate", ("homeostasis", "rate")))
NOISE_VALUES = (("visible", "sigma_visible", ("neurons", "visible_noise")),)  # with neurons.visible_noise set


def neuron_values(params: ModelParams) -> tuple:
    """(group, variable, ModelParams field) of the run-time values the neurons of ``params``' network hold."""
    return NEURON_VALUES + (NOISE_VALUES if has_visible_noise(params) else ())


def pathway_values(pathway: str, params: ModelParams) -> dict:
    """The run-time values of a plastic pathway's synapses (:func:`.equations.pathway_columns`): its rule's
    (:func:`.mirrored.pathway_rule`), then where it sits."""
    where = placement(params, pathway)
    return {**pathway_rule(params, pathway).values(), **_placement_values(pathway, params, where)}


def _placement_values(pathway, params, where) -> dict:
    return {"bap": where.bap,
            "gain": params.connections.g_feedforward if pathway == "feedforward" else params.connections.g_feedback,
            "compartment": where.compartment, "axonal_delay": where.axonal_delay,
            "backprop_delay": where.backprop_delay}


def lateral_values(params: ModelParams) -> dict:
    """The run-time values of the lateral synapses (:func:`.equations.lateral_columns`): their rule's
    parameters, the gain and the delay."""
    return {**params.rule("lateral").values(), "gain": params.lateral.g_lateral,
            "lateral_delay": float(params.lateral.delay)}


def pathway_table(pathway: str, copy_params: Sequence[ModelParams]) -> np.ndarray:
    """The rows of ``pathway``'s table (or the lateral synapses'): each copy's values, in SI base units."""
    if pathway == "lateral":
        columns, rows = lateral_columns(copy_params[0]), [lateral_values(p) for p in copy_params]
    else:
        columns = pathway_columns(copy_params[0], pathway)
        rows = [pathway_values(pathway, params) for params in copy_params]
    return np.array([[float(row[name]) for name in columns] for row in rows])


def _tables(params: ModelParams) -> dict:
    """{pathway: its table's TimedArray name}, the lateral synapses' included when there are any."""
    return {**PATHWAY_TABLE, **({"lateral": LATERAL_TABLE} if has_lateral(params) else {})}


def copy_values(params: ModelParams) -> dict:
    """{(group or pathway, variable): value} of every run-time variable, for one copy."""
    values = {(group, variable): getattr(getattr(params, section), name)
              for group, variable, (section, name) in neuron_values(params)}
    for pathway in ("feedforward", "feedback"):
        values.update({(pathway, name): value for name, value in pathway_values(pathway, params).items()})
    if has_lateral(params):
        values.update({("lateral", name): value for name, value in lateral_values(params).items()})
    return values


def build_values(params: ModelParams) -> ModelParams:
    """``params`` with every run-time field at a fixed value (the defaults; delays and locations 0).

    Standalone builds are generated from these, so that the generated code,
    whose initial values the run_args then replace, is the same for every
    value of the run-time parameters: nothing recompiles between them.
    """
    defaults = ModelParams()
    changes = {}
    for section, name in RUN_TIME_FIELDS:
        changes.setdefault(section, {})[name] = getattr(getattr(defaults, section), name)
    # 0 ms: valid for any dt and presentation length (the defaults need not be)
    changes["connections"].update(delay_feedforward=0 * ms, delay_feedback=0 * ms)
    for pathway in ("feedforward", "feedback"):
        if getattr(params.locations, pathway) is not None:
            changes["locations"][pathway] = 0 * um
    if has_visible_noise(params):
        changes["neurons"]["visible_noise"] = 0 * mV
    for pathway in ("feedforward", "feedback", "lateral"):
        rule = pathway_rule(params, pathway)
        if rule is not None:  # its parameters are run-time values: the build has the defaults
            changes.setdefault("rules", {})[pathway] = rule.name
    return params.with_overrides(**changes)


def compiled_form(params: ModelParams) -> dict:
    """What of ``params`` is compiled into a standalone binary (the rest is set per run).

    A location's value is a run-time parameter; whether there is one (and so
    a ball-and-stick cell) is compiled in.
    """
    compiled = params.to_dict()
    for section, name in RUN_TIME_FIELDS:
        compiled[section].pop(name)
    compiled["locations"] = {name: value is not None for name, value in compiled["locations"].items()}
    if has_visible_noise(params):  # (without noise the key is absent: the paper's builds keep their names)
        compiled["neurons"]["visible_noise"] = True
    # a rule's name is compiled in, its parameters are run-time values
    compiled["rules"] = {pathway: getattr(pathway_rule(params, pathway), "name", spec)
                         for pathway, spec in compiled["rules"].items()}
    if not has_cable(params):
        compiled.pop("cable")
    if not has_lateral(params):
        compiled.pop("lateral")
    return compiled


# -- state and stimulus ----------------------------------------------------------
@dataclass
class NetworkState:
    """What carries from one presentation chunk to the next, for one copy."""

    W: np.ndarray  # (n_hidden, n_visible) feedforward weights W_ji
    Q: np.ndarray  # (n_visible, n_hidden) feedback weights Q_ij
    phi: np.ndarray  # (n_hidden,) homeostatic scaling factors
    count: np.ndarray  # (n_hidden,) spikes in the last presentation (homeostasis input)
    # a rule's variables that outlast a presentation (BCM's ν̄, an eligibility), per synapse in synapse order,
    # as '<pathway>_<variable>', with '<pathway>_lastupdate' (their last event, relative to the chunk's end)
    synapses: dict = field(default_factory=dict)

    @classmethod
    def initial(cls, params: ModelParams, n_visible: int, seed: int) -> "NetworkState":
        """W ~ U(0, w_init_max), Q ~ U(0, q_init_max), independent; Φ = Φ_0."""
        rng = np.random.default_rng([seed, 0])
        n_hidden, pl = params.architecture.n_hidden, params.plasticity
        return cls(W=rng.uniform(0, pl.w_init_max, (n_hidden, n_visible)),
                   Q=rng.uniform(0, pl.q_init_max, (n_visible, n_hidden)),
                   phi=np.full(n_hidden, params.homeostasis.phi_init),
                   count=np.zeros(n_hidden))

    def arrays(self) -> dict:
        return {"W": self.W, "Q": self.Q, "phi": self.phi, "count": self.count, **self.synapses}


STATE_ARRAYS = ("W", "Q", "phi", "count")


def synapse_state_names(params: ModelParams) -> list:
    """The names of :attr:`NetworkState.synapses` for ``params``' rules: the lateral weights, and each rule's
    persistent variables (the mirrored rule has none)."""
    names = ["lateral_m"] if has_lateral(params) else []  # M, in synapse order (:func:`lateral_matrix`)
    for pathway in _tables(params):
        rule = pathway_rule(params, pathway)
        if rule.persistent:
            names += [f"{pathway}_{variable}" for variable in (*rule.persistent, "lastupdate")]
    return names


def lateral_matrix(state: NetworkState) -> np.ndarray | None:
    """M (n_hidden, n_hidden) of a state (:func:`brianmodel.analysis.lateral_matrix`); None without lateral
    synapses."""
    m = state.synapses.get("lateral_m")
    return None if m is None else analysis.lateral_matrix(m, len(state.phi))


class EnsembleState(tuple):
    """The states of an ensemble's copies, in copy order."""

    def arrays(self) -> dict:
        """The copies' arrays stacked along a first axis (copy)."""
        names = (*STATE_ARRAYS, *self[0].synapses)
        return {name: np.stack([state.arrays()[name] for state in self]) for name in names}


@dataclass
class Presentations:
    """What each copy is shown: distinct stimuli and, per copy, the row of each presentation.

    ``images`` (rows, n_visible) non-negative intensities; ``order`` (copies,
    presentations) integer rows of ``images``. Copies that are shown the same
    images share their rows: the table holds each stimulus once.
    """

    images: np.ndarray
    order: np.ndarray

    def __post_init__(self):
        self.images = np.asarray(self.images, dtype=float)
        self.order = np.asarray(self.order)
        if self.images.ndim != 2 or self.order.ndim != 2:
            raise SimulationError(f"presentations need images (rows, n_visible) and an order (copies, "
                                  f"presentations); got shapes {self.images.shape} and {self.order.shape}")
        if not np.issubdtype(self.order.dtype, np.integer) or (self.order.size and (
                self.order.min() < 0 or self.order.max() >= len(self.images))):
            raise SimulationError(f"the order must hold rows of the {len(self.images)} images")
        if np.any(self.images < 0):
            raise SimulationError("visible intensities must be non-negative (split signed stimuli with "
                                  "brianmodel.datasets.on_off)")

    def __len__(self):
        return self.order.shape[1]

    def __getitem__(self, presentations: slice) -> "Presentations":
        return Presentations(self.images, self.order[:, presentations])


# -- the network ---------------------------------------------------------------
@dataclass
class MStdpNetwork:
    """The network of K copies and its named parts."""

    network: Network
    visible: NeuronGroup
    hidden: NeuronGroup
    feedforward: Synapses
    feedback: Synapses
    images: TimedArray  # the chunk's distinct stimuli (image_rows, n_visible)
    order: TimedArray  # each copy's image row per presentation (presentations, copies)
    tables: dict  # {pathway: TimedArray of its run-time values, one row per copy}
    monitors: dict
    namespace: dict
    n_presentations: int
    copy_params: tuple  # ModelParams of each copy
    single: bool  # one copy, whose state is a NetworkState (not an EnsembleState)
    extra_objects: list = field(default_factory=list)  # the user's objects (the model's extra)
    lateral: Synapses | None = None  # hidden -> hidden inhibition (rules.lateral set)

    @property
    def copies(self) -> int:
        return len(self.copy_params)

    @property
    def period(self):
        return self.copy_params[0].presentation.duration

    @property
    def duration(self):
        return self.n_presentations * self.period

    @property
    def seed_variable(self):
        """The visible noise's random stream (None without noise: the network is deterministic)."""
        return self.visible.variables["random_seed"] if has_visible_noise(self.copy_params[0]) else None

    def _per_copy(self, values) -> tuple:
        values = (values,) if self.single else tuple(values)
        if len(values) != self.copies:
            raise SimulationError(f"expected values for {self.copies} copies, got {len(values)}")
        return values

    def stimulus_values(self, presentations: Presentations) -> dict:
        """{TimedArray: values} showing ``presentations``: the rows they use, once, and each copy's order."""
        table, order = stimulus_tables(presentations, self.copies, self.n_presentations, self.images.values.shape)
        return {self.images: table, self.order: order}

    def run_time_values(self, params) -> dict:
        """{VariableView or TimedArray: values} of every copy's run-time parameters (for run_args):
        the pathways' tables, and per-neuron arrays."""
        params = self._per_copy(params)
        values = {table: pathway_table(pathway, params) for pathway, table in self.tables.items()}
        for group, variable, (section, name) in neuron_values(params[0]):
            column = np.array([float(getattr(getattr(p, section), name)) for p in params])  # (in SI units)
            view = getattr(getattr(self, group), variable)
            values[view] = Quantity(np.repeat(column, len(getattr(self, group)) // self.copies), dim=view.dim)
        return values

    def state_values(self, state) -> dict:
        """{VariableView: flat array} that sets every copy's state (for run_args)."""
        states = self._per_copy(state)
        values = {self.feedforward.w: np.concatenate([s.W.T.ravel() for s in states]),
                  self.feedback.q: np.concatenate([s.Q.T.ravel() for s in states]),
                  self.hidden.phi: np.concatenate([s.phi for s in states]),
                  self.hidden.count: np.concatenate([s.count for s in states])}
        for name, (pathway, variable) in self._synapse_state().items():
            if all(name in s.synapses for s in states):  # (an initial state has none: every value 0)
                view = getattr(getattr(self, pathway), variable)
                values[view] = Quantity(np.concatenate([s.synapses[name] for s in states]), dim=view.dim)
        if self.seed_variable is not None:
            values[self.visible.random_seed] = noise_seed(states)
        return values

    def read_state(self):
        k = self.copies
        n_vis, n_hid = len(self.visible) // k, len(self.hidden) // k
        w = np.asarray(self.feedforward.w[:]).reshape(k, n_vis, n_hid)
        q = np.asarray(self.feedback.q[:]).reshape(k, n_hid, n_vis)
        phi, count = np.asarray(self.hidden.phi[:]).reshape(k, n_hid), np.asarray(self.hidden.count[:]).reshape(k, n_hid)
        synapses = {}
        for name, (pathway, variable) in self._synapse_state().items():
            values = np.asarray(getattr(getattr(self, pathway), variable)[:], dtype=float)
            if variable == "lastupdate":  # relative to the chunk's end: the next chunk starts at t = 0
                values = values - float(self.duration)
            synapses[name] = values.reshape(k, -1)
        states = [NetworkState(W=w[c].T.copy(), Q=q[c].T.copy(), phi=phi[c].copy(), count=count[c].copy(),
                               synapses={name: v[c].copy() for name, v in synapses.items()}) for c in range(k)]
        return states[0] if self.single else EnsembleState(states)

    def _synapse_state(self) -> dict:
        """{state name: (pathway, variable)} of the synaptic variables the state holds besides W and Q."""
        return {name: tuple(name.split("_", 1)) for name in synapse_state_names(self.copy_params[0])}

    def results(self) -> list:
        """The synapses' variables :meth:`read_state` reads (a standalone binary writes no others)."""
        return [self.feedforward.variables["w"], self.feedback.variables["q"]] + [
            getattr(self, pathway).variables[variable] for pathway, variable in self._synapse_state().values()]

    def read_spikes(self) -> dict:
        """{monitor name: (indices, times in seconds)} as numpy arrays (indices over all copies)."""
        return {name: (np.asarray(m.i[:]).copy(), np.asarray(m.t[:] / second).copy())
                for name, m in self.monitors.items()}


def noise_seed(states) -> int:
    """The random stream of a chunk that starts from ``states`` (one per copy): a digest of their arrays.

    A chunk's noise follows from the state it starts from, so a resumed run is the same run, and each chunk
    (whose state differs from the last's) gets its own stream. The stream is the ensemble's: a copy run alone
    draws other noise than in an ensemble, so it is the same training in distribution, not bit for bit.
    """
    digest = 0
    for state in states:
        for name, array in sorted(state.arrays().items()):
            digest = zlib.crc32(np.ascontiguousarray(array).tobytes(), zlib.crc32(name.encode(), digest))
    return 1 + digest % (2 ** 31 - 1)


def stimulus_tables(presentations: Presentations, copies: int, n_presentations: int, shape) -> tuple:
    """(image table of ``shape``: the rows the presentations use, once; order table (presentations, copies))."""
    if presentations.order.shape != (copies, n_presentations):
        raise SimulationError(f"presentations for {copies} copies × {n_presentations} expected, got an order of "
                              f"shape {presentations.order.shape}")
    capacity, n_visible = shape
    if presentations.images.shape[1] != n_visible:
        raise SimulationError(f"stimuli must have {n_visible} visible intensities, got {presentations.images.shape[1]}")
    used, order = np.unique(presentations.order, return_inverse=True)
    if len(used) > capacity:
        raise SimulationError(f"the chunk shows {len(used)} distinct stimuli; the network holds {capacity} "
                              f"(its model's n_images)")
    table = np.zeros(shape)
    table[:len(used)] = presentations.images[used]
    return table, np.ascontiguousarray(order.reshape(presentations.order.shape).T, dtype=float)


def _connect_within_copies(syn: Synapses, n_pre: int, n_post: int):
    """All-to-all synapses within each copy (``n_pre`` -> ``n_post`` neurons a copy), in the order of a single
    network's: copy-major, then presynaptic-major. Generated code makes them: no index arrays to store."""
    copy = f"(i // {n_pre})"
    syn.connect(j=f"k for k in range({copy} * {n_post}, ({copy} + 1) * {n_post})")


def _pool(layer, n_layer, n_pool, g_in, g_out, tau_out, params, cell, prefix, copies):
    """The inhibitory pool of each copy of ``layer`` (neurons: ``cell``): excited by all the copy's neurons,
    inhibits all of them."""
    pool = cell.group(copies * n_pool, f"{prefix}_pool")
    output = NeuronGroup(copies, POOL_OUTPUT_EQUATIONS, method="exact", name=f"{prefix}_pool_output",
                         namespace={"tau": tau_out})
    excite = Synapses(layer, pool, on_pre=f"g_e_post += {g_in!r}", name=f"{prefix}_to_pool")
    _connect_within_copies(excite, n_layer, n_pool)
    inhibit = Synapses(pool, output, on_pre=f"g_post += {g_out!r}", name=f"{prefix}_pool_inhibition")
    _connect_within_copies(inhibit, n_pool, 1)
    layer.g_i = linked_var(output, "g", index=np.repeat(np.arange(copies), n_layer))
    reset = [pool.run_regularly(cell.rest, dt=params.presentation.duration, when="start",
                                name=f"{prefix}_pool_reset"),
             output.run_regularly("g = 0", dt=params.presentation.duration, when="start",
                                  name=f"{prefix}_pool_output_reset")]
    return [pool, output, excite, inhibit, *reset]


def feedforward_synapses(visible, hidden, params: ModelParams, table: TimedArray, name="feedforward",
                         one_to_one=False, delays=True, copies=1, modulated=False) -> Synapses:
    """W: visible -> hidden, proximal, STDP. Within each copy, synapse k = i * n_hidden + j (all to all),
    or visible k -> hidden k (``one_to_one``, for pairing protocols; one copy). ``table``: the pathway's
    run-time values (:func:`values_table`). ``delays=False`` leaves :func:`assign_delays` to the caller.
    ``modulated``: the caller drives a three-factor rule's modulator (:func:`.equations.plastic_synapse_code`)."""
    return _plastic_synapses("feedforward", visible, hidden, params, table, name, one_to_one, delays, copies,
                             modulated)


def feedback_synapses(hidden, visible, params: ModelParams, table: TimedArray, name="feedback",
                      one_to_one=False, delays=True, copies=1, modulated=False) -> Synapses:
    """Q: hidden -> visible dendrite, distal, aSTDP. Within each copy, synapse k = j * n_visible + i
    (all to all), or hidden k -> visible k (``one_to_one``)."""
    return _plastic_synapses("feedback", hidden, visible, params, table, name, one_to_one, delays, copies,
                             modulated)


def values_table(pathway: str, copy_params: Sequence[ModelParams]) -> TimedArray:
    """``pathway``'s run-time values as the TimedArray its synapses read (one row per copy)."""
    return TimedArray(pathway_table(pathway, copy_params), dt=1 * second, name=_tables(copy_params[0])[pathway])


def _plastic_synapses(pathway, source, target, params, table, name, one_to_one, delays, copies, modulated):
    # the synapses' own namespace holds their table: assign_delays reads it before any run
    syn = Synapses(source, target, **plastic_synapse_code(pathway, params, modulated), name=name,
                   namespace={PATHWAY_TABLE[pathway]: table})
    if one_to_one:
        syn.connect(j="i")
    else:
        n_pre = len(source) // copies
        _connect_within_copies(syn, n_pre, len(target) // copies)
        if copies > 1:
            syn.copy_syn = f"i // {n_pre}"
    if delays:
        assign_delays(syn)
    return syn


def lateral_synapses(hidden, params: ModelParams, table: TimedArray, copies: int) -> Synapses:
    """M: hidden unit j -> every other hidden unit k of its copy (synapse order: j major, then k), inhibitory,
    plastic by ``rules.lateral``. The delay is set with the other pathways' (:func:`assign_delays`)."""
    syn = Synapses(hidden, hidden, **lateral_synapse_code(params), name="lateral",
                   namespace={LATERAL_TABLE: table})
    n = len(hidden) // copies
    syn.connect(j=f"k for k in range((i // {n}) * {n}, (i // {n} + 1) * {n}) if k != i")
    if copies > 1:
        syn.copy_syn = f"i // {n}"
    return syn


def assign_delays(syn: Synapses):
    """Both pathways' delays from the run-time values of the synapse's copy (set these first)."""
    syn.delay = "axonal_delay"
    syn.post.delay = "backprop_delay"


def build_network(copy_params: Sequence[ModelParams], n_visible: int, n_presentations: int,
                  presentations: Presentations | None = None, before_delays=None, extra=None,
                  image_rows: int | None = None, single: bool = False) -> MStdpNetwork:
    """Build ``len(copy_params)`` copies of the network for chunks of ``n_presentations`` presentations.

    The copies share what is compiled (:func:`compiled_form`); each has its
    own run-time values. ``presentations`` (:class:`Presentations`): what the
    copies are shown; none if omitted (standalone runs pass it as run_args).
    ``image_rows``: the image table's rows (default: copies × presentations,
    every stimulus distinct). ``before_delays()``, if given, is called once
    every variable has its default and before the synaptic delays are derived
    from the run-time values (a standalone device applies its run_args there).
    ``extra(net)`` returns the user's own Brian2 objects (monitors, ...) to add.
    ``single``: one copy whose state is a :class:`NetworkState`.
    """
    copy_params = tuple(copy_params)
    params, copies = copy_params[0], len(copy_params)
    for p in copy_params:
        p.validate()
    if n_visible <= 0 or n_visible % 2:
        raise SimulationError(f"n_visible must be a positive even number (ON + OFF), got {n_visible}")
    if n_presentations <= 0:
        raise SimulationError(f"n_presentations must be positive, got {n_presentations}")
    arch, neurons, pres = params.architecture, params.neurons, params.presentation
    period = pres.duration
    if has_cable(params):
        check_step(params.cable, pres.dt)
    # Everything but the per-presentation operations runs on the defaultclock,
    # as in Brian2's examples (brian2cuda 1.0b1's synaptic code refers to it by
    # name, and fails to compile when no object of the network uses it).
    defaultclock.dt = pres.dt
    shape = (image_rows or copies * n_presentations, n_visible)
    table, order_table = (np.zeros(shape), np.zeros((n_presentations, copies))) if presentations is None else \
        stimulus_tables(presentations, copies, n_presentations, shape)
    images = TimedArray(table, dt=1 * second, name="images")
    order = TimedArray(order_table, dt=period, name="order")
    tables = {pathway: values_table(pathway, copy_params) for pathway in _tables(params)}

    layer_cells = cells(params)
    visible = layer_cells["visible"].group(copies * n_visible, "visible")
    hidden = layer_cells["hidden"].group(copies * arch.n_hidden, "hidden")
    visible.copy = f"i // {n_visible}"
    hidden.copy = f"i // {arch.n_hidden}"
    for name, group in (("visible", visible), ("hidden", hidden)):
        for variable, value in layer_cells[name].initial.items():
            setattr(group, variable, value)

    c = params.connections
    visible_pool = _pool(visible, n_visible, arch.n_visible_pool, c.g_visible_to_pool, c.g_pool_to_visible,
                         neurons.tau_i, params, layer_cells["pool"], "visible", copies)
    hidden_pool = _pool(hidden, arch.n_hidden, arch.n_hidden_pool, c.g_hidden_to_pool, c.g_pool_to_hidden,
                        neurons.tau_i_hidden, params, layer_cells["pool"], "hidden", copies)
    feedforward = feedforward_synapses(visible, hidden, params, tables["feedforward"], delays=False, copies=copies)
    feedback = feedback_synapses(hidden, visible, params, tables["feedback"], delays=False, copies=copies)
    lateral = lateral_synapses(hidden, params, tables["lateral"], copies) if "lateral" in tables else None

    # Each presentation starts from each cell's rest (its homeostasis included; STDP traces:
    # equations.forget_stale); each copy reads its stimulus from the shared table.
    resets = [
        visible.run_regularly(layer_cells["visible"].rest
                              + "\nintensity = images(order(t, copy) * second, i - copy * n_visible)",
                              dt=period, when="start", name="visible_reset"),
        hidden.run_regularly(layer_cells["hidden"].rest, dt=period, when="start", name="hidden_reset"),
    ]
    if params.presentation.visible_forget is not None:  # ours: the final bout forgets the initial one
        resets.append(visible.run_regularly(visible_forget_code(layer_cells["visible"]), when="start",
                                            name="visible_forget"))
    monitors = {
        "visible": SpikeMonitor(visible, name="visible_spikes"),
        "hidden": SpikeMonitor(hidden, name="hidden_spikes"),
        "visible_pool": SpikeMonitor(visible_pool[0], name="visible_pool_spikes"),
        "hidden_pool": SpikeMonitor(hidden_pool[0], name="hidden_pool_spikes"),
    }
    network = Network(visible, hidden, *visible_pool, *hidden_pool, feedforward, feedback,
                      *([lateral] if lateral is not None else []), *resets, *monitors.values(), name="mstdp")
    ns = {**namespace(params, layer_cells), "images": images, "order": order, "n_visible": n_visible}
    built = MStdpNetwork(network, visible, hidden, feedforward, feedback, images, order, tables, monitors, ns,
                         n_presentations, copy_params, single, lateral=lateral)
    for key, value in built.run_time_values(copy_params[0] if single else copy_params).items():
        if not isinstance(key, TimedArray):  # the tables were made with these values
            key[:] = value
    if before_delays is not None:
        before_delays()
    assign_delays(feedforward)
    assign_delays(feedback)
    if lateral is not None:
        lateral.delay = "lateral_delay"
    built.extra_objects = add_extra(extra, built)
    return built
