"""What the caller hears after an answer that was not understood, as data.

The first miss gets the question again in other words, with examples of answers that work
(``rephrase``); the second gets a keypad menu where the question has a short list of answers
(``keypad_menu``), or the simplest form of the question where it has none (a name); the third
hands the call to staff (the policy's ``MAX_MISUNDERSTANDINGS``). Keypad digits for those menus
are read by ``keypad_answer`` in every phase that has one, announced or not, so a caller who
presses a key before being told about the menu is still understood.
"""

from __future__ import annotations

from clinic import Clinic
from orchestrator.dialogue import Phase

# (what the caller hears, what the policy reads when the key is pressed)
INTENT_MENU: tuple[tuple[str, str], ...] = (
    ("book a new appointment", "i want to book an appointment"),
    ("change an appointment", "i want to reschedule my appointment"),
    ("cancel an appointment", "i want to cancel my appointment"),
    ("hear your upcoming appointments", "when is my appointment"),
    ("hear our opening hours", "what are your hours"),
)
TIME_MENU: tuple[tuple[str, str], ...] = (
    ("the first available time", "as soon as possible"),
    ("a morning", "the first available morning"),
    ("an afternoon", "the first available afternoon"),
    ("next week", "next week"),
)
OTHER_TIMES_KEY = "9"

REPHRASE: dict[Phase, str] = {
    Phase.INTENT: (
        "I can book, change or cancel an appointment, tell you when your appointments are, or "
        "answer questions about our hours and location. For example, you can say 'I'd like to "
        "book a checkup' or 'I need to cancel my appointment'. What would you like to do?"
    ),
    Phase.ASK_NAME: (
        "Please tell me the patient's first and last name, for example 'Jane Smith'. You can "
        "also spell the last name."
    ),
    Phase.ASK_DOB: (
        "Please tell me the patient's date of birth, for example 'March third, nineteen "
        "eighty', or type it on your keypad as eight digits, month, day and year."
    ),
    Phase.ASK_TIME: (
        "Which day would suit you? For example, 'tomorrow morning', 'next Tuesday after two', "
        "or 'the first available'."
    ),
    Phase.PICK_APPOINTMENT: "You can say 'the first one' or 'the second one', or name the day.",
    Phase.OFFER: (
        "You can say 'the first one', name the day or the time, or say 'none of those' to "
        "hear other times."
    ),
    Phase.OFFER_BOOK: "Please say yes or no.",
    Phase.OFFER_HANDOFF: "Please say yes or no.",
    Phase.ANYTHING_ELSE: (
        "If that's all, just say 'no, that's all'. Otherwise tell me what else you need, for "
        "example 'I'd like to book a checkup'."
    ),
}


def type_menu(clinic: Clinic) -> tuple[tuple[str, str], ...]:
    return tuple((kind.name, kind.name) for kind in clinic.appointment_types)


def rephrase_type(clinic: Clinic) -> str:
    names = [kind.name for kind in clinic.appointment_types]
    return (
        "What is the visit for? You can tell me the reason, like 'a cough' or 'my knee hurts', "
        f"or the kind of visit: {', '.join(names[:-1])} or {names[-1]}."
        if len(names) > 1
        else "What is the visit for? You can tell me the reason, like 'a cough'."
    )


def _menu(options: tuple[tuple[str, str], ...]) -> str:
    presses = [f"press {i} for {label}" for i, (label, _) in enumerate(options, start=1)]
    return "Or use your keypad: " + ", ".join(presses) + ", or 0 for a person."


def keypad_menu(phase: Phase, clinic: Clinic, offers: int = 0) -> str:
    """The keypad version of the question asked in ``phase``; "" when it has none."""
    if phase is Phase.INTENT:
        return _menu(INTENT_MENU)
    if phase is Phase.ASK_TYPE:
        return _menu(type_menu(clinic))
    if phase is Phase.ASK_TIME:
        return _menu(TIME_MENU)
    if phase in (Phase.OFFER, Phase.PICK_APPOINTMENT) and offers:
        keys = ", ".join(f"{i}" for i in range(1, offers + 1))
        extra = f", {OTHER_TIMES_KEY} for other times" if phase is Phase.OFFER else ""
        return f"Or press {keys} on your keypad for that choice{extra}, or 0 for a person."
    if phase in (Phase.CONFIRM, Phase.OFFER_BOOK, Phase.OFFER_HANDOFF, Phase.ANYTHING_ELSE):
        return "Or press 1 for yes, 2 for no, or 0 for a person."
    if phase is Phase.ASK_DOB:
        return ""  # its question already offers the keypad
    return "Or press 0 to speak with a person."


def keypad_answer(phase: Phase, keys: str, clinic: Clinic) -> str | None:
    """What a single key means in ``phase``'s menu, as words the phase's handler reads."""
    if len(keys) != 1 or not keys.isdigit():
        return None
    menus = {
        Phase.INTENT: INTENT_MENU,
        Phase.ASK_TYPE: type_menu(clinic),
        Phase.ASK_TIME: TIME_MENU,
    }
    if phase is Phase.OFFER and keys == OTHER_TIMES_KEY:
        return "none of those"
    options = menus.get(phase)
    index = int(keys) - 1
    if options is None or not 0 <= index < len(options):
        return None
    return options[index][1]
