"""brianmodel's CUDA device: brian2cuda 1.0b1's CUDA standalone device, with brianmodel's templates first.

brian2cuda generates correct code whose time steps wait for the GPU: every
spike monitor and every synaptic pathway copies a spike count to the host
each step to size its next kernel, and its set-up copies synapses to the GPU
one presynaptic neuron at a time (``../shared/GPU_NOTES.md``; docs/gpu.md).
This device is brian2cuda's (``Templater.derive``, as brian2cuda derives
from cpp_standalone), with these templates of its own (``templates/``):

- ``synapses_push_spikes``: set-up by a counting sort of the synapses by source neuron and delay, one bulk
  copy per array; no spike queue: nothing is pushed in a time step;
- ``synapses``: one kernel per pathway and step on a fixed grid; it reads the spike counts of the
  eventspaces its delays reach on the GPU, and spreads each spike's synapses over as many blocks as the
  fan-out needs; copies with other delays stay parallel;
- ``spikemonitor``: events recorded into buffers sized before the run, at a cursor on the GPU; an overflow
  stops the binary with an error (:mod:`..spike_buffers`);
- ``threshold``: the eventspace's counter zeroed by a memset, not a kernel over all neurons;
- ``reset``: a grid of at most a few blocks per SM, looping over the step's spikes;
- ``ratemonitor``: a subgroup's spikes read up to the eventspace's counter;
- ``synapses_create_generator``: no map of every (pre, post) pair unless a multisynaptic index needs it;

and it writes back after a run only the arrays a network reads
(:attr:`BrianModelCUDADevice.unwritten_arrays`, set from
``Network.results()``). With :attr:`BrianModelCUDADevice.graphs` (device
``cuda-graphs``), a time step is captured once as a CUDA graph and replayed
(:mod:`.graphs`, ``templates/network_graphs.cu``, ``brianlib/brianmodel_graph.h``).
Everything else (code generation, the other templates, the makefile) is
brian2cuda's. Importing this module imports
brian2cuda and registers the device as ``brianmodel_cuda``;
:class:`brianmodel.device.targets.Cuda` activates it.
"""
from __future__ import annotations

import os
import re

import brian2cuda
from brian2.codegen.targets import codegen_targets
from brian2.devices.device import all_devices
from brian2.utils.filetools import copy_directory
from brian2cuda.codeobject import CUDAStandaloneAtomicsCodeObject, CUDAStandaloneCodeObject
from brian2cuda.cuda_generator import CUDAAtomicsCodeGenerator
from brian2cuda.device import CUDAStandaloneDevice
from jinja2 import ChoiceLoader, PackageLoader, PrefixLoader

from ...errors import DeviceError
from .graphs import capture_ready, check_capturable

__all__ = ["BrianModelCUDADevice", "CodeObject", "AtomicsCodeObject", "DEVICE_NAME", "TEMPLATES", "BRIANLIB",
           "OWN_TEMPLATE_MARK", "GRAPH_FILES", "drop_duplicate_pair_check", "skip_arrays"]

DEVICE_NAME = "brianmodel_cuda"
TEMPLATES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "templates")
BRIANLIB = os.path.join(os.path.dirname(os.path.abspath(__file__)), "brianlib")  # brianmodel_synapses.h
GRAPH_FILES = ("brianmodel_graph.h", "brianmodel_graph.cu")  # in BRIANLIB, for cuda-graphs only
OWN_TEMPLATE_MARK = "brianmodel's CUDA device:"  # in every file rendered from a template of ours (the test's mark)


