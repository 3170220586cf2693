"""expr-lang's grammar: a precedence-climbing parser with expr-lang's own operator table.

Precedences and associativity follow expr-lang's documented operators: `or`/`||` 10, `and`/`&&`
15, comparisons, `in`, `matches`, `contains`, `startsWith`, `endsWith` 20, `..` 25, `+ -` 30,
`* / %` 60, `** ^` 100 (right), `??` 500; unary `not`/`!` 50, `-`/`+` 90; the ternary `?:`
lowest. Chained comparisons (`1 < x < 3`) mean `1 < x && x < 3`, as in expr-lang.
"""

from __future__ import annotations

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
from controlplane.argoexpr._errors import ExprSyntaxError, ExprUnsupported
from controlplane.argoexpr._lexer import Token, tokenize

_BINARY: dict[str, tuple[int, bool]] = {  # operator: (precedence, right-associative)
    "|": (0, False),
    "or": (10, False),
    "||": (10, False),
    "and": (15, False),
    "&&": (15, False),
    "==": (20, False),
    "!=": (20, False),
    "<": (20, False),
    ">": (20, False),
    ">=": (20, False),
    "<=": (20, False),
    "in": (20, False),
    "matches": (20, False),
    "contains": (20, False),
    "startsWith": (20, False),
    "endsWith": (20, False),
    "..": (25, False),
    "+": (30, False),
    "-": (30, False),
    "*": (60, False),
    "/": (60, False),
    "%": (60, False),
    "**": (100, True),
    "^": (100, True),
    "??": (500, False),
}
_UNARY = {"not": 50, "!": 50, "-": 90, "+": 90}
_COMPARISONS = {"<", ">", "<=", ">="}
_NEGATABLE = {"in", "matches", "contains", "startsWith", "endsWith"}
_CANONICAL = {"and": "&&", "or": "||", "not": "!", "^": "**"}
# Builtins whose second argument is a predicate over the elements of the first.
PREDICATE_FUNCTIONS = frozenset(
    {"all", "any", "none", "one", "filter", "map", "count", "sum", "find", "findIndex",
     "findLast", "findLastIndex", "groupBy", "sortBy", "reduce"}
)  # fmt: skip


def parse(source: str) -> Node:
    """The syntax tree of one expression; :class:`ExprSyntaxError` when it does not parse."""
    parser = _Parser(tokenize(source))
    node = parser.expression(0)
    if parser.current.kind != "end":
        raise ExprSyntaxError(
            f"unexpected token {parser.current.text!r} at {parser.current.position}"
        )
    return node


