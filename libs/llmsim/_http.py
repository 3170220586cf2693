"""The HTTP shell: an OpenAI-compatible ``/v1/chat/completions`` per provider, on its own port.

Endpoints on every provider's port::

    POST /v1/chat/completions    OpenAI chat completions (``stream`` true: SSE, chunked)
    GET  /v1/models              the one model name it serves (any name is accepted)
    GET  /admin/faults           the provider's current faults (JSON)
    POST /admin/faults           change some fields, e.g. {"down": true}; 400 names a bad field
    POST /admin/reset            faults back to none, request log emptied
    GET  /admin/requests         the request bodies received so far

Stdlib ``ThreadingHTTPServer``: a thread per connection, HTTP/1.1 keep-alive, Nagle disabled
(without it every small SSE write waits for the peer's delayed ACK, ~40 ms per call).
"""

from __future__ import annotations

import json
import sys
import threading
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from pydantic import ValidationError

from llmsim._faults import Delivery, Refusal
from llmsim._provider import Provider
from llmsim._request import request_problem
from llmsim._script import Answer, count_completion_tokens, count_prompt_tokens, tokens


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    server: _ProviderServer

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: prompts may hold test text; the request log is at /admin/requests."""

    # -- plumbing ---------------------------------------------------------------------------
    def _body(self) -> Any:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        return json.loads(raw or b"{}")

    def _json(self, status: int, payload: Any, headers: dict[str, str] | None = None) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(data)

    def _error(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        kind = {
            429: "rate_limit_error",
            400: "invalid_request_error",
            401: "authentication_error",
        }.get(status, "server_error")
        self._json(status, {"error": {"message": message, "type": kind, "code": status}}, headers)

    # -- routes -----------------------------------------------------------------------------
    def do_GET(self) -> None:
        provider = self.server.provider
        if self.path == "/admin/faults":
            self._json(200, provider.faults.model_dump())
        elif self.path == "/admin/requests":
            self._json(200, {"requests": list(provider.requests)})
        elif self.path == "/v1/models":
            self._json(200, {"object": "list", "data": [{"id": provider.name, "object": "model"}]})
        else:
            self._error(404, f"no such path: {self.path}")

    def do_POST(self) -> None:
        provider = self.server.provider
        try:
            body = self._body()
        except ValueError as error:
            self._error(400, f"body is not JSON: {error}")
            return
        if self.path == "/admin/faults":
            try:
                self._json(200, provider.set_faults(body).model_dump())
            except ValidationError as error:
                self._error(400, str(error))
        elif self.path == "/admin/reset":
            provider.reset()
            self._json(200, provider.faults.model_dump())
        elif self.path in ("/v1/chat/completions", "/chat/completions"):
            self._complete(provider, body)
        else:
            self._error(404, f"no such path: {self.path}")

    def _complete(self, provider: Provider, body: dict[str, Any]) -> None:
        messages = body.get("messages") if isinstance(body, dict) else None
        if not isinstance(messages, list) or not all(isinstance(m, dict) for m in messages):
            self._error(400, request_problem(body) or "`messages` must be a list of objects")
            return
        decision, result = provider.receive(body)
        if isinstance(decision, Refusal):  # a provider that is down checks nothing
            headers = {}
            if decision.retry_after_s is not None:
                headers["Retry-After"] = f"{decision.retry_after_s:g}"
            self._error(decision.status, f"{provider.name}: {decision.reason}", headers)
            return
        problem = request_problem(body)
        if problem is not None:  # refused as the real API refuses it: no model answers it
            self._error(400, problem)
            return
        model = str(body.get("model") or provider.name)
        usage = {
            "prompt_tokens": count_prompt_tokens(body["messages"]),
            "completion_tokens": count_completion_tokens(result),
        }
        usage["total_tokens"] = usage["prompt_tokens"] + usage["completion_tokens"]
        created = int(time.time())
        ident = f"chatcmpl-{provider.name}-{len(provider.requests)}"
        if body.get("stream"):
            self._stream(decision, result, model, usage, created, ident)
        else:
            self._whole(decision, result, model, usage, created, ident)

    def _whole(
        self,
        delivery: Delivery,
        result: Answer,
        model: str,
        usage: dict[str, int],
        created: int,
        ident: str,
    ) -> None:
        pieces = _pieces(result)
        broken = delivery.break_after_tokens is not None and delivery.break_after_tokens < len(
            pieces
        )
        time.sleep(delivery.ttft_s + delivery.token_interval_s * max(len(pieces) - 1, 0))
        if delivery.stall_after_tokens is not None and delivery.stall_after_tokens < len(pieces):
            time.sleep(delivery.stall_s)
        if broken:  # the connection dies before the answer is whole
            self.close_connection = True
            self.connection.shutdown(2)
            return
        message: dict[str, Any] = {"role": "assistant", "content": result.text or None}
        if result.tool_name:
            message["tool_calls"] = [_tool_call(result)]
        self._json(
            200,
            {
                "id": ident,
                "object": "chat.completion",
                "created": created,
                "model": model,
                "choices": [
                    {"index": 0, "message": message, "finish_reason": result.finish_reason}
                ],
                "usage": usage,
            },
        )

    def _stream(
        self,
        delivery: Delivery,
        result: Answer,
        model: str,
        usage: dict[str, int],
        created: int,
        ident: str,
    ) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()

        def chunk(delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
            return {
                "id": ident,
                "object": "chat.completion.chunk",
                "created": created,
                "model": model,
                "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
            }

        def events() -> Iterator[dict[str, Any]]:
            yield chunk({"role": "assistant", "content": ""})
            if result.tool_name:
                call = _tool_call(result)
                yield chunk({"tool_calls": [{"index": 0, **call}]})
            else:
                for piece in tokens(result.text):
                    yield chunk({"content": piece})

        time.sleep(delivery.ttft_s)
        sent = 0
        for number, event in enumerate(events()):
            if number >= 2:  # the role chunk and the first token go out together
                time.sleep(delivery.token_interval_s)
            if number >= 1:
                if delivery.break_after_tokens is not None and sent >= delivery.break_after_tokens:
                    # Mid-sentence: no closing chunk, no [DONE]; the socket just goes away.
                    self.close_connection = True
                    self.connection.shutdown(2)
                    return
                if delivery.stall_after_tokens is not None and sent == delivery.stall_after_tokens:
                    time.sleep(delivery.stall_s)
                sent += 1
            self._send_event(event)
        self._send_event(chunk({}, result.finish_reason))
        self._send_event({**chunk({}), "choices": [], "usage": usage})
        self._send_chunk(b"data: [DONE]\n\n")
        self._send_chunk(b"")

    def _send_event(self, payload: dict[str, Any]) -> None:
        self._send_chunk(b"data: " + json.dumps(payload).encode() + b"\n\n")

    def _send_chunk(self, data: bytes) -> None:
        self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
        self.wfile.flush()


def _tool_call(result: Answer) -> dict[str, Any]:
    return {
        "id": result.tool_call_id,
        "type": "function",
        "function": {"name": result.tool_name, "arguments": result.tool_arguments},
    }


def _pieces(result: Answer) -> list[str]:
    return [result.tool_arguments] if result.tool_name else tokens(result.text)


class _ProviderServer(ThreadingHTTPServer):
    daemon_threads = True
    # Many short keep-alive connections from benchmarks and hedged requests.
    request_queue_size = 128

    def __init__(self, address: tuple[str, int], provider: Provider) -> None:
        super().__init__(address, _Handler)
        self.provider = provider

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that hangs up mid-stream (a cancelled hedge, a deadline) is normal here.
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


@dataclass
class RunningProvider:
    provider: Provider
    server: _ProviderServer
    thread: threading.Thread

    @property
    def port(self) -> int:
        return int(self.server.server_address[1])

    @property
    def api_base(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"


class Simulator:
    """Several providers, each served on its own port, in background threads.

    ::

        with Simulator.start([Provider("alpha"), Provider("beta")]) as sim:
            sim["alpha"].api_base           # http://127.0.0.1:PORT/v1
            sim["beta"].provider.set_faults({"down": True})
    """

    def __init__(self, running: dict[str, RunningProvider]) -> None:
        self.running = running

    @classmethod
    def start(
        cls,
        providers: Iterable[Provider],
        *,
        host: str = "127.0.0.1",
        ports: dict[str, int] | None = None,
    ) -> Simulator:
        running: dict[str, RunningProvider] = {}
        try:
            for provider in providers:
                port = (ports or {}).get(provider.name, 0)
                server = _ProviderServer((host, port), provider)
                thread = threading.Thread(
                    target=server.serve_forever,
                    kwargs={"poll_interval": 0.05},
                    name=f"llmsim-{provider.name}",
                    daemon=True,
                )
                thread.start()
                running[provider.name] = RunningProvider(provider, server, thread)
        except BaseException:
            cls(running).stop()
            raise
        return cls(running)

    def __getitem__(self, name: str) -> RunningProvider:
        return self.running[name]

    def stop(self) -> None:
        for item in self.running.values():
            item.server.shutdown()
            item.server.server_close()
            item.thread.join(timeout=5)

    def __enter__(self) -> Simulator:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
