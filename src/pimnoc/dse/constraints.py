"""Constraints of a design space: small comparison expressions parsed safely (no eval)."""

from __future__ import annotations

import ast
import math
import operator
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from pimnoc.errors import ConfigError

CONFIG_SECTIONS = ("workload", "design", "mapping", "simulation", "thermal")
"""First parts of a dotted name that refer to the run config; any other name is a metric."""

_BINARY: dict[type, Callable[[Any, Any], Any]] = {
    ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul,
    ast.Div: operator.truediv, ast.FloorDiv: operator.floordiv, ast.Mod: operator.mod,
    ast.Pow: operator.pow,
}
_COMPARE: dict[type, Callable[[Any, Any], bool]] = {
    ast.Lt: operator.lt, ast.LtE: operator.le, ast.Gt: operator.gt, ast.GtE: operator.ge,
    ast.Eq: operator.eq, ast.NotEq: operator.ne,
}
_FUNCTIONS: dict[str, Callable[..., Any]] = {"min": min, "max": max, "abs": abs,
                                             "log2": math.log2, "sqrt": math.sqrt}


def _dotted(node: ast.AST) -> str | None:
    """`a.b.c` as a string, or None if `node` is not a plain dotted name."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return ".".join(reversed(parts))
    return None


def _names(node: ast.AST, where: str) -> list[str]:
    """Check `node` uses only allowed syntax and return the dotted names it reads."""
    if isinstance(node, ast.Compare):
        found = _names(node.left, where)
        for op, right in zip(node.ops, node.comparators, strict=True):
            if type(op) not in _COMPARE:
                raise ConfigError(f"{where}: comparison '{type(op).__name__}' is not allowed; "
                                  "use <, <=, >, >=, == or !=")
            found += _names(right, where)
        return found
    if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
        return _names(node.left, where) + _names(node.right, where)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
        return _names(node.operand, where)
    if isinstance(node, ast.Constant) and isinstance(node.value, int | float | str | bool):
        return []
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) \
            and node.func.id in _FUNCTIONS and not node.keywords:
        return [n for arg in node.args for n in _names(arg, where)]
    name = _dotted(node)
    if name is not None and not any(part.startswith("_") for part in name.split(".")):
        return [name]
    raise ConfigError(f"{where}: only numbers, strings, dotted names, + - * / ** %, "
                      f"{', '.join(_FUNCTIONS)} and comparisons are allowed "
                      f"(found {type(node).__name__})")


@dataclass(frozen=True)
class Constraint:
    """One comparison over config values (checked before evaluation) or Result figures."""

    text: str
    tree: ast.Expression
    names: tuple[str, ...]

    @property
    def on_config(self) -> bool:
        """True when the constraint reads only config values, so it prunes points unevaluated."""
        return all(n.split(".")[0] in CONFIG_SECTIONS for n in self.names)

    def holds(self, lookup: Callable[[str], Any]) -> bool:
        """Evaluate the comparison, reading every dotted name through `lookup`."""
        return bool(_evaluate(self.tree.body, lookup))

    def violation(self, lookup: Callable[[str], Any]) -> float:
        """How far the constraint is from holding (0 when it holds; for NSGA-II ranking)."""
        body = self.tree.body
        if self.holds(lookup):
            return 0.0
        if isinstance(body, ast.Compare) and len(body.ops) == 1 \
                and type(body.ops[0]) in (ast.Lt, ast.LtE, ast.Gt, ast.GtE):
            left = _evaluate(body.left, lookup)
            right = _evaluate(body.comparators[0], lookup)
            if isinstance(left, int | float) and isinstance(right, int | float):
                return float(abs(left - right)) / max(abs(float(right)), 1e-300) + 1e-9
        return 1.0


def _evaluate(node: ast.AST, lookup: Callable[[str], Any]) -> Any:
    if isinstance(node, ast.Compare):
        left = _evaluate(node.left, lookup)
        for op, right_node in zip(node.ops, node.comparators, strict=True):
            right = _evaluate(right_node, lookup)
            if not _COMPARE[type(op)](left, right):
                return False
            left = right
        return True
    if isinstance(node, ast.BinOp):
        return _BINARY[type(node.op)](_evaluate(node.left, lookup),
                                      _evaluate(node.right, lookup))
    if isinstance(node, ast.UnaryOp):
        value = _evaluate(node.operand, lookup)
        return -value if isinstance(node.op, ast.USub) else value
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.Call):
        return _FUNCTIONS[node.func.id](*(_evaluate(a, lookup) for a in node.args))
    return lookup(_dotted(node) or "")


def parse_constraint(text: Any, where: str = "constraints") -> Constraint:
    """Parse one constraint such as `area_mm2 <= 400` or `design.pes.rows * 2 < 10`."""
    if not isinstance(text, str) or not text.strip():
        raise ConfigError(f"{where}: each constraint must be a string such as "
                          "'area_mm2 <= 400'")
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError:
        raise ConfigError(f"{where}: cannot parse '{text}'; write e.g. 'area_mm2 <= 400'") \
            from None
    if not isinstance(tree.body, ast.Compare):
        raise ConfigError(f"{where}: '{text}' is not a comparison; write e.g. "
                          "'area_mm2 <= 400'")
    names = _names(tree.body, f"{where}: '{text}'")
    return Constraint(text.strip(), tree, tuple(dict.fromkeys(names)))


def config_lookup(config: Mapping[str, Any]) -> Callable[[str], Any]:
    """A lookup of dotted names in a (nested) config dictionary."""

    def lookup(name: str) -> Any:
        value: Any = config
        for part in name.split("."):
            if isinstance(value, Mapping) and part in value:
                value = value[part]
            elif isinstance(value, list) and part.isdigit() and int(part) < len(value):
                value = value[int(part)]
            else:
                raise ConfigError(f"constraints: '{name}' is not set in the run config")
        return value

    return lookup
