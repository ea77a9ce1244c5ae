"""Device ``cuda-graphs``: the code of a time step, rewritten so that it can be captured once as a CUDA graph.

A CUDA graph replays its kernels with the arguments they had when it was captured. brian2cuda passes three
things that change every step by value, from the host: a clock's ``t`` and ``timestep`` (``_array_C_t[0]``),
the eventspace of the current step (``dev_array_G__spikespace[current_idx_array_G__spikespace]``), and the
current slot itself (brianmodel's synaptic kernel, ``current_idx_array_G__spikespace``). :func:`capture_ready`
rewrites every kernel launch of a per-step code object so that these reach the kernel as pointers to GPU
memory (``brianlib/brianmodel_graph.h``: the clocks and the rings' current slots on the GPU, advanced by the
step's last kernel), and the kernel reads them into the names its body uses; nothing else of the kernel
changes. A per-step code object whose template keeps other state on the host (a StateMonitor's or a
PopulationRateMonitor's iteration count, a SpikeGeneratorGroup's, random numbers drawn per step from the
host) cannot be captured: :func:`check_capturable` refuses it in one line, before anything is compiled.
"""
from __future__ import annotations

import re

from ...errors import DeviceError

__all__ = ["CAPTURABLE_TEMPLATES", "check_capturable", "capture_ready", "kernel_launches", "split_top_level",
           "per_step_arguments"]

# templates whose per-step host code passes nothing but the values rewritten here (the rest is set-up that runs
# in the first step, before the capture)
CAPTURABLE_TEMPLATES = frozenset({"stateupdate", "threshold", "reset", "spikemonitor", "synapses",
                                  "synapses_push_spikes"})
_SLOT_EVENTSPACE = re.compile(r"^dev(_array_\w+)\[\s*current_idx\1\s*\]$")
_SLOT = re.compile(r"^current_idx(_array_\w+)$")
_VALUE = re.compile(r"^(_array_\w+)\[0\]$")
_LAUNCH = re.compile(r"\b(\w+)\s*<<<[^;]*?>>>\s*\(")


def check_capturable(code_objects, rng_every_tick) -> None:
    """A DeviceError unless every per-step code object (``runs_every_tick``) is of a template this device can
    capture, and no per-step code draws random numbers from the host."""
    for codeobj in code_objects:
        if not getattr(codeobj, "runs_every_tick", False):
            continue
        if codeobj.template_name not in CAPTURABLE_TEMPLATES:
            raise DeviceError(f"device 'cuda-graphs' cannot capture {codeobj.name} (template "
                              f"{codeobj.template_name!r}: it keeps per-step state on the host); use device 'cuda'")
        calls = getattr(codeobj, "rng_calls", {}) or {}
        if any(calls.get(kind, 0) for kind in calls):
            raise DeviceError(f"device 'cuda-graphs' cannot capture {codeobj.name}: it draws random numbers in "
                              "every step; use device 'cuda'")
    if rng_every_tick:
        names = ", ".join(sorted(c.name for c in rng_every_tick))
        raise DeviceError(f"device 'cuda-graphs' cannot capture {names}: cuRAND states used in every step; "
                          "use device 'cuda'")


def _strip_comments(text: str) -> str:
    return re.sub(r"//[^\n]*|/\*.*?\*/", "", text, flags=re.DOTALL)


def split_top_level(text: str) -> list[str]:
    """``text`` (an argument or parameter list, without its parentheses) split at the commas outside brackets,
    comments removed, each item stripped; no items for an empty list."""
    text, items, depth, current = _strip_comments(text), [], 0, []
    for i, char in enumerate(text):
        if char in "([{<":
            depth += 1
        elif char in ")]}" or (char == ">" and text[i - 1:i] != "-"):  # not the '>' of '->'
            depth -= 1
        if char == "," and depth == 0:
            items.append("".join(current).strip())
            current = []
        else:
            current.append(char)
    last = "".join(current).strip()
    if last or items:
        items.append(last)
    return items


def _closing(text: str, opening: int) -> int:
    """The index of the parenthesis that closes the one at ``opening``."""
    depth = 0
    for i in range(opening, len(text)):
        if text[i] == "(":
            depth += 1
        elif text[i] == ")":
            depth -= 1
            if depth == 0:
                return i
    raise DeviceError("unbalanced parentheses in a generated code object")


def kernel_launches(code: str) -> list[tuple[str, int, int]]:
    """(kernel, start, end) of each ``kernel<<<...>>>(arguments)`` in ``code``: the argument list lies
    between ``start`` and ``end`` (exclusive)."""
    launches = []
    for match in _LAUNCH.finditer(code):
        opening = match.end() - 1
        launches.append((match.group(1), opening + 1, _closing(code, opening)))
    return launches


