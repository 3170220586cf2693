"""expr-lang's operators on values, with Go's semantics (expr-lang runs on Go).

Values are Python's: ``None`` is nil, ``bool``, ``int`` (Go's 64-bit int: wraps on overflow),
``float`` (float64: division by zero gives ±Inf or NaN, never an exception), ``str``, ``list``
and ``dict``. A Prometheus vector result is a list of floats, a scalar a float.

The rules mirrored (from expr-lang's runtime, described, not copied):
- ``+ - *`` on two ints give an int, with a float anywhere a float; ``/`` always a float;
  ``%`` only on ints, truncated toward zero like Go, by zero an error; ``**`` always a float.
- ``== !=`` compare numbers by value across int and float (NaN equals nothing), anything else
  strictly by type; never an error.
- ``< <= > >=`` on two numbers or two strings; any other pair is an error ("invalid operation").
- indexing takes an int (a float is truncated); negative counts from the end; out of range is an
  error. A missing map key is nil.
"""

from __future__ import annotations

import math
import operator
import re
from collections.abc import Callable
from typing import Any

from controlplane.argoexpr._errors import ExprRuntimeError

_INT_MIN = -(2**63)


def is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def go_type(value: object) -> str:
    """The Go type name expr-lang's messages would show."""
    if value is None:
        return "<nil>"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int"
    if isinstance(value, float):
        return "float64"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list | tuple):
        if all(isinstance(item, float) for item in value):
            return "[]float64"
        return "[]interface {}"
    if isinstance(value, dict):
        return "map[string]interface {}"
    return type(value).__name__


def wrap_int(value: int) -> int:
    """Go's int64 overflow: wraps around."""
    return (value - _INT_MIN) % 2**64 + _INT_MIN


def to_int(value: object) -> int:
    """Go's int(x) for a number: truncates; NaN and ±Inf give the minimum int (as on amd64)."""
    if isinstance(value, bool) or not is_number(value):
        raise ExprRuntimeError(f"invalid operation: int({go_type(value)})")
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value) or abs(value) >= 2**63:
            return _INT_MIN
        return int(value)
    assert isinstance(value, int)
    return value