class _Parser:
    def __init__(self, tokens: list[Token]) -> None:
        self.tokens = tokens
        self.index = 0
        self.depth = 0  # > 0 inside a predicate, where `#` and `.field` mean the element

    @property
    def current(self) -> Token:
        return self.tokens[self.index]

    def peek(self, offset: int = 1) -> Token:
        return self.tokens[min(self.index + offset, len(self.tokens) - 1)]

    def advance(self) -> Token:
        token = self.current
        self.index += 1
        return token

    def is_(self, kind: str, text: str | None = None) -> bool:
        token = self.current
        return token.kind == kind and (text is None or token.text == text)

    def expect(self, kind: str, text: str) -> Token:
        if not self.is_(kind, text):
            found = self.current.text or "end of expression"
            raise ExprSyntaxError(f"expected {text!r}, found {found!r} at {self.current.position}")
        return self.advance()

    def expression(self, min_precedence: int) -> Node:
        if min_precedence == 0 and self.is_("op", "let"):
            raise ExprUnsupported("`let` variables")
        left = self.unary()
        previous = ""
        while self.current.kind == "op":
            token = self.current
            op = token.text
            negate = False
            if op == "not":
                following = self.peek()
                if following.kind != "op" or following.text not in _NEGATABLE:
                    raise ExprSyntaxError(f"unexpected token 'not' at {token.position}")
                if _BINARY[following.text][0] < min_precedence:
                    break
                self.advance()
                negate, op = True, following.text
            if op not in _BINARY or _BINARY[op][0] < min_precedence:
                break
            precedence, right_assoc = _BINARY[op]
            self.advance()
            if op == "|":
                raise ExprUnsupported("the pipe operator `|`")
            if previous == "??" and op != "??":
                raise ExprSyntaxError(
                    f"operator ({op}) and coalesce expressions (??) cannot be mixed at "
                    f"{token.position}"
                )
            if op in _COMPARISONS:
                left = self.comparison(left, op, precedence)
            else:
                right = self.expression(precedence if right_assoc else precedence + 1)
                left = Binary(_CANONICAL.get(op, op), left, right)
                if negate:
                    left = Unary("!", left)
            previous = op
        if min_precedence == 0 and self.is_("op", "?"):
            self.advance()
            then = self.expression(0)
            self.expect("op", ":")
            otherwise = self.expression(0)
            left = Conditional(left, then, otherwise)
        return left

    def comparison(self, left: Node, op: str, precedence: int) -> Node:
        root: Node | None = None
        while True:
            right = self.expression(precedence + 1)
            node = Binary(op, left, right)
            root = node if root is None else Binary("&&", root, node)
            left = right
            if not (self.current.kind == "op" and self.current.text in _COMPARISONS):
                return root
            op = self.advance().text

    def unary(self) -> Node:
        token = self.current
        if token.kind == "op" and token.text in _UNARY:
            self.advance()
            operand = self.expression(_UNARY[token.text])
            return self.postfix(Unary(_CANONICAL.get(token.text, token.text), operand))
        if self.is_("bracket", "("):
            self.advance()
            inner = self.expression(0)
            self.expect("bracket", ")")
            return self.postfix(inner)
        if self.depth > 0 and token.kind == "op" and token.text in ("#", "."):
            self.advance()
            if token.text == "#" and self.current.kind == "name":
                raise ExprUnsupported(f"#{self.current.text}")
            if token.text == ".":
                name = self.advance()
                if name.kind != "name":
                    raise ExprSyntaxError(f"expected a field name at {name.position}")
                return self.postfix(Member(Pointer(), Literal(name.text)))
            return self.postfix(Pointer())
        return self.postfix(self.primary())

    def primary(self) -> Node:
        token = self.advance()
        if token.kind == "number" or token.kind == "string":
            return Literal(token.value)
        if token.kind == "name":
            if token.text in ("true", "false"):
                return Literal(token.text == "true")
            if token.text == "nil":
                return Literal(None)
            if self.is_("bracket", "("):
                return self.call(token.text)
            return Name(token.text)
        if token.kind == "bracket" and token.text == "[":
            items: list[Node] = []
            while not self.is_("bracket", "]"):
                items.append(self.expression(0))
                if not self.is_("bracket", "]"):
                    self.expect("op", ",")
            self.advance()
            return ListLiteral(tuple(items))
        if token.kind == "bracket" and token.text == "{":
            pairs: list[tuple[Node, Node]] = []
            while not self.is_("bracket", "}"):
                key_token = self.advance()
                if key_token.kind == "name":
                    key: Node = Literal(key_token.text)
                elif key_token.kind in ("string", "number"):
                    key = Literal(key_token.value)
                elif key_token.kind == "bracket" and key_token.text == "(":
                    key = self.expression(0)
                    self.expect("bracket", ")")
                else:
                    raise ExprSyntaxError(f"a map key expected at {key_token.position}")
                self.expect("op", ":")
                pairs.append((key, self.expression(0)))
                if not self.is_("bracket", "}"):
                    self.expect("op", ",")
            self.advance()
            return MapLiteral(tuple(pairs))
        found = token.text or "end of expression"
        raise ExprSyntaxError(f"unexpected token {found!r} at {token.position}")

    def call(self, name: str) -> Node:
        self.expect("bracket", "(")
        args: list[Node] = []
        while not self.is_("bracket", ")"):
            if name in PREDICATE_FUNCTIONS and len(args) == 1:
                args.append(self.closure())
            else:
                args.append(self.expression(0))
            if not self.is_("bracket", ")"):
                self.expect("op", ",")
        self.advance()
        return Call(name, tuple(args))

    def closure(self) -> Closure:
        self.depth += 1
        try:
            if self.is_("bracket", "{"):
                self.advance()
                body = self.expression(0)
                self.expect("bracket", "}")
            else:
                body = self.expression(0)
        finally:
            self.depth -= 1
        return Closure(body)

    def postfix(self, node: Node) -> Node:
        while True:
            if self.is_("op", ".") or self.is_("op", "?."):
                optional = self.advance().text == "?."
                if optional and self.is_("bracket", "["):
                    self.advance()
                    key = self.expression(0)
                    self.expect("bracket", "]")
                    node = Member(node, key, optional=True)
                    continue
                name = self.advance()
                if name.kind not in ("name", "op") or not name.text[:1].isalpha():
                    raise ExprSyntaxError(f"expected a field name at {name.position}")
                if self.is_("bracket", "("):
                    raise ExprUnsupported(f"method call .{name.text}()")
                node = Member(node, Literal(name.text), optional=optional)
            elif self.is_("bracket", "["):
                self.advance()
                start: Node | None = None
                if not self.is_("op", ":"):
                    start = self.expression(0)
                if self.is_("op", ":"):
                    self.advance()
                    stop = None if self.is_("bracket", "]") else self.expression(0)
                    self.expect("bracket", "]")
                    node = Slice(node, start, stop)
                else:
                    self.expect("bracket", "]")
                    assert start is not None
                    node = Member(node, start)
            else:
                return node
