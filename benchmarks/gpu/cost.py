"""What a CUDA time step costs, read from the generated code: no GPU, nothing compiled.

    python benchmarks/gpu/cost.py [--out benchmarks/results/gpu-cost.txt] [--networks one ensemble64 delays]

For each network (one 200-hidden network; an ensemble of 64 identical copies; an ensemble of 4 ``dendritic``
copies with other feedback locations and delays) and each CUDA device (``cuda-stock``: brian2cuda 1.0b1 as it
is; ``cuda``: brianmodel's; ``cuda-graphs``: brianmodel's with a step captured as a CUDA graph, whose host makes
one graph launch per step and whose graph's nodes are the calls counted here), the project is generated (a
process each, as the first project of the process) and its sources read:

- per time step, the code objects of the networks' clocks (main.cu's ``net.add(&clock, _run_X)``; a clock
  slower than the time step runs once per presentation) and in each code object's host function:
  kernel launches (``<<<``), memsets, host-blocking calls (``cudaMemcpy`` either way, ``cudaMalloc``,
  ``cudaFree``, synchronisations, resizing a ``thrust::device_vector``, thrust algorithms, a device vector
  copied to a host one) and serial kernels (one thread, or one block over all events); a step without spikes
  and one with them (a call under a condition on a count copied from the GPU needs spikes); blocks run once
  (``first_run``, the spike monitors' ``armed``, the synapses' ``configured_for``) are set-up; a serial kernel
  has one thread, or one block for all of a step's events (brian2cuda's ``parallel_blocks`` is 1);
- the set-up work per synapse: a map over (pre, post) pairs at creation, copies to the GPU inside a loop (one
  per presynaptic neuron), and the bytes per synapse written back after a run.

brian2cuda decides per pathway at run time whether its delays are one (``scalar_delay``): the counts are
given for the path that the network's delays take (one delay per pathway for the first two networks, copies
with their own delays for the third). ``tests/benchmarks/test_gpu_cost.py`` holds brianmodel's device to no
host wait and no serial kernel in a step, and at most 30 launches.
"""
import argparse
import json
import os
import re
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
DEVICES = ("cuda-stock", "cuda", "cuda-graphs")
NETWORKS = {  # name: (description, copies, what the copies differ in, their delays are one per pathway)
    "one": ("one network, 200 hidden", 1, "", True),
    "ensemble64": ("ensemble of 64 identical copies", 64, "", True),
    "delays": ("ensemble of 4 dendritic copies, per-copy feedback locations and delays", 4, "delays", False),
}
ONCE = re.compile(r"\bfirst_run\b|!\s*armed\b|\bconfigured_for\b|\bneeds_init\b")
BLOCKING = [("cudaMemcpy", re.compile(r"\bcudaMemcpy(?:ToSymbol|FromSymbol)?\s*\(")),
            ("cudaMalloc", re.compile(r"\bcudaMalloc\s*\(")), ("cudaFree", re.compile(r"\bcudaFree\s*\(")),
            ("synchronize", re.compile(r"\bcuda(?:Device|Stream|Event)Synchronize\s*\(")),
            ("device_vector resize", re.compile(r"\bdev\w+\s*\.\s*resize\s*\(")),
            ("thrust algorithm", re.compile(r"\bthrust::(?!raw_pointer_cast|device_ptr|host_vector|device_vector)"
                                            r"\w+\s*\(")),
            ("device vector to host", re.compile(r"^\s*\w+\s*=\s*dev\w+\s*;", re.MULTILINE))]
LAUNCH = re.compile(r"(\w+)\s*<<<\s*([^,>]+?)\s*,\s*([^,>]+?)\s*(?:,[^>]*)?>>>")
MEMSET = re.compile(r"\bcudaMemset(?:Async)?\s*\(")
PER_NEURON = re.compile(r"\b(num_pre_post_blocks|source_N|syn_N|_N)\b")  # a set-up loop's bound


