"""A library of plasticity rules that write Brian2 synapse code for either plastic pathway.

========================  ===============================================================
``stdp``                  additive pair STDP (:class:`~.pair.STDP`)
``stdp-soft``             multiplicative, soft-bounded pair STDP
``astdp``                 the time-reversed window (anti-STDP)
``astdp-soft``            soft-bounded aSTDP
``symstdp``               symmetric STDP of Hao et al. 2020 (the sym-STDP network's rule)
``istdp``                 inhibitory STDP of Vogels et al. 2011 (decorrelating lateral inhibition)
``pair``                  the general pair window: each lobe's sign, amplitude and τ free
``triplet``               all-to-all triplet STDP (Pfister & Gerstner 2006, visual cortex)
``triplet-nearest``       nearest-spike triplet STDP (idem)
``bcm``                   BCM with a sliding threshold
``oja``                   Oja's rule with weight-dependent decay
``modulated-NAME``        the three-factor form of any of them (eligibility × modulator)
========================  ===============================================================

A rule is written as ``NAME`` or ``NAME(param=value, ...)``, values with
units in the strict grammar of :mod:`brianmodel.values` (parsed,
never evaluated)::

    rule("triplet-nearest")
    rule("stdp(eta=0.02, tau_minus=20*ms)")

The mSTDP network's own rule, ``mirrored`` (STDP on W, aSTDP on Q, placed
by :mod:`brianmodel.mstdp.placement`), is not in this table: it is a rule of
this kind built from the model's ``plasticity`` section and each pathway's
placement (:mod:`brianmodel.mstdp.mirrored`), and the model's default. Its third pathway,
``lateral`` (inhibition between hidden units), is ``none`` by default: the
paper's network has no such synapses.
"""
from __future__ import annotations

import re

from ..errors import ParameterError
from ..parameters import decode_value
from .base import Events, Rule, Site, events
from .modulated import MODULATION_STEP, MODULATOR, Modulated, modulated
from .pair import ASTDP, ISTDP, STDP, Pair, SoftASTDP, SoftSTDP, SymSTDP
from .rate import BCM, Oja
from .triplet import VISUAL_CORTEX, NearestTriplet, Triplet

__all__ = ["Rule", "Site", "Events", "events", "RULES", "rule", "rule_names", "Modulated", "modulated",
           "MODULATOR", "MODULATION_STEP", "STDP", "Pair", "SoftSTDP", "ASTDP", "SoftASTDP", "SymSTDP", "Triplet",
           "NearestTriplet", "BCM", "ISTDP", "NO_RULE",
           "Oja", "VISUAL_CORTEX", "PATHWAYS", "parse_rules"]

_PLAIN = (STDP, SoftSTDP, ASTDP, SoftASTDP, SymSTDP, ISTDP, Pair, Triplet, NearestTriplet, BCM, Oja)
RULES = {cls.name: cls for cls in _PLAIN}
RULES.update({f"modulated-{cls.name}": modulated(cls) for cls in _PLAIN})

_SPEC = re.compile(r"^\s*(?P<name>[a-z][a-z0-9-]*)\s*(?:\((?P<args>[^()]*)\))?\s*$")
_ARG = re.compile(r"^\s*(?P<key>[A-Za-z_]\w*)\s*=\s*(?P<value>.+?)\s*$")


def rule_names() -> list:
    return list(RULES)


def rule(spec: str) -> Rule:
    """The rule ``spec`` names: ``NAME`` or ``NAME(param=value, ...)``, validated."""
    if isinstance(spec, Rule):
        return spec.validate()
    match = _SPEC.match(spec) if isinstance(spec, str) else None
    if not match:
        raise ParameterError(f"cannot read the rule {spec!r}: expected NAME or NAME(param=value, ...)")
    name = match["name"]
    if name not in RULES:
        raise ParameterError(f"unknown rule {name!r}; known rules: mirrored, {', '.join(RULES)}")
    values = {}
    for argument in filter(str.strip, (match["args"] or "").split(",")):
        pair = _ARG.match(argument)
        if not pair:
            raise ParameterError(f"cannot read {argument.strip()!r} in the rule {spec!r}: expected param=value")
        values[pair["key"]] = decode_value(pair["value"], f"{name}.{pair['key']}")
    return RULES[name]().with_values(**values)


PATHWAYS = ("feedforward", "feedback", "lateral")
NO_RULE = "none"  # a pathway that may be absent (lateral): no synapses


def parse_rules(assignments) -> dict:
    """``['feedforward=triplet,feedback=astdp(eta=0.02)']`` (``--rule``, repeatable) -> {pathway: spec},
    each spec checked (``mirrored``: the network's own rule)."""
    rules = {}
    for text in assignments:
        for item in _top_level_split(text):
            pathway, _, spec = item.partition("=")
            pathway, spec = pathway.strip(), spec.strip()
            if pathway not in PATHWAYS or not spec:
                raise ParameterError(f"expected --rule PATHWAY=RULE with PATHWAY one of {', '.join(PATHWAYS)}, "
                                     f"got {item!r}")
            if spec not in ("mirrored", NO_RULE):
                spec = rule(spec).spec()
            rules[pathway] = spec
    return rules


def _top_level_split(text: str) -> list:
    """``text`` split at the commas outside parentheses."""
    parts, depth, start = [], 0, 0
    for k, char in enumerate(text):
        depth += {"(": 1, ")": -1}.get(char, 0)
        if char == "," and depth == 0:
            parts.append(text[start:k])
            start = k + 1
    return [part for part in parts + [text[start:]] if part.strip()]
