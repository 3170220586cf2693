"""Errors that carry their gRPC status.

Servicers and domain code raise these; ``servicekit`` turns them into a gRPC status on the gRPC
transport and into an error reply on NATS, and the NATS client raises them again on the calling
side, so one ``except NotFound`` works whichever transport carried the call::

    ServiceError                 any failure with a status code and a message a person can act on
    ├── InvalidArgument          the request is malformed (INVALID_ARGUMENT)
    ├── NotFound                 the thing named does not exist (NOT_FOUND)
    ├── AlreadyExists            (ALREADY_EXISTS)
    ├── FailedPrecondition       the system is not in a state that allows it (FAILED_PRECONDITION)
    ├── Aborted                  a concurrent change won; retry may succeed (ABORTED)
    ├── PermissionDenied         the caller may not do this (PERMISSION_DENIED)
    ├── Unauthenticated          no or bad credentials (UNAUTHENTICATED)
    ├── ResourceExhausted        over a capacity limit (RESOURCE_EXHAUSTED)
    ├── DeadlineExceeded         the deadline passed before an answer (DEADLINE_EXCEEDED)
    ├── Unavailable              nobody is there to answer, or the dependency is down (UNAVAILABLE)
    ├── Unimplemented            the method exists in the contract but not yet here (UNIMPLEMENTED)
    ├── Cancelled                the caller gave up (CANCELLED)
    └── Internal                 a bug: the message is safe to show, details in logs (INTERNAL)
"""

from __future__ import annotations

import grpc


class ServiceError(Exception):
    """A failure with a gRPC status code and a message for the caller."""

    code: grpc.StatusCode = grpc.StatusCode.UNKNOWN

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.message!r})"


class InvalidArgument(ServiceError):
    code = grpc.StatusCode.INVALID_ARGUMENT


class NotFound(ServiceError):
    code = grpc.StatusCode.NOT_FOUND


class AlreadyExists(ServiceError):
    code = grpc.StatusCode.ALREADY_EXISTS


class FailedPrecondition(ServiceError):
    code = grpc.StatusCode.FAILED_PRECONDITION


class Aborted(ServiceError):
    code = grpc.StatusCode.ABORTED


class PermissionDenied(ServiceError):
    code = grpc.StatusCode.PERMISSION_DENIED


class Unauthenticated(ServiceError):
    code = grpc.StatusCode.UNAUTHENTICATED


class ResourceExhausted(ServiceError):
    code = grpc.StatusCode.RESOURCE_EXHAUSTED


class DeadlineExceeded(ServiceError):
    code = grpc.StatusCode.DEADLINE_EXCEEDED


class Unavailable(ServiceError):
    code = grpc.StatusCode.UNAVAILABLE


class Unimplemented(ServiceError):
    code = grpc.StatusCode.UNIMPLEMENTED


class Cancelled(ServiceError):
    code = grpc.StatusCode.CANCELLED


class Internal(ServiceError):
    code = grpc.StatusCode.INTERNAL


_BY_CODE: dict[grpc.StatusCode, type[ServiceError]] = {
    cls.code: cls
    for cls in (
        InvalidArgument,
        NotFound,
        AlreadyExists,
        FailedPrecondition,
        Aborted,
        PermissionDenied,
        Unauthenticated,
        ResourceExhausted,
        DeadlineExceeded,
        Unavailable,
        Unimplemented,
        Cancelled,
        Internal,
    )
}


def error_for(code: grpc.StatusCode, message: str) -> ServiceError:
    """The ServiceError subclass instance for a status code (``ServiceError`` for unknown codes)."""
    cls = _BY_CODE.get(code)
    if cls is None:
        error = ServiceError(message)
        error.code = code
        return error
    return cls(message)


def code_from_name(name: str) -> grpc.StatusCode:
    """``grpc.StatusCode`` from its name ("NOT_FOUND"); UNKNOWN for a name it does not know."""
    return grpc.StatusCode.__members__.get(name, grpc.StatusCode.UNKNOWN)