# -- reading C++ ------------------------------------------------------------------------------------------
def strip_code(text: str) -> str:
    """``text`` without comments and with string literals emptied (same length: positions kept)."""
    def blank(match):
        return re.sub(r"[^\n]", " ", match.group(0))
    text = re.sub(r"//[^\n]*|/\*.*?\*/", blank, text, flags=re.DOTALL)
    return re.sub(r'"(?:\\.|[^"\\\n])*"', lambda m: '"' + " " * (len(m.group(0)) - 2) + '"', text)


def function_body(text: str, signature: str) -> str | None:
    """The body (between its braces) of the function whose definition starts with ``signature``."""
    match = re.search(re.escape(signature) + r"\s*\([^)]*\)\s*\{", text)
    if match is None:
        return None
    depth, start = 1, match.end()
    for k in range(start, len(text)):
        depth += {"{": 1, "}": -1}.get(text[k], 0)
        if depth == 0:
            return text[start:k]
    raise ValueError(f"unbalanced braces in {signature}")


def _header(body: str, k: int) -> str:
    """The text before the brace at ``k`` back to the previous statement (``if (a; b)``'s semicolons kept)."""
    j = k - 1
    while j >= 0 and body[j].isspace():
        j -= 1
    if j >= 0 and body[j] == ")":
        depth = 0
        while j >= 0:
            depth += {")": 1, "(": -1}.get(body[j], 0)
            if depth == 0:
                break
            j -= 1
    head = max(body.rfind(";", 0, j), body.rfind("{", 0, j), body.rfind("}", 0, j))
    return body[head + 1:k].strip()


def _blocks(body: str):
    """[(start, end, header)] of the braced blocks of ``body`` (header: the text before the brace, e.g.
    ``if (x > 0)``, ``else``, ``for (...)``)."""
    blocks, stack = [], []
    for k, char in enumerate(body):
        if char == "{":
            stack.append((k, _header(body, k)))
        elif char == "}" and stack:
            start, header = stack.pop()
            blocks.append((start, k, " ".join(header.split())))
    return blocks


def _conditions(body: str, position: int, blocks) -> list[tuple[str, bool]]:
    """The conditions a statement at ``position`` runs under: [(condition, must be true)], outermost first; an
    ``else`` branch runs under its ``if``'s condition being false."""
    found = []
    for start, end, header in sorted(blocks):
        if not start < position < end:
            continue
        if header.startswith("else"):
            previous = [b for b in blocks if b[1] < start and body[b[1] + 1:start].strip().startswith("else")
                        and b[2].startswith(("if", "else if"))]
            if previous:
                found.append((_condition(max(previous)[2]), False))
            if header.startswith("else if"):
                found.append((_condition(header[5:]), True))
        elif header.startswith(("if", "while")):
            found.append((_condition(header), True))
    return found


def _condition(header: str) -> str:
    match = re.search(r"\((.*)\)", header)
    return match.group(1) if match else header


def _tainted(body: str) -> set[str]:
    """Variables that hold a count copied from the GPU (or one computed from such a count)."""
    tainted = set(re.findall(r"cudaMemcpy\s*\(\s*&\s*(\w+)", body))
    for _ in range(3):
        for target, value in re.findall(r"\b(\w+)\s*=\s*([^;=][^;]*);", body):
            if target not in tainted and any(re.search(rf"\b{name}\b", value) for name in tainted):
                tainted.add(target)
    return tainted


def _evaluate(condition: str, must: bool, tainted: set, one_delay: bool):
    """'once', 'spikes' (true in a step with spikes, false in a quiet one), or whether the branch is taken."""
    if ONCE.search(condition):
        return "once"
    if any(re.search(rf"\b{name}\b", condition) for name in tainted):
        return "spikes" if must else "quiet"
    if "scalar_delay" in condition:
        return one_delay == must
    return True  # a condition fixed at set-up (a pathway has synapses, the first delay steps are past, ...)


