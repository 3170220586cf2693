"""The methods of a protobuf service, read from its descriptor: names, message classes, shape."""

from __future__ import annotations

from dataclasses import dataclass

from google.protobuf.descriptor import ServiceDescriptor
from google.protobuf.message import Message
from google.protobuf.message_factory import GetMessageClass


@dataclass(frozen=True)
class MethodInfo:
    name: str
    request_type: type[Message]
    response_type: type[Message]
    client_streaming: bool
    server_streaming: bool


def service_methods(descriptor: ServiceDescriptor) -> tuple[MethodInfo, ...]:
    """Every method of the service, in declaration order."""
    return tuple(
        MethodInfo(
            name=method.name,
            request_type=GetMessageClass(method.input_type),
            response_type=GetMessageClass(method.output_type),
            client_streaming=method.client_streaming,
            server_streaming=method.server_streaming,
        )
        for method in descriptor.methods
    )


def subject(service: str, method: str, version: str = "") -> str:
    """The NATS subject of a method: ``frontdesk.<service>[.<version>].<Method>``."""
    return f"frontdesk.{service}.{version}.{method}" if version else f"frontdesk.{service}.{method}"
