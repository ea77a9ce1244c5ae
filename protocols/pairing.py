"""In-vitro pairing on one feedforward and one feedback synapse per lag (Fig 2), for any rule.

    python protocols/pairing.py --out results/pairing
    python protocols/pairing.py --out results/pairing-bp --set connections.backprop_delay_feedback=8*ms
    python protocols/pairing.py --out results/pairing-300um --location 300
    python protocols/pairing.py --out results/triplet --rule feedforward=triplet,feedback=triplet-nearest \
        --frequencies 0.1 10 20 40 50

--location puts the feedback synapse that far out on a ball-and-stick visible
dendrite: the visible spike back-propagates to it later and weaker (see
brianmodel.mstdp.placement).

--rule gives a pathway another rule than the paper's (mirrored: STDP on W,
aSTDP on Q): any rule of brianmodel.rules, with its parameters.

Each lag Δ = t_hidden − t_visible gets its own pair of cells, paired
--pairings times at --frequency; the weight change is written beside the
configured window (the rule's equations, without Brian2) to
<out>/pairing.csv, and figures/fig02_windows.py draws it into
<out>/fig02_windows.png. With --frequencies, each (frequency, lag) gets its
pair of cells, traces carry over from pairing to pairing, and
figures/frequency.py draws <out>/frequency.png.
"""
import os
import subprocess
import sys

from brian2 import um

from brianmodel.cli import command, parser
from brianmodel.device import DEVICES
from brianmodel.parameters import parse_assignments
from brianmodel.params.mstdp import preset
from brianmodel.protocols.pairing import (DEFAULT_LAGS_MS, FrequencyProtocol, PairingProtocol, run_frequency,
                                         run_pairing, save_pairing)
from brianmodel.results import check_folder_path
from brianmodel.rules.options import add_rule_argument, rule_overrides


def _window_eta(args, overrides):
    """--eta for every rule; otherwise 0.002 for the paper's rule, and a rule given with --rule keeps its own η."""
    if args.eta is not None:
        return args.eta
    if not args.rule:
        return 0.002
    overrides.setdefault("plasticity", {}).setdefault("eta", 0.002)  # the mirrored pathway, if any
    return None


@command
def main(argv=None):
    p = parser(__doc__)
    p.add_argument("--out", required=True, help="results folder")
    p.add_argument("--pairings", type=int, default=60)
    p.add_argument("--frequency", type=float, default=1.0, help="pairings per second (Hz)")
    p.add_argument("--lags", type=float, nargs="+", metavar="MS",
                   help="Δ = t_hidden − t_visible values (ms, multiples of dt; default: -50..50 ms, or ±10 ms with "
                        "--frequencies)")
    p.add_argument("--frequencies", type=float, nargs="+", metavar="HZ",
                   help="the frequency protocol instead: --pairings pairings at each of these frequencies, both "
                        "orders, traces carried over (e.g. 0.1 10 20 40 50, Sjöström et al. 2001)")
    p.add_argument("--eta", type=float,
                   help="learning rate during the protocol, for every rule (default: 0.002 for the paper's rule; "
                        "each rule's own with --rule or --frequencies)")
    add_rule_argument(p)
    p.add_argument("--preset", default="main")
    p.add_argument("--set", action="append", default=[], metavar="SECTION.NAME=VALUE",
                   help="model parameter override, as in protocols/train.py (e.g. connections.delay_feedback=4*ms)")
    p.add_argument("--location", type=float, metavar="UM",
                   help="the feedback synapse's distance from the visible soma (µm; default: compact cell)")
    p.add_argument("--device", default="cpp", help=f"one of {', '.join(DEVICES)}")
    args = p.parse_args(argv)
    check_folder_path(args.out)  # (before the simulation, not after it)
    overrides = {**parse_assignments(args.set), **rule_overrides(args)}
    if args.location is not None:
        overrides.setdefault("locations", {})["feedback"] = args.location * um
    eta = args.eta if args.frequencies else _window_eta(args, overrides)
    params = preset(args.preset).with_overrides(**overrides)
    if args.frequencies:
        protocol = FrequencyProtocol(frequencies_hz=tuple(args.frequencies), lags_ms=tuple(args.lags or (10.0, -10.0)),
                                     n_pairings=args.pairings, eta=args.eta).validate(params)
        result = run_frequency(params, protocol, device=args.device)
        figure = ["frequency.py", "--pairing", args.out, "--out", args.out]
    else:
        protocol = PairingProtocol(lags_ms=tuple(args.lags or DEFAULT_LAGS_MS), n_pairings=args.pairings,
                                   frequency_hz=args.frequency, eta=eta).validate(params)
        result = run_pairing(params, protocol, device=args.device)
        figure = ["fig02_windows.py", "--pairing", args.out, "--out", args.out]
    save_pairing(args.out, params, protocol, result, args.device)
    figures = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "figures")
    subprocess.run([sys.executable, os.path.join(figures, figure[0]), *figure[1:]], check=True)
    print(f"pairing results and figure written to {args.out}")


if __name__ == "__main__":
    main()