def equal(a: object, b: object) -> bool:
    if is_number(a) and is_number(b):
        return a == b
    if isinstance(a, list | tuple) and isinstance(b, list | tuple):
        return len(a) == len(b) and all(equal(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_deep_equal(a[k], b[k]) for k in a)
    return type(a) is type(b) and a == b


def _deep_equal(a: object, b: object) -> bool:
    # Go's reflect.DeepEqual inside maps: same dynamic type required (1 != 1.0).
    if type(a) is not type(b):
        return False
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_deep_equal(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_deep_equal(a[k], b[k]) for k in a)
    return a == b


def compare(op: str, a: object, b: object) -> bool:
    if is_number(a) and is_number(b):
        assert isinstance(a, int | float) and isinstance(b, int | float)
        return _ORDER[op](a, b)
    if isinstance(a, str) and isinstance(b, str):
        return _ORDER[op](a, b)
    raise ExprRuntimeError(f"invalid operation: {go_type(a)} {op} {go_type(b)}")


_ORDER: dict[str, Callable[[Any, Any], bool]] = {
    "<": operator.lt,
    ">": operator.gt,
    "<=": operator.le,
    ">=": operator.ge,
}


def arithmetic(op: str, a: object, b: object) -> object:
    if op == "+" and isinstance(a, str) and isinstance(b, str):
        return a + b
    if not (is_number(a) and is_number(b)):
        raise ExprRuntimeError(f"invalid operation: {go_type(a)} {op} {go_type(b)}")
    assert isinstance(a, int | float) and isinstance(b, int | float)
    if op == "/":
        return _divide(float(a), float(b))
    if op == "**":
        return _power(float(a), float(b))
    if op == "%":
        if isinstance(a, float) or isinstance(b, float):
            raise ExprRuntimeError(f"invalid operation: {go_type(a)} % {go_type(b)}")
        if b == 0:
            raise ExprRuntimeError("runtime error: integer divide by zero")
        return wrap_int(_go_rem(a, b))
    operations: dict[str, Callable[[float, float], float]] = {
        "+": lambda x, y: x + y,
        "-": lambda x, y: x - y,
        "*": lambda x, y: x * y,
    }
    if isinstance(a, int) and isinstance(b, int):
        return wrap_int(int(operations[op](a, b)))
    return _float_op(operations[op], float(a), float(b))


def _go_rem(a: int, b: int) -> int:
    remainder = abs(a) % abs(b)
    return -remainder if a < 0 else remainder


def _float_op(operation: Callable[[float, float], float], a: float, b: float) -> float:
    try:
        return operation(a, b)
    except OverflowError:  # Python raises where IEEE 754 overflows to ±Inf
        return math.inf


def _divide(a: float, b: float) -> float:
    if b != 0:
        return a / b
    if math.isnan(a) or a == 0:
        return math.nan
    return math.copysign(math.inf, a) * math.copysign(1.0, b)


def _power(a: float, b: float) -> float:
    # Go's math.Pow where Python's raises.
    try:
        return math.pow(a, b)
    except OverflowError:
        return math.inf if a > 0 or (float(b).is_integer() and b % 2 == 0) else -math.inf
    except ValueError:
        if a == 0 and b < 0:
            odd = float(b).is_integer() and b % 2 == 1
            return math.copysign(math.inf, a) if odd else math.inf
        return math.nan


def negate(value: object) -> object:
    if not is_number(value):
        raise ExprRuntimeError(f"invalid operation: - {go_type(value)}")
    assert isinstance(value, int | float)
    return wrap_int(-value) if isinstance(value, int) else -value


def fetch(target: object, key: object) -> object:
    if isinstance(target, list | tuple | str):
        index = to_int(key) if is_number(key) else None
        if index is None:
            raise ExprRuntimeError(f"invalid operation: int({go_type(key)})")
        length = len(target.encode()) if isinstance(target, str) else len(target)
        position = index + length if index < 0 else index
        if position < 0 or position >= length:
            raise ExprRuntimeError(f"index out of range: {position} (array length is {length})")
        if isinstance(target, str):
            return target.encode()[position]  # Go indexes a string's bytes
        return target[position]
    if isinstance(target, dict):
        return target.get(key) if isinstance(key, str | int | float | bool) else None
    raise ExprRuntimeError(f"cannot fetch {_show(key)} from {go_type(target)}")


def slice_(target: object, start: object, stop: object) -> object:
    if not isinstance(target, list | tuple | str):
        raise ExprRuntimeError(f"cannot slice {go_type(target)}")
    length = len(target)
    low = 0 if start is None else to_int(start)
    high = length if stop is None else to_int(stop)
    low = max(low + length if low < 0 else low, 0)
    high = min(max(high + length if high < 0 else high, 0), length)
    low = min(low, high)
    return list(target[low:high]) if not isinstance(target, str) else target[low:high]


def contains_item(needle: object, haystack: object) -> bool:
    if haystack is None:
        return False
    if isinstance(haystack, list | tuple):
        return any(equal(item, needle) for item in haystack)
    if isinstance(haystack, dict):
        return isinstance(needle, str | int | float | bool) and needle in haystack
    raise ExprRuntimeError(f'operator "in" not defined on {go_type(haystack)}')


def string_operator(op: str, a: object, b: object) -> bool:
    if not (isinstance(a, str) and isinstance(b, str)):
        raise ExprRuntimeError(f"invalid operation: {go_type(a)} {op} {go_type(b)}")
    if op == "contains":
        return b in a
    if op == "startsWith":
        return a.startswith(b)
    if op == "endsWith":
        return a.endswith(b)
    try:  # matches: Go's RE2; Python's re agrees on the syntax conditions use
        return re.search(b, a) is not None
    except re.error as error:
        raise ExprRuntimeError(f"error parsing regexp: {error}") from error


def make_range(a: object, b: object) -> list[int]:
    if (
        not (isinstance(a, int) and isinstance(b, int))
        or isinstance(a, bool)
        or isinstance(b, bool)
    ):
        raise ExprRuntimeError(f"invalid operation: {go_type(a)} .. {go_type(b)}")
    return list(range(a, b + 1))


def _show(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