def call_sites(body: str, one_delay: bool, parallel_blocks: int = 1) -> list[dict]:
    """Every launch, memset and host-blocking call of a host function, with when it runs: 'step' (every step),
    'spikes' (a step with spikes), 'once' (set-up); calls on a branch the delays do not take are left out.
    ``parallel_blocks``: brian2cuda's (objects.cu), the grid of its effect kernels when delays differ."""
    code = strip_code(body)
    blocks, tainted = _blocks(code), _tainted(code)
    serial_grid = re.search(r"\bnum_blocks\s*=\s*1\s*;", code) is not None or (
        not one_delay and parallel_blocks == 1 and re.search(r"\bnum_blocks\s*=\s*num_parallel_blocks\s*;", code))
    serial_block = re.search(r"\bnum_threads\s*=\s*1\s*;", code) is not None
    sites = []
    found = [(m.start(), "launch", m) for m in LAUNCH.finditer(code)]
    found += [(m.start(), "memset", m) for m in MEMSET.finditer(code)]
    found += [(m.start(), kind, m) for kind, pattern in BLOCKING for m in pattern.finditer(code)]
    for position, kind, match in sorted(found, key=lambda f: f[0]):
        when = "step"
        for condition, must in _conditions(code, position, blocks):
            verdict = _evaluate(condition, must, tainted, one_delay)
            if verdict == "once":
                when = "once"
                break
            if verdict is False or verdict == "quiet":
                when = None if verdict is False else "quiet"
                break
            if verdict == "spikes":
                when = "spikes"
        if when is None:
            continue
        if kind == "device_vector resize" and when == "step" and \
                any(re.search(rf"\b{name}\b", code[match.end():code.find(";", match.end())]) for name in tainted):
            when = "spikes"  # grown by the step's spikes: a resize to the same size does nothing
        site = {"kind": "launch" if kind == "launch" else "memset" if kind == "memset" else "blocking",
                "what": kind, "when": "step" if when == "quiet" else when}
        if kind == "launch":
            grid, block = match.group(2).strip(), match.group(3).strip()
            site["what"] = match.group(1)
            site["serial"] = (grid == "1" or (grid == "num_blocks" and serial_grid)) and \
                (block == "1" or (block == "num_threads" and serial_block) or match.group(1).startswith("_advance"))
            site["one_block"] = grid == "1" or (grid == "num_blocks" and serial_grid)
        sites.append(site)
    return sites


# -- a project ---------------------------------------------------------------------------------------------
def step_functions(main: str) -> list[tuple[str, str]]:
    """[(clock, function)] the networks run, from main.cu's net.add lines."""
    return re.findall(r"\w+\.add\(\s*&(\w+)\s*,\s*(_run_\w+)\s*\)\s*;", strip_code(main))


def clock_steps(main: str) -> dict:
    """{clock: its dt in time steps of the fastest clock}."""
    dts = {clock: float(value) for clock, value in re.findall(r"_array_(\w+)_dt\[0\]\s*=\s*([0-9.eE+-]+)\s*;",
                                                                strip_code(main))}
    fastest = min(dts.values())
    return {clock: round(dt / fastest) for clock, dt in dts.items()}


def _source_of(build_dir: str, function: str) -> str:
    name = function[len("_run_"):]
    path = os.path.join(build_dir, "code_objects", name + ".cu")
    if not os.path.exists(path):
        path = os.path.join(build_dir, "rand.cu" if name == "random_number_buffer" else "objects.cu")
    with open(path) as f:
        text = f.read()
    if name == "random_number_buffer":
        return function_body(text, "void RandomNumberBuffer::next_time_step") or ""
    return function_body(text, f"void {function}") or ""


