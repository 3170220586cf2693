"""Language understanding for phone transcripts (lower-case ASR text, digits or number words, no
punctuation needed). Pure functions: no I/O besides reading the committed model file once.

Public API (the dialogue policy's contract; signatures are kept stable):

Intents (``intents``)
    ``classify_intent(text) -> IntentResult(intent, confidence, source)`` over ``INTENTS``:
    book, reschedule, cancel, check (an existing appointment: "I was calling to confirm for
    tomorrow"), hours, address, faq (policy, insurance, "is Dr Patel taking new patients"),
    human (asks for a person), goodbye, other. A trained model (``model``, ``train``) with rule
    guards. ``detect_intent(text)`` keeps the original narrower contract (``Intent`` or None,
    "check" as "list"). Also ``is_goodbye``, ``is_stop``, ``is_repeat_request``, ``clauses``,
    ``is_question``, ``asks_about_hours``.
Slots (``slots``)
    ``extract_slots(text, clinic, now) -> Slots(visit_type, provider, preference, birth_date,
    name)``; ``visit_type(text, clinic) -> VisitType(code, source, confidence)`` maps a reason
    ("my knee hurts", "her shots", "stitches out") onto the clinic's appointment types.
Dates (``dates``)
    ``parse_preference(text, now, zone) -> TimePreference | None`` (a date of birth and
    greetings such as "good morning" are never a preference; "can't make it before noon" is an
    afternoon); ``find_birth_date(text, today) -> BirthDate | None`` and
    ``without_birth_date``; ``part_of_day_only``; ``find_clock``.
Consent (``consent``)
    ``classify_consent(reply, read_back) -> ConsentResult(answer, reason)``, answer "yes" /
    "no" / "unclear": only a plain, unhedged yes is "yes"; ``consent(reply, read_back)``;
    ``consent_digits``.
Yes/no (``yes_no``)
    ``classify(text)`` and ``classify_digits`` for ordinary yes/no questions (not read-backs).
Identity (``identity``)
    ``parse_name``, ``partial_name``, ``given_name``, ``introduced_name``,
    ``name_before_date``, ``parse_dob``, ``parse_dob_digits``. Matching a said name against a
    record is ``namematch.names_match`` (a lib the scheduler can import too).
Choices, vocabulary, speech (``choices``, ``catalog``, ``speech``)
    ``pick`` / ``named_position`` among offered options; ``match_appointment_type``,
    ``match_provider``, ``match_faq``; how the assistant says dates, times and lists.

Evaluation: ``frontdesk eval intents consent`` (``evaluation``); retraining:
``python -m orchestrator.understanding.train`` (see ``tests/corpus/README.md``).
"""
