"""Tokens of expr-lang (the subset Argo Rollouts conditions use, plus its literal forms)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from controlplane.argoexpr._errors import ExprSyntaxError

Kind = Literal["number", "string", "name", "op", "bracket", "end"]


@dataclass(frozen=True)
class Token:
    kind: Kind
    text: str
    position: int
    value: object = None


# Longest operators first so `**` wins over `*` and `?.` over `?`.
_OPERATORS = (
    "&&", "||", "==", "!=", "<=", ">=", "**", "??", "?.", "..", "::",
    "!", "<", ">", "+", "-", "*", "/", "%", "^", "?", ":", ".", ",", "#", "|", ";", "=",
)  # fmt: skip
_WORD_OPERATORS = {"and", "or", "not", "in", "matches", "contains", "startsWith", "endsWith", "let"}
_NUMBER = re.compile(
    r"0[xX][0-9a-fA-F_]+|0[oO][0-7_]+|0[bB][01_]+"
    r"|(?:[0-9][0-9_]*(?:\.[0-9_]*)?|\.[0-9][0-9_]*)(?:[eE][+-]?[0-9]+)?"
)
_NAME = re.compile(r"[A-Za-z_$][A-Za-z0-9_]*")
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "b": "\b", "f": "\f", "v": "\v", "a": "\a"}


def tokenize(source: str) -> list[Token]:
    tokens: list[Token] = []
    i = 0
    while i < len(source):
        char = source[i]
        if char.isspace():
            i += 1
        elif source.startswith("//", i):
            end = source.find("\n", i)
            i = len(source) if end < 0 else end
        elif source.startswith("/*", i):
            end = source.find("*/", i + 2)
            if end < 0:
                raise ExprSyntaxError(f"unclosed comment at {i}")
            i = end + 2
        elif char.isdigit() or (char == "." and i + 1 < len(source) and source[i + 1].isdigit()):
            token, i = _number(source, i)
            tokens.append(token)
        elif char in "\"'`":
            token, i = _string(source, i)
            tokens.append(token)
        elif char.isalpha() or char in "_$":
            match = _NAME.match(source, i)
            assert match is not None
            word = match.group()
            kind: Kind = "op" if word in _WORD_OPERATORS else "name"
            tokens.append(Token(kind, word, i))
            i = match.end()
        elif char in "()[]{}":
            tokens.append(Token("bracket", char, i))
            i += 1
        else:
            for operator in _OPERATORS:
                if source.startswith(operator, i):
                    tokens.append(Token("op", operator, i))
                    i += len(operator)
                    break
            else:
                raise ExprSyntaxError(f"unrecognized character {char!r} at {i}")
    tokens.append(Token("end", "", len(source)))
    return tokens


def _number(source: str, start: int) -> tuple[Token, int]:
    match = _NUMBER.match(source, start)
    assert match is not None
    text = match.group()
    # `1..3` is a range: the number ends before `..`.
    if text.endswith(".") and source.startswith("..", match.end() - 1):
        text = text[:-1]
    end = start + len(text)
    clean = text.replace("_", "")
    lower = clean.lower()
    value: int | float
    try:
        if lower.startswith(("0x", "0o", "0b")):
            value = int(clean, 0)
        elif any(c in lower for c in ".e"):
            value = float(clean)
        else:
            value = int(clean, 10)
    except ValueError as error:
        raise ExprSyntaxError(f"invalid number {text!r} at {start}") from error
    if isinstance(value, int) and value > 2**63 - 1:
        raise ExprSyntaxError(f"integer {text} out of range at {start}")
    return Token("number", text, start, value), end


def _string(source: str, start: int) -> tuple[Token, int]:
    quote = source[start]
    i = start + 1
    if quote == "`":  # raw string
        end = source.find("`", i)
        if end < 0:
            raise ExprSyntaxError(f"literal not terminated at {start}")
        return Token("string", source[start : end + 1], start, source[i:end]), end + 1
    out: list[str] = []
    while i < len(source):
        char = source[i]
        if char == quote:
            return Token("string", source[start : i + 1], start, "".join(out)), i + 1
        if char == "\\" and i + 1 < len(source):
            escaped = source[i + 1]
            if escaped in _ESCAPES:
                out.append(_ESCAPES[escaped])
                i += 2
            elif escaped == "u" and re.fullmatch(r"[0-9a-fA-F]{4}", source[i + 2 : i + 6]):
                out.append(chr(int(source[i + 2 : i + 6], 16)))
                i += 6
            elif escaped in "\\'\"`":
                out.append(escaped)
                i += 2
            else:
                raise ExprSyntaxError(f"invalid escape \\{escaped} at {i}")
            continue
        out.append(char)
        i += 1
    raise ExprSyntaxError(f"literal not terminated at {start}")
