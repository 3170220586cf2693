"""``frontdesk call``: be the caller from a terminal, over ``CallGateway.Converse``.

Each typed line is a final prompt. ``#`` followed by keys sends them as DTMF (``#03031980#``
sends 0,3,0,3,1,9,8,0,# — the gateway sends buffered digits on ``#`` or after a pause),
``/interrupt [what you heard]`` barges in, ``/hangup`` or end of input hangs up. Replies are shown
as they stream; the command exits when the call ends.
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
import threading
import uuid
from typing import TextIO

from callsim.client import Call, Closed, EndInfo, TextPiece, TransferInfo, join_pieces
from servicekit.auth import INSECURE_CLIENT, GrpcClient

HELP = (
    "Type what you say and press Enter. '#1234#' sends keypad digits, '/interrupt' barges in, "
    "'/hangup' or Ctrl-D hangs up."
)


def _stdin_lines(loop: asyncio.AbstractEventLoop, queue: asyncio.Queue[str | None]) -> None:
    """Reads stdin in a daemon thread (a blocked read must not keep the process alive)."""

    def read() -> None:
        for line in sys.stdin:
            loop.call_soon_threadsafe(queue.put_nowait, line.rstrip("\n"))
        loop.call_soon_threadsafe(queue.put_nowait, None)

    threading.Thread(target=read, name="stdin", daemon=True).start()


async def _show(call: Call, out: TextIO, heard: list[str]) -> None:
    """Prints events as they come: reply pieces on one line, then transfers and the end."""
    pieces: list[str] = []
    async for event in call.events():
        if isinstance(event, TextPiece):
            if not pieces:
                out.write("assistant: ")
            before = join_pieces(pieces)
            pieces.append(event.token)
            now = join_pieces(pieces)
            out.write(now[len(before) :] if now.startswith(before) else event.token)
            if event.last:
                out.write("\n")
                heard[:] = [now]
                pieces = []
        elif isinstance(event, TransferInfo):
            if pieces:
                out.write("\n")
                pieces = []
            details = ", ".join(f"{k}={v}" for k, v in sorted(event.data.items()))
            out.write(
                f"[transfer to {event.target}"
                f"{' (handoff ' + event.handoff_id + ')' if event.handoff_id else ''}"
                f"{': ' + details if details else ''}]\n"
            )
        elif isinstance(event, EndInfo):
            if pieces:
                out.write("\n")
                pieces = []
            details = ", ".join(f"{k}={v}" for k, v in sorted(event.data.items()))
            out.write(f"[call ended: {details or 'no details'}]\n")
        elif isinstance(event, Closed) and event.error:
            out.write(f"[connection closed: {event.error}]\n")
        out.flush()


async def send_line(call: Call, line: str, heard: str) -> bool:
    """Sends what one typed line means; False when the caller hung up."""
    text = line.strip()
    if not text:
        return True
    if text == "/hangup":
        await call.hangup("caller")
        return False
    if text.startswith("/interrupt"):
        await call.interrupt(text.removeprefix("/interrupt").strip() or heard)
        return True
    if text.startswith("#") and len(text) > 1:
        await call.dtmf(text[1:])
        return True
    await call.say(text)
    return True


async def talk(
    gateway: str,
    *,
    from_number: str,
    to_number: str,
    relay: tuple[str, str] | None = None,
    client: GrpcClient = INSECURE_CLIENT,
    out: TextIO = sys.stdout,
) -> int:
    """Runs one interactive call; returns 0 when it ended normally, 1 on a connection error.
    ``relay`` (URL, Twilio auth token): over ConversationRelay's WebSocket instead of gRPC."""
    call_id = f"cli-{uuid.uuid4().hex[:12]}"
    via = relay[0] if relay else gateway
    print(f"calling {to_number} from {from_number} via {via} (call id {call_id})", file=out)
    print(HELP, file=out, flush=True)
    lines: asyncio.Queue[str | None] = asyncio.Queue()
    _stdin_lines(asyncio.get_running_loop(), lines)
    heard: list[str] = [""]
    async with contextlib.AsyncExitStack() as stack:
        if relay is not None:
            opened = Call.open_relay(
                relay[0],
                call_id=call_id,
                from_number=from_number,
                to_number=to_number,
                auth_token=relay[1],
                ca_file=client.ca_file,
            )
        else:
            channel = await stack.enter_async_context(client.channel(gateway))
            opened = Call.open(
                channel, call_id=call_id, from_number=from_number, to_number=to_number
            )
        call = await stack.enter_async_context(opened)
        shower = asyncio.create_task(_show(call, out, heard))
        while not shower.done():
            getter = asyncio.create_task(lines.get())
            done, _ = await asyncio.wait({getter, shower}, return_when=asyncio.FIRST_COMPLETED)
            if getter not in done:
                getter.cancel()
                break
            line = getter.result()
            if line is None:
                await call.hangup("caller")
                break
            try:
                if not await send_line(call, line, heard[0]):
                    break
            except ValueError as error:
                print(f"[{error}]", file=out, flush=True)
        await shower
        closed = call.closed
    if closed is not None and closed.error:
        return 1
    return 0
