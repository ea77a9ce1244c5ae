"""A pairing now, a reward later: a three-factor rule's eligibility turned into a weight change.

    python protocols/modulation.py --out results/reward
    python protocols/modulation.py --out results/reward-triplet --rule feedforward='modulated-triplet(eta=4)' \
        --delays 0.1 1 2 --reward 2.5

One feedforward synapse per delay: its visible and hidden cells fire once,
--lag apart, --delay seconds before one modulator pulse (--level for
--duration ms at --reward s). Nothing changes before the pulse; at the pulse
each synapse moves by the modulator × its remaining eligibility. Writes
<out>/modulation.csv (measured and configured change per synapse),
<out>/weights.npz (w against t) and <out>/modulation.png
(figures/modulation.py).
"""
import os
import subprocess
import sys

from brianmodel.cli import command, parser
from brianmodel.device import DEVICES
from brianmodel.parameters import parse_assignments
from brianmodel.params.mstdp import preset
from brianmodel.protocols.modulation import ModulationProtocol, run_modulation, save_modulation
from brianmodel.rules.options import add_rule_argument, rule_overrides
from brianmodel.results import check_folder_path


@command
def main(argv=None):
    p = parser(__doc__)
    defaults = ModulationProtocol()
    p.add_argument("--out", required=True, help="results folder")
    p.add_argument("--delays", type=float, nargs="+", default=list(defaults.delays_s), metavar="S",
                   help="pairing -> modulator delays (s), one synapse each")
    p.add_argument("--lag", type=float, default=defaults.lag_ms, metavar="MS", help="t_hidden − t_visible (ms)")
    p.add_argument("--reward", type=float, default=defaults.reward_s, metavar="S", help="the pulse's time (s)")
    p.add_argument("--duration", type=float, default=defaults.reward_duration_ms, metavar="MS")
    p.add_argument("--level", type=float, default=defaults.level, help="the modulator during the pulse")
    p.add_argument("--preset", default="main")
    p.add_argument("--set", action="append", default=[], metavar="SECTION.NAME=VALUE",
                   help="model parameter override, as in protocols/train.py")
    add_rule_argument(p)
    p.add_argument("--device", default="cpp", help=f"one of {', '.join(DEVICES)}")
    args = p.parse_args(argv)
    check_folder_path(args.out)  # (before the simulation, not after it)
    overrides = {"rules": {"feedforward": "modulated-stdp"}}
    overrides.update({**parse_assignments(args.set), **rule_overrides(args)})
    params = preset(args.preset).with_overrides(**overrides)
    protocol = ModulationProtocol(delays_s=tuple(args.delays), lag_ms=args.lag, reward_s=args.reward,
                                  reward_duration_ms=args.duration, level=args.level).validate(params)
    result = run_modulation(params, protocol, device=args.device)
    save_modulation(args.out, params, protocol, result, args.device)
    figure = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "figures", "modulation.py")
    subprocess.run([sys.executable, figure, "--modulation", args.out, "--out", args.out], check=True)
    print(f"modulation results and figure written to {args.out}")


if __name__ == "__main__":
    main()