def project_cost(build_dir: str, one_delay: bool, synapse_arrays: dict | None = None) -> dict:
    """The per-step and set-up costs of the generated project in ``build_dir`` (module docstring).
    ``synapse_arrays``: {Synapses: {dynamic array: bytes per element}} of their per-synapse arrays (for the
    write-out)."""
    with open(os.path.join(build_dir, "main.cu")) as f:
        main = f.read()
    with open(os.path.join(build_dir, "objects.cu")) as f:
        parallel = re.search(r"\bnum_parallel_blocks\s*=\s*(\d+)\s*;", f.read())
    parallel_blocks = int(parallel.group(1)) if parallel else 0  # (0: as many as multiprocessors)
    steps = clock_steps(main)
    per_step = {"quiet": _zero(), "spikes": _zero()}
    per_presentation = _zero()
    for clock, function in step_functions(main):
        every = steps.get(clock, 1)
        for site in call_sites(_source_of(build_dir, function), one_delay, parallel_blocks):
            if site["when"] == "once":
                continue
            rows = [per_presentation] if every > 1 else \
                [per_step["spikes"]] + ([per_step["quiet"]] if site["when"] == "step" else [])
            for row in rows:
                row[site["kind"]] += 1
                if site["kind"] == "blocking":
                    row["blocking_calls"].append(f"{function[5:]}: {site['what']}")
                if site.get("serial") or site.get("one_block"):
                    row["serial"].append(f"{function[5:]}: {site['what']}")
    with open(os.path.join(build_dir, "network.cu")) as f:
        graphs = "brianmodel_graph::run_step" in strip_code(f.read())
    if graphs:  # cuda-graphs: a step's calls are the nodes of its graph, replayed by one launch from the host
        nodes = {kind: row["launch"] + row["memset"] + 1 for kind, row in per_step.items()}  # + the advance kernel
        graph = {"host_launches_per_step": 1, "nodes": nodes, "nodes_with_presentation": nodes["spikes"]
                 + per_presentation["launch"] + per_presentation["memset"]}
    else:
        graph = None
    return {"per_step": per_step, "per_presentation": per_presentation, "graph": graph,
            "setup": setup_cost(build_dir, synapse_arrays or {})}


def _zero():
    return {"launch": 0, "memset": 0, "blocking": 0, "blocking_calls": [], "serial": []}


def setup_cost(build_dir: str, synapse_arrays: dict) -> dict:
    """Per pathway: a map over (pre, post) pairs at creation; GPU copies inside a loop at set-up; and the bytes
    per synapse the binary writes back after a run (of the Synapses that writes most: a plastic pathway's)."""
    folder = os.path.join(build_dir, "code_objects")
    maps, loops = [], []
    for name in sorted(os.listdir(folder)):
        if not name.endswith(".cu"):
            continue
        with open(os.path.join(folder, name)) as f:
            code = strip_code(f.read())
        if name.endswith("synapses_create_generator_codeobject.cu") and "std::map<std::pair" in code:
            maps.append(name[:-len("_synapses_create_generator_codeobject.cu")])
        if name.startswith("before_run_"):
            blocks = _blocks(code)
            for match in re.finditer(r"\bcudaMemcpy\s*\(", code):  # in a loop over neurons, pairs or synapses
                if any(s < match.start() < e and h.startswith("for") and PER_NEURON.search(h) for s, e, h in blocks):
                    loops.append(name[len("before_run_"):-len("_push_spikes.cu")])
                    break
    with open(os.path.join(build_dir, "objects.cu")) as f:
        objects = function_body(strip_code(f.read()), "void _write_arrays") or ""
    written = set(re.findall(r"ofstream outfile_(\w+)\s*;", objects))
    return {"pair_map": maps, "copies_in_a_loop": sorted(set(loops)),
            "writeout_bytes_per_synapse": max([sum(size for name, size in arrays.items() if name in written)
                                               for arrays in synapse_arrays.values()], default=0)}


# -- generating -------------------------------------------------------------------------------------------
def _model(network: str):
    from brianmodel import mstdp
    from brian2 import ms, um
    _, copies, _, _ = NETWORKS[network]
    if network == "delays":
        base = mstdp.preset("dendritic")
        return mstdp.Ensemble([base.with_overrides(locations={"feedback": x * um},
                                                   connections={"delay_feedback": d * ms})
                               for x, d in ((50, 1), (250, 3), (450, 5), (350, 2))], 1568)
    if copies == 1:
        return mstdp.Model(mstdp.preset("main"), 1568)
    return mstdp.Ensemble([mstdp.preset("main")] * copies, 1568)


def generate(network: str, device: str, build_root: str) -> dict:
    """Write the project of ``network`` for ``device`` (sm_90), in this process: its folder and per-synapse
    arrays."""
    import numpy as np
    from brian2 import Synapses, device as brian_device
    from brianmodel.device import Simulator
    sim = Simulator(_model(network), device, 100, build_root=build_root, compute_capability=9.0)
    build_dir = sim.write_project()
    arrays = {}
    for variable, name in brian_device.dynamic_arrays.items():
        owner = getattr(variable, "owner", None)
        if isinstance(owner, Synapses) and variable.name not in ("N_incoming", "N_outgoing"):
            arrays.setdefault(owner.name, {})[name] = np.dtype(variable.dtype).itemsize
    return {"build_dir": build_dir, "synapse_arrays": arrays}