def drop_duplicate_pair_check(code: str, multisynaptic_index) -> str:
    """brian2cuda's synapse creation without its map of every (pre, post) pair.

    brian2cuda counts every pair in a ``std::map`` (O(n log n), 13 s per plastic
    pathway of a 64-copy ensemble, 1.4 GB) to flag duplicates for its serial,
    non-atomic effect kernels, which this device does not have (a pathway that
    cannot use atomics runs on one thread). A multisynaptic index needs the
    counts: then the map stays.
    """
    if multisynaptic_index:
        return code
    pattern = re.compile(r"\n[ \t]*// Check for occurrence of multiple source-target pairs in synapses.*?"
                         r"(?=\n[ \t]*// copy changed host data to device)", re.DOTALL)
    code, found = pattern.subn("\n    // (brianmodel: no duplicate-pair map: no multisynaptic index, no serial "
                               "effect kernel reads it)", str(code))
    if found != 1:
        raise DeviceError("brian2cuda's synapses_create_generator template is not the one brianmodel's CUDA device "
                          f"knows ({found} duplicate-pair checks found): install brian2cuda==1.0b1")
    return code


def skip_arrays(code: str, names) -> str:
    """``objects.cu`` whose ``_write_arrays`` neither copies back nor writes the dynamic arrays ``names``."""
    for name in sorted(names):
        block = re.compile(r"\n[ \t]*(?:" + re.escape(name) + r" = dev" + re.escape(name) + r";\n[ \t]*)?ofstream "
                           r"outfile_" + re.escape(name) + r";\n.*?Error writing output file for " + re.escape(name)
                           + r"\.\" << endl;\n[ \t]*\}", re.DOTALL)
        code, found = block.subn("", code)
        if found != 1:
            raise DeviceError(f"cannot take {name} out of objects.cu's results: brian2cuda's objects.cu template is "
                              f"not the one brianmodel knows ({found} blocks found)")
    return code


def _templater():
    """brian2cuda's templater with ours first; ``brian2cuda/NAME`` names brian2cuda's own template, for ours to
    extend."""
    templater = CUDAStandaloneCodeObject.templater.derive("brianmodel.device.cuda")
    theirs = PackageLoader("brian2cuda", "templates")
    templater.env.loader = ChoiceLoader([PackageLoader("brianmodel.device.cuda", "templates"),
                                         PrefixLoader({"brian2cuda": theirs}), theirs])
    templater.env.filters["drop_duplicate_pair_check"] = drop_duplicate_pair_check
    templater.env.globals["own_template_mark"] = OWN_TEMPLATE_MARK
    templater.env.globals["brianmodel_graphs"] = False  # BrianModelCUDADevice.graphs sets it
    return templater


class CodeObject(CUDAStandaloneCodeObject):
    """brian2cuda's code object, rendered from brianmodel's templates where there is one."""

    templater = _templater()


class AtomicsCodeObject(CodeObject):
    """For synaptic pathways whose effects on neurons are atomic additions (brian2cuda's atomics code object)."""

    generator_class = CUDAAtomicsCodeGenerator


codegen_targets.add(CodeObject)
codegen_targets.add(AtomicsCodeObject)
_OURS = {CUDAStandaloneCodeObject: CodeObject, CUDAStandaloneAtomicsCodeObject: AtomicsCodeObject}


class _WriteOut:
    """A project writer whose ``objects.cu`` leaves out the arrays no one reads after a run."""

    def __init__(self, writer, unwritten):
        self.writer, self.unwritten = writer, unwritten

    def write(self, filename, contents):
        if filename == "objects.*" and self.unwritten:
            self.writer.write("objects.cu", skip_arrays(contents.cu_file, self.unwritten))
            self.writer.write("objects.h", contents.h_file)
        else:
            self.writer.write(filename, contents)


def _read(path: str) -> str:
    with open(path) as f:
        return f.read()


def _write_if_changed(path: str, contents: str):
    """Write ``contents`` to ``path`` unless it holds them already (an unchanged file keeps its time: make)."""
    if not os.path.exists(path) or _read(path) != contents:
        with open(path, "w") as f:
            f.write(contents)


