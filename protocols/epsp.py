"""Somatic EPSP of one feedback-type synapse against its location on the visible dendrite.

    python protocols/epsp.py --out results/epsp
    python protocols/epsp.py --out results/epsp-thin --set diameter=0.5*um --locations 25 100 250 450

One passive ball-and-stick cell per location (brianmodel.cells); a synaptic
conductance --g-synapse (nS) opens at t = 0 and decays with the model's τ_e.
Writes <out>/epsp.csv and <out>/params.json, then draws <out>/epsp.png
(figures/epsp.py).
"""
import os
import subprocess
import sys

import numpy as np
from brian2 import ms, nS, um, us

from brianmodel.cli import command, parser
from brianmodel.device import DEVICES
from brianmodel.errors import ParameterError
from brianmodel.parameters import parse_assignments
from brianmodel.params.cable import CABLE_METHOD
from brianmodel.params.mstdp import ModelParams
from brianmodel.protocols.epsp import save_epsp, somatic_epsp
from brianmodel.results import check_folder_path


@command
def main(argv=None):
    p = parser(__doc__)
    p.add_argument("--out", required=True)
    p.add_argument("--locations", type=float, nargs="+", metavar="UM",
                   help="distances from the soma (µm; default: the centre of every compartment)")
    p.add_argument("--g-synapse", type=float, default=1.0, help="peak synaptic conductance (nS)")
    p.add_argument("--dt", type=float, default=100.0, metavar="US",
                   help="time step (µs; default: the network's). RK2 is converged at 100 µs for the default 5 "
                        "compartments (10 need RK4 at 50 µs); exponential Euler needs about 5 µs (at 100 µs it "
                        "underestimates distal EPSPs by 4-25%%)")
    p.add_argument("--method", default=CABLE_METHOD, choices=("rk2", "rk4", "exponential_euler"),
                   help=f"integration method (default: the network's, {CABLE_METHOD})")
    p.add_argument("--set", action="append", default=[], metavar="NAME=VALUE",
                   help="a Cable parameter with units, e.g. --set length=800*um --set n_compartments=20")
    p.add_argument("--device", default="runtime", help=f"one of {', '.join(DEVICES)}")
    args = p.parse_args(argv)
    check_folder_path(args.out)  # (before the simulation, not after it)
    cable = ModelParams().with_overrides(cable=parse_assignments(f"cable.{a}" for a in args.set).get("cable", {})).cable
    if not args.g_synapse > 0 or not args.dt > 0:
        raise ParameterError(f"--g-synapse and --dt must be positive, got {args.g_synapse} nS and {args.dt} µs")
    length = float(cable.length / um)
    ell = length / cable.n_compartments
    locations = args.locations or list((np.arange(cable.n_compartments) + 0.5) * ell)
    neurons, dt = ModelParams().neurons, args.dt * us
    result = somatic_epsp(cable, [x * um for x in locations], args.g_synapse * nS, E_L=neurons.E_L,
                          E_e=neurons.E_e, tau_e=neurons.tau_e, dt=dt, duration=80 * ms, method=args.method,
                          device=args.device)
    save_epsp(args.out, cable, args.g_synapse * nS, result, {"dt": dt, "tau_e": neurons.tau_e,
                                                             "method": args.method, "device": args.device})
    for x, a, l in zip(result["location_um"], result["amplitude"], result["latency"]):
        print(f"{x:6.0f} µm: EPSP {a * 1e3:6.3f} mV, peak at {l * 1e3:5.1f} ms")
    figure = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "figures", "epsp.py")
    subprocess.run([sys.executable, figure, args.out], check=True)


if __name__ == "__main__":
    main()
