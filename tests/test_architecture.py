"""The package layout: no import cycles among pimnoc modules, function-level imports included."""

from __future__ import annotations

import ast

import networkx as nx
from support import REPO_ROOT

PACKAGE = REPO_ROOT / "src" / "pimnoc"


def module_name(path, package=PACKAGE) -> str:
    """Dotted module name of a source file."""
    parts = list(path.relative_to(package.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def import_graph(package=PACKAGE) -> nx.DiGraph:
    """Module -> imported pimnoc module, for every import statement anywhere in a module.

    `from package import submodule` counts as importing the submodule, as in
    `shared/tools/import_cycles.py`; `if TYPE_CHECKING:` imports count too.
    """
    modules = {module_name(p, package): p for p in package.rglob("*.py")}
    graph = nx.DiGraph()
    graph.add_nodes_from(modules)
    for name, path in modules.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        for node in ast.walk(ast.parse(path.read_text())):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1]
                                    + ([base] if base else []))
                targets = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base
                           for alias in node.names]
            for target in targets:
                while target and target not in modules:
                    target = target.rpartition(".")[0]
                if target and target != name:
                    graph.add_edge(name, target)
    return graph


def test_the_import_graph_has_no_cycles():
    cycles = [c for c in nx.simple_cycles(import_graph()) if len(c) > 1]
    assert not cycles, cycles[:5]


def test_the_cycle_check_sees_function_level_imports(tmp_path):
    pkg = tmp_path / "pimnoc"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "a.py").write_text("from pimnoc import b\n")
    (pkg / "b.py").write_text("def f():\n    from pimnoc.a import x\n")
    assert [c for c in nx.simple_cycles(import_graph(pkg)) if len(c) > 1]


def test_every_source_folder_is_a_package():
    """setuptools' find_packages skips a folder without __init__.py in a regular install."""
    folders = {p.parent for p in PACKAGE.rglob("*.py")}
    assert not [f for f in folders if not (f / "__init__.py").exists()]


def _layer(module: str, layers: list[str]) -> int:
    """Index of `module`'s layer in the import-linter contract (0: the top, cli)."""
    for i, layer in enumerate(layers):
        for name in layer.split("|"):
            name = name.strip()
            if module == name or module.startswith(name + "."):
                return i
    raise AssertionError(f"{module} is in no layer")


def _imports_no_pimnoc(module: str) -> bool:
    """Whether `module` imports no pimnoc module (a leaf: deferring it can hide no cycle)."""
    tree = ast.parse((PACKAGE.parent / (module.replace(".", "/") + ".py")).read_text())
    return not any((isinstance(node, ast.ImportFrom) and (node.module or "").startswith("pimnoc"))
                   or (isinstance(node, ast.Import)
                       and any(a.name.startswith("pimnoc") for a in node.names))
                   for node in ast.walk(tree))


def test_deferred_imports_point_down_the_layers():
    """`registry.deferred` and `Registry.defer` import by name, which lint-imports cannot see:
    a deferred function must sit below its caller (or in a module of its layer that imports
    nothing of pimnoc, such as a compiled kernel), a deferred registry entry in its layer or
    below."""
    import tomllib

    contract = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())
    layers = contract["tool"]["importlinter"]["contracts"][0]["layers"]
    uses = []
    for path in PACKAGE.rglob("*.py"):
        caller = module_name(path)
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.Call):
                continue
            if getattr(node.func, "id", None) == "deferred":
                target = node.args[0].value
                below = _layer(caller, layers) < _layer(target, layers)
                assert below or _imports_no_pimnoc(target), target
            elif getattr(node.func, "attr", None) == "defer" and len(node.args) == 2:
                target = node.args[1].value
                assert _layer(caller, layers) <= _layer(target, layers), target
            else:
                continue
            uses.append((caller, target))
            assert (PACKAGE.parent / (target.replace(".", "/") + ".py")).exists(), target
    assert ("pimnoc.evaluate", "pimnoc.engines.event.run") in uses
    assert ("pimnoc.engines.analytical.network", "pimnoc.engines.analytical.kernels") in uses
    assert ("pimnoc.search", "pimnoc.search.thermal_sfc") in uses
