"""Walks a parsed condition with ``result`` bound, as Argo Rollouts' ``EvalCondition`` does.

Names are checked before anything runs (expr-lang compiles first): an unknown variable or
function is an error even in a branch `&&` or `||` would skip.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

from controlplane.argoexpr._ast import (
    Binary,
    Call,
    Closure,
    Conditional,
    ListLiteral,
    Literal,
    MapLiteral,
    Member,
    Name,
    Node,
    Pointer,
    Slice,
    Unary,
)
from controlplane.argoexpr._errors import ExprNameError, ExprRuntimeError, ExprUnsupported
from controlplane.argoexpr._functions import FUNCTIONS, UNSUPPORTED
from controlplane.argoexpr._parser import PREDICATE_FUNCTIONS
from controlplane.argoexpr._values import (
    arithmetic,
    compare,
    contains_item,
    equal,
    fetch,
    go_type,
    is_number,
    make_range,
    negate,
    slice_,
    string_operator,
)

VARIABLES = frozenset({"result"})
_FLOAT_PARAMETER = {"isNaN", "isInf"}  # expr-lang turns an int literal argument into a float


def check_names(node: Node) -> None:
    """Raises :class:`ExprNameError` / :class:`ExprUnsupported` for names Argo would reject."""
    if isinstance(node, Name):
        if node.name not in VARIABLES:
            if node.name in FUNCTIONS or node.name in PREDICATE_FUNCTIONS:
                raise ExprUnsupported(f"{node.name} used as a value")
            raise ExprNameError(f"unknown name {node.name}")
    elif isinstance(node, Call):
        if node.name in UNSUPPORTED:
            raise ExprUnsupported(f"the builtin {node.name}()")
        if node.name not in FUNCTIONS and node.name not in PREDICATE_FUNCTIONS:
            if node.name in VARIABLES:
                raise ExprRuntimeError(f"{node.name} is not callable")
            raise ExprNameError(f"unknown func {node.name}")
        for arg in node.args:
            check_names(arg)
    else:
        for child in _children(node):
            check_names(child)


def _children(node: Node) -> Sequence[Node]:
    if isinstance(node, Unary):
        return (node.operand,)
    if isinstance(node, Binary):
        return (node.left, node.right)
    if isinstance(node, Member):
        return (node.target, node.key)
    if isinstance(node, Slice):
        return tuple(n for n in (node.target, node.start, node.stop) if n is not None)
    if isinstance(node, Closure):
        return (node.body,)
    if isinstance(node, ListLiteral):
        return node.items
    if isinstance(node, MapLiteral):
        return tuple(n for pair in node.pairs for n in pair)
    if isinstance(node, Conditional):
        return (node.test, node.then, node.otherwise)
    return ()


@dataclass(frozen=True)
class Scope:
    result: object
    elements: tuple[object, ...] = field(default=())  # the predicates' `#`, innermost last


def evaluate_node(node: Node, scope: Scope) -> object:
    if isinstance(node, Literal):
        return node.value
    if isinstance(node, Name):
        return scope.result
    if isinstance(node, Pointer):
        return scope.elements[-1]
    if isinstance(node, Unary):
        value = evaluate_node(node.operand, scope)
        if node.op == "!":
            return not _bool(value)
        if node.op == "-":
            return negate(value)
        if not is_number(value):
            raise ExprRuntimeError(f"invalid operation: + {go_type(value)}")
        return value
    if isinstance(node, Binary):
        return _binary(node, scope)
    if isinstance(node, Member):
        target = evaluate_node(node.target, scope)
        if target is None and node.optional:
            return None
        return fetch(target, evaluate_node(node.key, scope))
    if isinstance(node, Slice):
        target = evaluate_node(node.target, scope)
        start = None if node.start is None else evaluate_node(node.start, scope)
        stop = None if node.stop is None else evaluate_node(node.stop, scope)
        return slice_(target, start, stop)
    if isinstance(node, Call):
        return _call(node, scope)
    if isinstance(node, ListLiteral):
        return [evaluate_node(item, scope) for item in node.items]
    if isinstance(node, MapLiteral):
        return {evaluate_node(k, scope): evaluate_node(v, scope) for k, v in node.pairs}
    if isinstance(node, Conditional):
        test = evaluate_node(node.test, scope)
        return evaluate_node(node.then if _bool(test) else node.otherwise, scope)
    raise ExprUnsupported(type(node).__name__)


def _bool(value: object) -> bool:
    if not isinstance(value, bool):
        message = f"interface conversion: interface {{}} is {go_type(value)}, not bool"
        raise ExprRuntimeError(message)
    return value


def _binary(node: Binary, scope: Scope) -> object:
    op = node.op
    left = evaluate_node(node.left, scope)
    if op == "&&":  # short-circuits; the right side is handed on unchecked, as expr-lang does
        return False if not _bool(left) else evaluate_node(node.right, scope)
    if op == "||":
        return True if _bool(left) else evaluate_node(node.right, scope)
    if op == "??":
        return left if left is not None else evaluate_node(node.right, scope)
    right = evaluate_node(node.right, scope)
    if op == "==":
        return equal(left, right)
    if op == "!=":
        return not equal(left, right)
    if op in ("<", ">", "<=", ">="):
        return compare(op, left, right)
    if op in ("+", "-", "*", "/", "%", "**"):
        return arithmetic(op, left, right)
    if op == "in":
        return contains_item(left, right)
    if op in ("contains", "startsWith", "endsWith", "matches"):
        return string_operator(op, left, right)
    if op == "..":
        return make_range(left, right)
    raise ExprUnsupported(f"operator {op}")


def _call(node: Call, scope: Scope) -> object:
    if node.name in PREDICATE_FUNCTIONS:
        return _predicate_call(node, scope)
    args = [evaluate_node(arg, scope) for arg in node.args]
    if node.name in _FLOAT_PARAMETER:
        args = [
            float(value) if isinstance(arg, Literal) and is_number(value) else value  # type: ignore[arg-type]
            for arg, value in zip(node.args, args, strict=True)
        ]
    return FUNCTIONS[node.name](args, scope.result)


def _predicate_call(node: Call, scope: Scope) -> object:
    name = node.name
    if name == "sum" and len(node.args) == 1:
        return _sum(_items(name, evaluate_node(node.args[0], scope)))
    if len(node.args) != 2 or not isinstance(node.args[1], Closure):
        raise ExprRuntimeError(f"invalid number of arguments for {name} (expected 2)")
    items = _items(name, evaluate_node(node.args[0], scope))
    body = node.args[1].body

    def run(item: object) -> object:
        return evaluate_node(body, Scope(scope.result, (*scope.elements, item)))

    def test(item: object) -> bool:
        value = run(item)
        if not isinstance(value, bool):
            raise ExprRuntimeError(f"predicate should return boolean (got {go_type(value)})")
        return value

    if name == "all":
        return all(test(item) for item in items)
    if name == "any":
        return any(test(item) for item in items)
    if name == "none":
        return not any(test(item) for item in items)
    if name == "one":
        return sum(1 for item in items if test(item)) == 1
    if name == "filter":
        return [item for item in items if test(item)]
    if name == "map":
        return [run(item) for item in items]
    if name == "count":
        return sum(1 for item in items if test(item))
    if name == "sum":
        return _sum([run(item) for item in items])
    if name in ("find", "findLast"):
        ordered = items if name == "find" else list(reversed(items))
        return next((item for item in ordered if test(item)), None)
    if name in ("findIndex", "findLastIndex"):
        indexed = list(enumerate(items))
        if name == "findLastIndex":
            indexed.reverse()
        return next((i for i, item in indexed if test(item)), -1)
    raise ExprUnsupported(f"the builtin {name}()")


def _items(name: str, value: object) -> list[object]:
    if isinstance(value, list | tuple):
        return list(value)
    raise ExprRuntimeError(f"cannot iterate over {go_type(value)} in {name}()")


def _sum(values: list[object]) -> object:
    total: object = 0
    for value in values:
        if not is_number(value):
            raise ExprRuntimeError(f"invalid argument for sum (type {go_type(value)})")
        total = arithmetic("+", total, value)
    if isinstance(total, float) and math.isnan(total):
        return math.nan
    return total
