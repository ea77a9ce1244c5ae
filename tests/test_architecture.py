"""The package's shape: dependencies point one way, no import cycle, imports at the top of modules."""
import ast
import os

PACKAGE = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "brianmodel")

# Layers, lowest first: a module may import from its own layer and below, never above.
LAYERS = [  # packages and top-level modules only: a new module lands on its folder's layer
    {"brianmodel", "brianmodel.errors"},
    {"brianmodel.io", "brianmodel.values", "brianmodel.memory"},
    {"brianmodel.parameters", "brianmodel.results"},
    {"brianmodel.rules"},
    {"brianmodel.params"},
    {"brianmodel.schedule", "brianmodel.datasets", "brianmodel.cells", "brianmodel.analysis", "brianmodel.readout",
     "brianmodel.plots", "brianmodel.readers", "brianmodel.cli"},
    {"brianmodel.device"},
    {"brianmodel.mstdp", "brianmodel.symstdp"},
    {"brianmodel.training"},
    {"brianmodel.protocols"},
]
# function-local imports are kept for optional or heavy dependencies only
OPTIONAL = {"brian2cuda", "distributed", "skimage", "sklearn", "nvidia", "Cython"}
# brianmodel's CUDA device subclasses brian2cuda's: it is imported when a CUDA target is activated
OPTIONAL_MODULES = {"brianmodel.device.cuda.device"}


def _modules():
    found = {}
    for folder, _, files in os.walk(PACKAGE):
        for name in files:
            if name.endswith(".py"):
                path = os.path.join(folder, name)
                relative = os.path.relpath(path, os.path.dirname(PACKAGE))[:-3].replace(os.sep, ".")
                found[relative[:-len(".__init__")] if relative.endswith(".__init__") else relative] = path
    return found


MODULES = _modules()


def _resolve(module, node):
    """The brianmodel modules a module-level import statement loads."""
    package = module if MODULES[module].endswith("__init__.py") else module.rsplit(".", 1)[0]
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names if alias.name.startswith("brianmodel")]
    if node.level:
        base = package
        for _ in range(node.level - 1):
            base = base.rsplit(".", 1)[0]
        base = f"{base}.{node.module}" if node.module else base
    elif node.module and node.module.startswith("brianmodel"):
        base = node.module
    else:
        return []
    targets = [f"{base}.{alias.name}" for alias in node.names if f"{base}.{alias.name}" in MODULES]
    return targets or [base]


def _graph():
    edges = {}
    for module, path in MODULES.items():
        with open(path) as f:
            tree = ast.parse(f.read())
        edges[module] = {target for node in tree.body if isinstance(node, (ast.Import, ast.ImportFrom))
                         for target in _resolve(module, node)} - {module}
    return edges


def _layer(module):
    """The layer of the longest entry of LAYERS that is ``module`` or a package holding it."""
    matches = [(len(member), level) for level, members in enumerate(LAYERS) for member in members
               if module == member or (member != "brianmodel" and module.startswith(member + "."))]
    if not matches:
        raise AssertionError(f"{module} has no layer in tests/test_architecture.py")
    return max(matches)[1]


def test_every_module_has_a_layer_and_imports_only_from_its_layer_or_below():
    wrong = [f"{module} -> {target}" for module, targets in _graph().items() for target in targets
             if _layer(target) > _layer(module)]
    assert not wrong, "imports against the layering:\n" + "\n".join(wrong)


def _cycles(edges: dict) -> list[str]:
    state, cycles = {}, []

    def visit(module, path):
        state[module] = "open"
        for target in sorted(edges.get(module, ())):
            if state.get(target) == "open":
                cycles.append(" -> ".join(path[path.index(target):] + [target]))
            elif target not in state:
                visit(target, path + [target])
        state[module] = "done"

    for module in sorted(edges):
        if module not in state:
            visit(module, [module])
    return cycles


def test_the_import_graph_has_no_cycle():
    cycles = _cycles(_graph())
    assert not cycles, "import cycles:\n" + "\n".join(cycles)


def test_the_cycle_check_finds_cycles():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == ["a -> b -> c -> a"]
    assert _cycles({"a": {"b"}, "b": set(), "c": {"a", "b"}}) == []


def test_imports_inside_functions_are_for_optional_dependencies_only():
    local = []
    for module, path in MODULES.items():
        with open(path) as f:
            tree = ast.parse(f.read())
        for function in ast.walk(tree):
            if isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
                for node in ast.walk(function):
                    if isinstance(node, ast.Import):
                        names = [alias.name for alias in node.names]
                    elif isinstance(node, ast.ImportFrom):
                        if set(_resolve(module, node)) <= OPTIONAL_MODULES:
                            continue
                        names = ["." * node.level + (node.module or "")]
                    else:
                        continue
                    local += [f"{module}.{function.name}: {name}" for name in names
                              if name.split(".")[0] not in OPTIONAL]
    assert not local, "function-local imports:\n" + "\n".join(local)
