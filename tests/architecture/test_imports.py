"""The import graph, read with the standard library's `ast` (no code is imported).

Layers, lowest first (ARCHITECTURE.md): core -> villages -> households, ocop -> digital_teams,
criteria -> payments, plates -> dashboards; smartvillage (settings, URLs, Celery) wires them. An app
may import its own layer or those below, never one above, and two apps never import each other.
Inside an app, no two modules import each other, directly or through others. Every import
counts, also those inside functions (a "lazy" import is still a dependency); only imports under
`if TYPE_CHECKING:` are skipped. bench/ and tests/ are outside the graph; management commands
may import bench/ (developer tools such as seed_scale).

KNOWN_* list what still breaks these rules, each with its reason: the test fails when a new one
appears (delete an entry once it is fixed; the lists only shrink).
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LAYERS = {
    "core": 0,
    "villages": 1,
    "households": 2,
    "ocop": 2,
    "digital_teams": 3,
    "criteria": 3,
    "payments": 4,
    "plates": 4,
    "dashboards": 5,
    "provinces": 6,
    "api": 6,
    "smartvillage": 9,
}
OUTSIDE = {"bench", "tests"}

# Wrong-way imports still there: (importer, imported module), one reason each.
KNOWN_UPWARD = {
    # THE one exception, by the architecture's contract (docs/decisions.md 32): core.access
    # is the single place that decides who sees what, and a user's scope is built from their
    # roles, which are villages.Membership / ProvinceMembership rows (and a commune's code from
    # villages.Commune); every other app asks core.access, never villages, for scoping.
    ("core.access", "villages.models"),
}
# Import cycles inside an app, as sorted module tuples: none left (tasks import services and
# jobs; services and jobs enqueue by task name through core.jobs, never importing tasks).
KNOWN_CYCLES: set[tuple[str, ...]] = set()


def _modules() -> dict[str, Path]:
    found = {}
    for app in LAYERS:
        for path in (ROOT / app).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            found[".".join(parts)] = path
    return found


def _type_checking_lines(tree: ast.AST) -> set[int]:
    lines = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for child in node.body:
                lines.update(range(child.lineno, (child.end_lineno or child.lineno) + 1))
    return lines


def _imports(name: str, path: Path, modules: dict[str, Path]) -> set[str]:
    """The modules of the portal (or bench/tests) that module `name` imports."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skip = _type_checking_lines(tree)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    wanted: list[str] = []
    for node in ast.walk(tree):
        if getattr(node, "lineno", None) in skip:
            continue
        if isinstance(node, ast.Import):
            wanted += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            wanted.append(module)
            wanted += [f"{module}.{alias.name}" for alias in node.names]  # `from . import x`
    found = set()
    for module in wanted:
        top = module.split(".")[0]
        if top in OUTSIDE:
            found.add(module)
            continue
        while module and module not in modules:
            module = module.rpartition(".")[0]
        if module and module != name and module not in LAYERS:  # an app's __init__: no edge
            found.add(module)
    return found


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    return {name: _imports(name, path, modules) for name, path in modules.items()}


def _app(module: str) -> str:
    return module.split(".")[0]


def test_no_app_imports_an_app_above_it_or_bench():
    wrong = set()
    for module, imported in _graph().items():
        for target in imported:
            if _app(target) in OUTSIDE:
                if _app(target) == "bench" and ".management.commands." in module:
                    continue
                wrong.add((module, target))
            elif LAYERS[_app(target)] > LAYERS[_app(module)]:
                wrong.add((module, target))
    assert wrong - KNOWN_UPWARD == set(), "imports of an app above (or of bench/tests)"


def test_no_two_apps_import_each_other():
    depends = defaultdict(set)
    for module, imported in _graph().items():
        for target in imported:
            if (module, target) in KNOWN_UPWARD:
                continue
            if _app(target) not in OUTSIDE and _app(target) != _app(module):
                depends[_app(module)].add(_app(target))
    pairs = {tuple(sorted((a, b))) for a in depends for b in depends[a] if a in depends.get(b, ())}
    assert pairs == set()


def _cycles(graph: dict[str, set[str]]) -> set[tuple[str, ...]]:
    """Strongly connected groups of more than one module (Tarjan), as sorted tuples."""
    index, low, stack, on_stack, groups = {}, {}, [], set(), set()
    counter = [0]

    def visit(node):
        index[node] = low[node] = counter[0]
        counter[0] += 1
        stack.append(node)
        on_stack.add(node)
        for target in graph.get(node, ()):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.add(tuple(sorted(group)))

    for node in graph:
        if node not in index:
            visit(node)
    return groups


def test_no_import_cycle_inside_an_app():
    graph = _graph()
    within = {
        module: {t for t in targets if _app(t) == _app(module)} for module, targets in graph.items()
    }
    cycles = _cycles(within)
    assert cycles - KNOWN_CYCLES == set(), "import cycles between modules of an app"


def test_the_graph_sees_lazy_and_relative_imports():
    """The reader itself: a function-level import and `from . import x` are edges."""
    graph = _graph()
    assert "villages.models" in graph["core.access"]  # inside scope_for()
    assert "households.populations" in graph["households.views"]  # from . import populations
    assert "core.dates" in graph["households.populations"]


def test_no_module_imports_a_tasks_module():
    """Tasks import services, never the reverse: services, jobs and views send a task by its
    name through core.jobs (the one enqueue path), so no module imports a tasks module."""
    graph = _graph()
    wrong = {
        (module, target)
        for module, targets in graph.items()
        for target in targets
        if target.rpartition(".")[2] == "tasks"
    }
    assert wrong == set()
