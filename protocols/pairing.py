"""In-vitro pairing on one feedforward (STDP) and one feedback (aSTDP) synapse per lag (Fig 2).

    python protocols/pairing.py --out results/pairing
    python protocols/pairing.py --out results/pairing-bp --set connections.backprop_delay_feedback=8*ms
    python protocols/pairing.py --out results/pairing-300um --location 300

--location puts the feedback synapse that far out on a ball-and-stick visible
dendrite: the visible spike back-propagates to it later and weaker (see
brianmodel.mstdp.placement).

Each lag Δ = t_hidden − t_visible gets its own pair of cells, paired
--pairings times at --frequency; the weight change is written beside the
configured window to <out>/pairing.csv, and figures/fig02_windows.py draws it
into <out>/fig02_windows.png.
"""
import argparse
import os
import subprocess
import sys

from brian2 import um

from brianmodel.device import DEVICES
from brianmodel.params.base import parse_assignments
from brianmodel.params.mstdp import preset
from brianmodel.protocols.cli import command
from brianmodel.protocols.pairing import DEFAULT_LAGS_MS, PairingProtocol, run_pairing, save_pairing


@command
def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--out", required=True, help="results folder")
    p.add_argument("--pairings", type=int, default=60)
    p.add_argument("--frequency", type=float, default=1.0, help="pairings per second (Hz)")
    p.add_argument("--lags", type=float, nargs="+", default=list(DEFAULT_LAGS_MS), metavar="MS",
                   help="Δ = t_hidden − t_visible values (ms, multiples of dt)")
    p.add_argument("--eta", type=float, default=0.002, help="learning rate during the protocol")
    p.add_argument("--preset", default="main")
    p.add_argument("--set", action="append", default=[], metavar="SECTION.NAME=VALUE",
                   help="model parameter override, as in protocols/train.py (e.g. connections.delay_feedback=4*ms)")
    p.add_argument("--location", type=float, metavar="UM",
                   help="the feedback synapse's distance from the visible soma (µm; default: compact cell)")
    p.add_argument("--device", default="cpp", help=f"one of {', '.join(DEVICES)}")
    args = p.parse_args(argv)
    overrides = parse_assignments(args.set)
    if args.location is not None:
        overrides.setdefault("locations", {})["feedback"] = args.location * um
    params = preset(args.preset).with_overrides(**overrides)
    protocol = PairingProtocol(lags_ms=tuple(args.lags), n_pairings=args.pairings, frequency_hz=args.frequency,
                               eta=args.eta).validate(params)
    result = run_pairing(params, protocol, device=args.device)
    save_pairing(args.out, params, protocol, result, args.device)
    figure = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "figures", "fig02_windows.py")
    subprocess.run([sys.executable, figure, "--pairing", args.out, "--out", args.out], check=True)
    print(f"pairing results and figure written to {args.out}")


if __name__ == "__main__":
    main()
