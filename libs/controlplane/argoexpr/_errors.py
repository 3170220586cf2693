"""The evaluator's exceptions.

ExprError            anything Argo Rollouts would report as a measurement in phase Error
├── ExprSyntaxError  the expression does not parse (Argo: a compile error)
├── ExprNameError    an unknown variable or function (Argo: a compile error)
└── ExprRuntimeError the expression failed on this result (index out of range, mismatched types)
ExprUnsupported      valid expr-lang this evaluator does not implement (not an Argo error:
                     the caller cannot tell what Argo would do, so must not pass it silently)
"""

from __future__ import annotations


class ExprError(ValueError):
    """The condition would put the measurement in phase Error."""


class ExprSyntaxError(ExprError):
    """The expression does not parse."""


class ExprNameError(ExprError):
    """An unknown variable or function name."""


class ExprRuntimeError(ExprError):
    """Evaluation failed on this result."""


class ExprUnsupported(ValueError):
    """Valid expr-lang outside the subset this evaluator implements."""
