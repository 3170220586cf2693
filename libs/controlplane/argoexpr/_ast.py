"""The syntax tree the parser builds and the evaluator walks (frozen: a condition is data)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Literal:
    value: object


@dataclass(frozen=True)
class Name:
    name: str


@dataclass(frozen=True)
class Pointer:
    """``#`` (the current element in a predicate); ``#.x`` and ``.x`` are Member(Pointer, x)."""


@dataclass(frozen=True)
class Unary:
    op: str  # "!" (also for `not`), "-", "+"
    operand: Node


@dataclass(frozen=True)
class Binary:
    op: str  # "&&" and "||" also stand for `and` and `or`
    left: Node
    right: Node


@dataclass(frozen=True)
class Member:
    target: Node
    key: Node
    optional: bool = False  # `?.`: nil instead of an error on a nil target


@dataclass(frozen=True)
class Slice:
    target: Node
    start: Node | None
    stop: Node | None


@dataclass(frozen=True)
class Call:
    name: str
    args: tuple[Node, ...]


@dataclass(frozen=True)
class Closure:
    body: Node


@dataclass(frozen=True)
class ListLiteral:
    items: tuple[Node, ...]


@dataclass(frozen=True)
class MapLiteral:
    pairs: tuple[tuple[Node, Node], ...]


@dataclass(frozen=True)
class Conditional:
    test: Node
    then: Node
    otherwise: Node


Node = (
    Literal | Name | Pointer | Unary | Binary | Member | Slice | Call | Closure | ListLiteral
    | MapLiteral | Conditional
)  # fmt: skip