def cost(network: str, device: str, build_root: str) -> dict:
    """Generate ``network`` for ``device`` in a fresh process and read its costs."""
    done = subprocess.run([sys.executable, __file__, "--generate", network, device, build_root],
                          capture_output=True, text=True, cwd=ROOT, env=dict(os.environ, PYTHONPATH=ROOT))
    if done.returncode != 0:
        raise RuntimeError(f"generating {network} for {device} failed:\n{done.stderr[-3000:]}")
    generated = json.loads(done.stdout.strip().splitlines()[-1])
    return project_cost(generated["build_dir"], NETWORKS[network][3], generated["synapse_arrays"])


def table(results: dict) -> str:
    lines = ["the cost of a CUDA time step, read from the generated code (benchmarks/gpu/cost.py): per time step "
             "(0.1 ms), a step without spikes / one with spikes",
             f"{'network':<16} {'device':<12} {'host calls':>9} {'launches':>9} {'memsets':>8} {'host waits':>11} "
             f"{'serial':>7} {'per pres.':>10}  set-up and write-out"]
    for network, devices in results.items():
        for device, c in devices.items():
            quiet, spikes = c["per_step"]["quiet"], c["per_step"]["spikes"]
            s = c["setup"]
            setup = (f"pair map: {len(s['pair_map'])} Synapses; GPU copies in a loop: {len(s['copies_in_a_loop'])} "
                     f"pathways; writes {s['writeout_bytes_per_synapse']} B/synapse")
            graph = c.get("graph")
            host = "1 graph" if graph else f"{quiet['launch'] + quiet['memset']}/{spikes['launch'] + spikes['memset']}"
            lines.append(f"{network:<16} {device:<12} {host:>9} {quiet['launch']:>4}/{spikes['launch']:<4} "
                         f"{quiet['memset']:>3}/{spikes['memset']:<4} {quiet['blocking']:>5}/{spikes['blocking']:<5} "
                         f"{len(spikes['serial']):>7} {c['per_presentation']['launch']:>10}  {setup}")
    lines.append("")
    for network, (description, *_rest) in NETWORKS.items():
        if network in results:
            lines.append(f"{network}: {description}")
    lines.append("host calls: launches and memsets the host makes in a step (cuda-graphs: one graph launch, whose "
                 "nodes are the step's launches and memsets and the kernel that advances the clocks and rings)")
    for network, devices in results.items():
        for device, c in devices.items():
            if c.get("graph"):
                g = c["graph"]
                lines.append(f"{network}/{device}: a graph of {g['nodes']['quiet']} nodes per step, "
                             f"{g['nodes_with_presentation']} in a step that starts a presentation")
            waits = sorted(set(c["per_step"]["spikes"]["blocking_calls"]))
            serial = sorted(set(c["per_step"]["spikes"]["serial"]))
            if waits or serial:
                lines.append(f"{network}/{device}: host waits in {', '.join(waits) or '-'}; serial kernels: "
                             f"{', '.join(serial) or '-'}")
    return "\n".join(lines) + "\n"


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--out", help="also write the table here")
    p.add_argument("--networks", nargs="*", default=list(NETWORKS), choices=list(NETWORKS))
    p.add_argument("--devices", nargs="*", default=list(DEVICES), choices=list(DEVICES))
    p.add_argument("--build-root", help="where the projects are written (default: a temporary folder)")
    p.add_argument("--generate", nargs=3, metavar=("NETWORK", "DEVICE", "ROOT"), help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.generate:
        print(json.dumps(generate(*args.generate)))
        return
    with tempfile.TemporaryDirectory() as scratch:
        root = args.build_root or scratch
        results = {network: {device: cost(network, device, root) for device in args.devices}
                   for network in args.networks}
    text = table(results)
    print(text, end="")
    if args.out:
        with open(args.out, "w") as f:
            f.write(text)


if __name__ == "__main__":
    main()