def per_step_arguments(argument: str, varying: set) -> tuple[str, str] | None:
    """How a kernel argument that changes every step reaches the GPU: (the arguments that replace it, how the
    kernel reads the original back from them: 'slot-eventspace', 'slot' or 'value'); None if it does not
    change. ``varying``: the clock arrays that change (``_array_C_t``, ``_array_C_timestep``)."""
    found = _SLOT_EVENTSPACE.match(argument)
    if found:
        ring = "dev" + found.group(1)
        return f"brianmodel_graph::slots({ring}), brianmodel_graph::current_slot({ring})", "slot-eventspace"
    found = _SLOT.match(argument)
    if found:
        return f"brianmodel_graph::current_slot(dev{found.group(1)})", "slot"
    found = _VALUE.match(argument)
    if found and found.group(1) in varying:
        return "dev" + found.group(1), "value"
    return None


def _parameter(declaration: str) -> tuple[str, str]:
    """(type, name) of a C parameter declaration."""
    found = re.match(r"^(.*?)(\w+)\s*$", declaration, re.DOTALL)
    if not found or not found.group(1).strip():
        raise DeviceError(f"cannot read the kernel parameter {declaration!r}")
    return " ".join(found.group(1).split()), found.group(2)


def _rewritten_parameter(declaration: str, kind: str) -> tuple[str, str]:
    """(the parameters that replace ``declaration``, the kernel's first line that reads the original back)."""
    ctype, name = _parameter(declaration)
    if kind == "slot-eventspace":
        return (f"int32_t* const* {name}_slots, const int* {name}_current",
                f"{ctype} {name} = {name}_slots[*{name}_current];")
    value_type = ctype if ctype.startswith("const") else "const " + ctype
    return f"{value_type}* {name}_on_gpu", f"{value_type} {name} = *{name}_on_gpu;"


def _kernel_definition(code: str, kernel: str) -> tuple[int, int, int]:
    """(start, end) of the parameter list of ``kernel``'s ``__global__`` definition in ``code`` and the index
    just after the opening brace of its body."""
    found = re.search(r"__global__\s+void\s+" + re.escape(kernel) + r"\s*\(", code)
    if not found:
        raise DeviceError(f"the kernel {kernel} is launched but not defined in its code object")
    opening = found.end() - 1
    closing = _closing(code, opening)
    brace = code.index("{", closing)
    if code[closing + 1:brace].strip():
        raise DeviceError(f"cannot find the body of kernel {kernel}")
    return opening + 1, closing, brace + 1


def capture_ready(code: str, varying: set) -> str:
    """``code`` (a per-step code object's .cu) with every per-step kernel argument read on the GPU (module
    docstring); a DeviceError if a launch's arguments do not match its kernel's parameters, or a per-step
    value is left on the host."""
    rewrites = 0
    while True:  # one launch at a time: a rewrite moves the text after it
        pending = [(kernel, start, end, arguments, rewritten) for kernel, start, end in kernel_launches(code)
                   for arguments in [split_top_level(code[start:end])]
                   for rewritten in [[per_step_arguments(a, varying) for a in arguments]] if any(rewritten)]
        if not pending:
            break
        kernel, start, end, arguments, rewritten = pending[0]
        rewrites += 1
        p_start, p_end, body = _kernel_definition(code, kernel)
        if p_start > start:
            raise DeviceError(f"kernel {kernel} is defined after its launch")
        parameters = split_top_level(code[p_start:p_end])
        if len(parameters) != len(arguments):
            raise DeviceError(f"kernel {kernel}: {len(arguments)} arguments for {len(parameters)} parameters")
        new_parameters, prelude = [], []
        for parameter, change in zip(parameters, rewritten):
            if change is None:
                new_parameters.append(parameter)
                continue
            declaration, line = _rewritten_parameter(parameter, change[1])
            new_parameters.append(declaration)
            prelude.append(line)
        new_arguments = [a if c is None else c[0] for a, c in zip(arguments, rewritten)]
        code = code[:start] + "\n            " + ",\n            ".join(new_arguments) + "\n        " + code[end:]
        code = (code[:p_start] + "\n    " + ",\n    ".join(new_parameters) + "\n    " + code[p_end:body]
                + "\n    // brianmodel cuda-graphs: this step's values, read on the GPU\n    "
                + "\n    ".join(prelude) + code[body:])
    if rewrites:
        code = '#include "brianlib/brianmodel_graph.h"  // brianmodel cuda-graphs\n' + code
    left = [m.group(0) for m in re.finditer(r"current_idx_array_\w+", _strip_comments(code))]
    if left:
        raise DeviceError(f"a per-step code object still uses {left[0]} on the host: it cannot be captured")
    return code
