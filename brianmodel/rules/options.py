"""The command line's ``--rule PATHWAY=RULE[,PATHWAY=RULE]``, shared by the protocols that train or pair.

Kept apart from :mod:`.cli`, which figure scripts use: the rules import brian2.
"""
from __future__ import annotations

from . import parse_rules

__all__ = ["add_rule_argument", "rule_overrides"]


def add_rule_argument(parser):
    """``--rule PATHWAY=RULE[,PATHWAY=RULE]``: the plasticity rule of a pathway (brianmodel.rules)."""
    parser.add_argument("--rule", action="append", default=[], metavar="PATHWAY=RULE[,PATHWAY=RULE]",
                        help="plasticity rule of a pathway, e.g. --rule feedforward=triplet,feedback='astdp(eta=0.02)' "
                             "(repeatable; 'mirrored', the default, is the paper's; the rules and their parameters: "
                             "brianmodel/rules, docs/rules.md)")


def rule_overrides(args) -> dict:
    """{'rules': {pathway: spec}} of ``--rule``, for ``with_overrides`` (empty without it)."""
    rules = parse_rules(args.rule)
    return {"rules": rules} if rules else {}
