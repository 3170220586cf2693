"""What the ``<Connect action=…>`` callback answers when a relay session ends.

Ending the ConversationRelay session is how Frontdesk hands a call over: the provider then
POSTs the ``action`` URL with ``HandoffData`` (our ``end`` frame's JSON string) among the form
parameters, and the answer says what the call does next. This builds that answer as TwiML
(TeXML accepts the same verbs): dial the transfer target, or hang up when the call is over.

    twiml = action_twiml(request.form)            # in any web framework's POST handler
    # validate the request first: RequestValidator(auth_token).validate(url, form, signature)
"""

from __future__ import annotations

import json
from collections.abc import Mapping

from twilio.twiml.voice_response import Dial, VoiceResponse

SORRY = "Sorry, we could not connect your call. Please call back in a few minutes."


def handoff_target(form: Mapping[str, str]) -> str:
    """The transfer target in the callback's ``HandoffData`` ("" when there is none)."""
    try:
        data = json.loads(form.get("HandoffData", "") or "{}")
    except ValueError:
        return ""
    return str(data.get("transferTarget", "")) if isinstance(data, dict) else ""


def action_twiml(form: Mapping[str, str], *, caller_id: str = "") -> str:
    """TwiML for the action callback: ``<Dial>`` the target (``sip:`` URI or phone number)
    when the session ended with a transfer, else ``<Hangup>``."""
    response = VoiceResponse()
    target = handoff_target(form)
    if not target:
        response.hangup()
        return str(response)
    dial = Dial(caller_id=caller_id or None)
    if target.startswith(("sip:", "sips:")):
        dial.sip(target)
    else:
        dial.number(target.removeprefix("tel:"))
    response.append(dial)
    # <Dial> falls through when nobody answers: say so rather than leave silence.
    response.say(SORRY)
    return str(response)
