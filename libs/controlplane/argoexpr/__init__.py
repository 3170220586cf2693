"""Argo Rollouts' analysis conditions, evaluated offline exactly as Argo Rollouts would.

Argo Rollouts evaluates an AnalysisTemplate metric's ``successCondition`` and ``failureCondition``
with expr-lang (github.com/expr-lang/expr), ``result`` bound to the provider's value: for
Prometheus a list of floats (an instant vector, ``[]`` when no series matched) or a float (a
scalar). This package is a Python evaluator for the part of expr-lang conditions use, with
expr-lang's Go semantics (int vs float64, NaN, short-circuit, errors), so a condition can be
checked against ``[]``, ``[NaN]`` and values either side of its threshold before it ships.

    from controlplane.argoexpr import evaluate, condition, assess, Phase

    evaluate("result[0] * 2", [0.25])                 # 0.5 (any value)
    condition("result[0] >= 0.95", [0.97])             # True (must be a bool, as Argo requires)
    condition("result[0] >= 0.95", [])                 # ExprRuntimeError: index out of range
    assess([0.5], success="result[0] >= 0.95")         # Assessment(Phase.FAILED, "")
    assess([], success="result[0] >= 0.95").phase      # Phase.ERROR

Supported: literals (ints in decimal/hex/octal/binary, floats, strings, arrays, maps, nil,
bools); ``result``; ``.field``, ``?.``, ``[i]`` (negative from the end), ``[a:b]``; ``! not - +``;
``&& and || or``; ``== != < <= > >=`` (chained too); ``+ - * / % ** ^``; ``in``, ``not in``,
``contains``, ``startsWith``, ``endsWith``, ``matches``; ``..``; ``??``; ``?:``; Argo's
``isNaN isInf asInt asFloat isNil default``; expr-lang's ``len all any none one filter map
count sum find findIndex findLast findLastIndex max min mean median abs ceil floor round int
float first last`` with ``#`` and ``.field`` in predicates, braces optional. Anything else raises
:class:`ExprUnsupported` rather than guessing.

Exceptions (see ``_errors``): ``ExprError`` > ``ExprSyntaxError``, ``ExprNameError``,
``ExprRuntimeError``; ``ExprUnsupported`` apart.
"""

from __future__ import annotations

from controlplane.argoexpr._ast import Node
from controlplane.argoexpr._errors import (
    ExprError,
    ExprNameError,
    ExprRuntimeError,
    ExprSyntaxError,
    ExprUnsupported,
)
from controlplane.argoexpr._eval import Scope, check_names, evaluate_node
from controlplane.argoexpr._parser import parse
from controlplane.argoexpr._phase import Assessment, Phase
from controlplane.argoexpr._values import go_type

__all__ = [
    "Assessment",
    "ExprError",
    "ExprNameError",
    "ExprRuntimeError",
    "ExprSyntaxError",
    "ExprUnsupported",
    "Phase",
    "assess",
    "compile_expression",
    "condition",
    "evaluate",
]


def compile_expression(expression: str) -> Node:
    """Parses and name-checks, as expr-lang's compile step does; raises :class:`ExprError`."""
    node = parse(expression)
    check_names(node)
    return node


def evaluate(expression: str, result: object) -> object:
    """The value of ``expression`` with ``result`` bound; raises :class:`ExprError` subclasses
    where Argo would fail the measurement with phase Error, :class:`ExprUnsupported` outside the
    subset."""
    return evaluate_node(compile_expression(expression), Scope(result))


def condition(expression: str, result: object) -> bool:
    """A condition's truth, as Argo's ``EvalCondition``: a non-bool value is an error."""
    value = evaluate(expression, result)
    if not isinstance(value, bool):
        raise ExprRuntimeError(f"expected bool, but got {go_type(value)}")
    return value


def assess(result: object, *, success: str = "", failure: str = "") -> Assessment:
    """The phase Argo Rollouts gives one measurement with these conditions (empty: absent).

    :class:`ExprUnsupported` propagates: the phase Argo would give is then unknown.
    """
    outcomes: dict[str, bool] = {}
    for field, expression in (("successCondition", success), ("failureCondition", failure)):
        if not expression:
            continue
        try:
            outcomes[field] = condition(expression, result)
        except ExprError as error:
            empty = result is None or (isinstance(result, list | tuple) and not result)
            detail = (
                "metric result is nil or empty: no data returned from the metric provider"
                if empty
                else str(error)
            )
            return Assessment(
                Phase.ERROR, f'could not evaluate {field} "{expression}": {detail}', str(error)
            )
    if not outcomes:
        return Assessment(Phase.SUCCESSFUL)
    passed = outcomes.get("successCondition")
    failed = outcomes.get("failureCondition")
    if failed is None:
        failed = not passed
    if passed is None:
        passed = not failed
    if failed:
        return Assessment(Phase.FAILED)
    if not passed:
        return Assessment(Phase.INCONCLUSIVE)
    return Assessment(Phase.SUCCESSFUL)
