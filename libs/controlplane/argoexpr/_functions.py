"""The functions a condition can call: Argo Rollouts' own and expr-lang's builtins.

Argo Rollouts adds to the environment (``utils/evaluate`` in argo-rollouts):
- ``isNaN(x)``, ``isInf(x)``: x must be a float64 (a Prometheus sample is);
- ``asInt(x)``, ``asFloat(x)``: numbers and numeric strings;
- ``isNil(_)``, ``default(_, d)``: both IGNORE their first argument and look at the whole
  result: ``isNil`` is true when the result is nil, ``default`` gives ``d`` when the result is
  nil and the result otherwise. A Prometheus vector with no samples is an empty list, not nil,
  so ``default(result, 0)`` on ``[]`` is ``[]`` (and ``default(result, 0) < 1`` then errors).

Predicate builtins (``all any none one filter map count sum find findIndex findLast
findLastIndex``) are evaluated by the evaluator, which owns the closure; the rest are here.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

from controlplane.argoexpr._errors import ExprRuntimeError
from controlplane.argoexpr._values import compare, go_type, is_number, to_int

Function = Callable[[Sequence[object], object], object]  # (arguments, the whole result)


def _arity(name: str, args: Sequence[object], count: int) -> None:
    if len(args) != count:
        raise ExprRuntimeError(
            f"invalid number of arguments for {name} (expected {count}, got {len(args)})"
        )


def _float_arg(name: str, args: Sequence[object]) -> float:
    _arity(name, args, 1)
    value = args[0]
    if not isinstance(value, float):
        raise ExprRuntimeError(
            f"cannot use {go_type(value)} as argument (type float64) to call {name}"
        )
    return value


def _is_nan(args: Sequence[object], result: object) -> object:
    return math.isnan(_float_arg("isNaN", args))


def _is_inf(args: Sequence[object], result: object) -> object:
    return math.isinf(_float_arg("isInf", args))


def _as_int(args: Sequence[object], result: object) -> object:
    _arity("asInt", args, 1)
    value = args[0]
    if isinstance(value, str):
        try:
            return int(value, 10)
        except ValueError as error:
            raise ExprRuntimeError(
                f'strconv.ParseInt: parsing "{value}": invalid syntax'
            ) from error
    if is_number(value):
        return to_int(value)
    raise ExprRuntimeError(f"asInt() not supported on {go_type(value)} {value}")


def _as_float(args: Sequence[object], result: object) -> object:
    _arity("asFloat", args, 1)
    value = args[0]
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError as error:
            raise ExprRuntimeError(
                f'strconv.ParseFloat: parsing "{value}": invalid syntax'
            ) from error
    if is_number(value):
        assert isinstance(value, int | float)
        return float(value)
    raise ExprRuntimeError(f"asFloat() not supported on {go_type(value)} {value}")


def _is_nil(args: Sequence[object], result: object) -> object:
    _arity("isNil", args, 1)
    return result is None


def _default(args: Sequence[object], result: object) -> object:
    _arity("default", args, 2)
    return args[1] if result is None else result


def _len(args: Sequence[object], result: object) -> object:
    _arity("len", args, 1)
    value = args[0]
    if isinstance(value, str):
        return len(value.encode())  # Go counts bytes
    if isinstance(value, list | tuple | dict):
        return len(value)
    raise ExprRuntimeError(f"invalid argument for len (type {go_type(value)})")


def _numbers(name: str, value: object) -> list[int | float]:
    """The numbers in an argument of max/min/mean/median, arrays flattened."""
    if is_number(value):
        assert isinstance(value, int | float)
        return [value]
    if isinstance(value, list | tuple):
        out: list[int | float] = []
        for item in value:
            out.extend(_numbers(name, item))
        return out
    raise ExprRuntimeError(f"invalid argument for {name} (type {go_type(value)})")


def _extreme(name: str, op: str) -> Function:
    def function(args: Sequence[object], result: object) -> object:
        if not args:
            raise ExprRuntimeError(f"not enough arguments to call {name}")
        if len(args) == 1 and not (is_number(args[0]) or isinstance(args[0], list | tuple)):
            return args[0]  # expr-lang hands a lone non-number back unchanged
        best: object = None
        for number in _numbers(name, list(args)):
            # Same fold as expr-lang: replace when op(best, candidate); NaN never compares.
            if best is None or compare(op, best, number):
                best = number
        return best  # nil for no numbers at all: comparing it afterwards is an error

    return function


def _mean(args: Sequence[object], result: object) -> object:
    numbers = _numbers("mean", list(args))
    return math.fsum(numbers) / len(numbers) if numbers else 0.0


def _median(args: Sequence[object], result: object) -> object:
    numbers = sorted(float(n) for n in _numbers("median", list(args)))
    if not numbers:
        return 0.0
    middle = len(numbers) // 2
    if len(numbers) % 2:
        return numbers[middle]
    return (numbers[middle - 1] + numbers[middle]) / 2


def _abs(args: Sequence[object], result: object) -> object:
    _arity("abs", args, 1)
    value = args[0]
    if not is_number(value):
        raise ExprRuntimeError(f"invalid argument for abs (type {go_type(value)})")
    assert isinstance(value, int | float)
    return abs(value)


def _rounding(name: str, rounder: Callable[[float], float]) -> Function:
    def function(args: Sequence[object], result: object) -> object:
        _arity(name, args, 1)
        value = args[0]
        if not is_number(value):
            raise ExprRuntimeError(f"invalid argument for {name} (type {go_type(value)})")
        assert isinstance(value, int | float)
        if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
            return value
        return float(rounder(value))

    return function


def _go_round(value: float) -> float:
    # Go's math.Round: half away from zero (Python's round is half to even).
    return math.copysign(math.floor(abs(value) + 0.5), value)


def _int(args: Sequence[object], result: object) -> object:
    _arity("int", args, 1)
    value = args[0]
    if isinstance(value, str):
        try:
            return int(value, 10)
        except ValueError as error:
            raise ExprRuntimeError(f'strconv.Atoi: parsing "{value}": invalid syntax') from error
    return to_int(value)


def _float(args: Sequence[object], result: object) -> object:
    _arity("float", args, 1)
    value = args[0]
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError as error:
            raise ExprRuntimeError(
                f'strconv.ParseFloat: parsing "{value}": invalid syntax'
            ) from error
    if not is_number(value):
        raise ExprRuntimeError(f"invalid operation: float({go_type(value)})")
    assert isinstance(value, int | float)
    return float(value)


def _edge(name: str, index: int) -> Function:
    def function(args: Sequence[object], result: object) -> object:
        _arity(name, args, 1)
        value = args[0]
        if isinstance(value, list | tuple):
            return value[index] if value else None
        if value is None:
            return None
        raise ExprRuntimeError(f"cannot get {name} element from {go_type(value)}")

    return function


FUNCTIONS: dict[str, Function] = {
    # Argo Rollouts' environment
    "isNaN": _is_nan,
    "isInf": _is_inf,
    "asInt": _as_int,
    "asFloat": _as_float,
    "isNil": _is_nil,
    "default": _default,
    # expr-lang builtins
    "len": _len,
    "max": _extreme("max", "<"),
    "min": _extreme("min", ">"),
    "mean": _mean,
    "median": _median,
    "abs": _abs,
    "ceil": _rounding("ceil", math.ceil),
    "floor": _rounding("floor", math.floor),
    "round": _rounding("round", _go_round),
    "int": _int,
    "float": _float,
    "first": _edge("first", 0),
    "last": _edge("last", -1),
}

# expr-lang builtins this evaluator does not implement: using one is reported, not guessed.
UNSUPPORTED = frozenset(
    {"type", "string", "trim", "trimPrefix", "trimSuffix", "upper", "lower", "split",
     "splitAfter", "replace", "repeat", "join", "indexOf", "lastIndexOf", "hasPrefix",
     "hasSuffix", "toJSON", "fromJSON", "toBase64", "fromBase64", "now", "duration", "date",
     "timezone", "get", "take", "keys", "values", "toPairs", "fromPairs", "reverse", "uniq",
     "concat", "flatten", "sort", "bitnot", "bitand", "bitor", "bitxor", "bitnand",
     "bitshl", "bitshr", "bitushr", "groupBy", "sortBy", "reduce"}
)  # fmt: skip