class _CaptureReady:
    """A project writer whose per-step code objects pass their per-step values as GPU pointers (:mod:`.graphs`)."""

    def __init__(self, writer, per_step, varying):
        self.writer, self.per_step, self.varying = writer, per_step, varying

    def __getattr__(self, name):
        return getattr(self.writer, name)

    def write(self, filename, contents):
        name = filename[len("code_objects/"):-len(".cu")] if filename.endswith(".cu") else None
        if filename.startswith("code_objects/") and name in self.per_step:
            contents = capture_ready(contents, self.varying)
        self.writer.write(filename, contents)


class BrianModelCUDADevice(CUDAStandaloneDevice):
    """brian2cuda's CUDA standalone device with brianmodel's templates and write-out (module docstring)."""

    def __init__(self):
        super().__init__()
        self.unwritten_arrays = set()  # dynamic arrays a run need not write back (Network.results)
        self.graphs = False  # a time step captured once as a CUDA graph (device 'cuda-graphs')

    @property
    def graphs(self) -> bool:
        return self._graphs

    @graphs.setter
    def graphs(self, value: bool):
        self._graphs = bool(value)
        CodeObject.templater.env.globals["brianmodel_graphs"] = self._graphs

    def _varying_clock_arrays(self) -> set:
        """The clocks' arrays that change every step (t, timestep), by name (``_array_C_t``)."""
        return {self.get_array_name(clock.variables[name], access_data=False)
                for clock in self.clocks for name in ("t", "timestep")}

    def generate_codeobj_source(self, writer):
        if not self.graphs:
            return super().generate_codeobj_source(writer)
        check_capturable(self.code_objects.values(), self.codeobjects_with_rng["device_api"]["every_tick"])
        per_step = {c.name for c in self.code_objects.values() if c.runs_every_tick}
        return super().generate_codeobj_source(_CaptureReady(writer, per_step, self._varying_clock_arrays()))

    def generate_network_source(self, writer):
        if not self.graphs:
            return super().generate_network_source(writer)
        clocks = sorted((clock.name, self.get_array_name(clock.variables["t"], access_data=False),
                         self.get_array_name(clock.variables["timestep"], access_data=False))
                        for clock in self.clocks)
        maximum_run_time = None if self._maximum_run_time is None else float(self._maximum_run_time)
        network = self.code_object_class().templater.network_graphs(
            None, None, maximum_run_time=maximum_run_time, eventspace_arrays=self.eventspace_arrays,
            spikegenerator_eventspaces=self.spikegenerator_eventspaces, graph_clocks=clocks)
        writer.write("network.*", network)

    def code_object_class(self, codeobj_class=None, fallback_pref=None):
        if codeobj_class is None:
            return CodeObject
        return _OURS.get(codeobj_class, codeobj_class)

    def generate_objects_source(self, writer, *args, **kwargs):
        super().generate_objects_source(_WriteOut(writer, self.unwritten_arrays), *args, **kwargs)

    def copy_source_files(self, writer, directory):
        """brian2cuda's brianlib (brian2cuda finds it beside its code object's source, which here is ours), and
        brianmodel's (:data:`BRIANLIB`; :data:`GRAPH_FILES` for cuda-graphs only)."""
        target = os.path.join(directory, "brianlib")
        theirs = copy_directory(os.path.join(os.path.dirname(os.path.abspath(brian2cuda.__file__)), "brianlib"), target)
        ours = [f for f in sorted(os.listdir(BRIANLIB))
                if f.endswith((".h", ".cu")) and (self.graphs or f not in GRAPH_FILES)]
        for file in ours:
            _write_if_changed(os.path.join(target, file), _read(os.path.join(BRIANLIB, file)))
        for file in theirs + ours:
            if file.lower().endswith((".cpp", ".cu")):
                writer.source_files.add("brianlib/" + file)
            elif file.lower().endswith(".h"):
                writer.header_files.add("brianlib/" + file)


all_devices[DEVICE_NAME] = BrianModelCUDADevice()
