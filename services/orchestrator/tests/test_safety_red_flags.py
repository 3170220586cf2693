"""Red flags: meaning over word forms, clause-scoped negation on unpunctuated speech, history,
hypotheticals and idioms (``orchestrator.safety``). The corpus figures are in
``tests/corpus/red_flags`` (``frontdesk eval red_flags``); these pin the rules one by one."""

from __future__ import annotations

import pytest

from orchestrator.safety import Category, RedFlagDetector, Script, find_red_flag

C = Category


@pytest.mark.parametrize(
    ("said", "category"),
    [
        ("my chest feels tight", C.CARDIAC),
        ("there's this crushing pressure in my chest", C.CARDIAC),
        ("I can't feel my left arm", C.STROKE),
        ("pain going down my left arm and into my jaw", C.CARDIAC),
        ("I think I'm having a heart attack", C.CARDIAC),
        ("his face is droopy and his speech is slurred", C.STROKE),
        ("worst headache of my life", C.STROKE),
        ("a thunderclap headache out of nowhere", C.STROKE),
        ("I can barely breathe", C.BREATHING),
        ("he stopped breathing", C.BREATHING),
        ("her lips are turning blue", C.BREATHING),
        ("I'm coughing up blood", C.BLEEDING),
        ("the cut won't stop bleeding", C.BLEEDING),
        ("there is blood everywhere", C.BLEEDING),
        ("her tongue is swelling and she's wheezing after a bee sting", C.ANAPHYLAXIS),
        ("my lips swelled up after I ate shrimp", C.ANAPHYLAXIS),
        ("I took the whole bottle of my sleeping pills", C.OVERDOSE),
        ("my daughter just swallowed a bunch of my pills", C.OVERDOSE),
        ("my toddler drank some bleach", C.OVERDOSE),
        ("I've been thinking about killing myself", C.SUICIDAL),
        ("I don't feel like living anymore", C.SUICIDAL),
        ("I just don't want to be here anymore", C.SUICIDAL),
        ("thinking about ending my life", C.SUICIDAL),
        ("I've been cutting myself again", C.SUICIDAL),
        ("he's having a seizure", C.SEIZURE),
        ("she's unresponsive", C.UNRESPONSIVE),
        ("I can't wake him up", C.UNRESPONSIVE),
        ("I'm twelve weeks pregnant and bleeding a lot", C.PREGNANCY),
        ("my two month old has a fever", C.INFANT_CHILD),
        ("the baby is really floppy", C.INFANT_CHILD),
        ("my son hit his head and now he's throwing up and confused", C.HEAD_INJURY),
    ],
)
def test_signs_by_meaning(said: str, category: Category) -> None:
    flag = find_red_flag(said)
    assert flag is not None and category in flag.categories


@pytest.mark.parametrize(
    "said",
    [
        # A new subject ends the scope of "no" / "don't" when the comma is lost.
        "no I can't breathe",
        "no no no my baby isn't breathing",
        "I don't know I can't breathe",
        "I don't want to bother anyone but my chest is killing me",
        "I'm not sure but I think I'm having a stroke",
        "I'm not joking I can barely breathe",
        # Pseudo-negation: "never ... like this" affirms.
        "I've never had chest pain like this before",
        "never had a headache this bad",
        # A later clause is not negated by an earlier one.
        "no fever but chest pain",
        "my arm doesn't hurt but my chest feels so tight",
        # "I don't think he is breathing" negates the breathing, which is the emergency.
        "I don't think he's breathing",
    ],
)
def test_negation_does_not_reach_across_clauses(said: str) -> None:
    assert find_red_flag(said) is not None


@pytest.mark.parametrize(
    "said",
    [
        "no chest pain just a cough",
        "I don't have any chest pain or trouble breathing",
        "my chest doesn't hurt",
        "he never passed out",
        "I'm not suicidal I just need a refill",
        "she's not bleeding much it's just a scrape",
        "the chest pain went away",
        "denies shortness of breath",
    ],
)
def test_negated_signs(said: str) -> None:
    assert find_red_flag(said) is None


@pytest.mark.parametrize(
    "said",
    [
        "I had a stroke last year and need a follow up",
        "my mom had a stroke two years ago",
        "my dad had a heart attack in 2019",
        "heart disease runs in my family, my grandfather died of a heart attack",
        "I had a seizure back in March and need my neurology follow up",
        "I passed out last month and want to get checked",
    ],
)
def test_history_is_not_an_emergency(said: str) -> None:
    assert find_red_flag(said) is None


@pytest.mark.parametrize(
    "said",
    [
        "what should I do if my son has a seizure",
        "what are the warning signs of a stroke",
        "if I ever get chest pain should I call you or 911",
        "I get short of breath when I climb stairs",
        "I'm worried about getting a heart attack one day",
    ],
)
def test_hypothetical_and_habitual_are_not_emergencies(said: str) -> None:
    assert find_red_flag(said) is None


@pytest.mark.parametrize(
    "said",
    [
        "I'm dying to know if you're open Saturday",
        "just killing time before my appointment",
        "I got charged twice for my emergency room follow up",
        "you nearly gave me a heart attack with that bill",
        "I need my blood pressure checked",
        "can I update my emergency contact",
        "this waiting is killing me",
        "I'm killing myself trying to get this appointment",
        "my phone is dying so I'll be quick",
        "I'd kill for a Saturday appointment",
        "I need a refill on my epipen",
        "my daughter needs her shots",
    ],
)
def test_idioms_and_admin_are_not_emergencies(said: str) -> None:
    assert find_red_flag(said) is None


def test_the_script_follows_the_category() -> None:
    crisis = find_red_flag("I want to kill myself")
    medical = find_red_flag("he's not breathing")
    both = find_red_flag("I took all my pills because I want to die")
    assert crisis is not None and crisis.script is Script.CRISIS
    assert medical is not None and medical.script is Script.MEDICAL
    # Both signs: one script, the medical one (the physical danger is immediate).
    assert both is not None and both.script is Script.MEDICAL
    assert {C.SUICIDAL, C.OVERDOSE} <= set(both.categories)


@pytest.mark.parametrize(
    "said",
    [
        # A wish about the end of everything, with or without permanence.
        "honestly I just want everything to stop for good",
        "I just want it to stop for good",
        "I want it all to be over",
        "I wish it would all just end",
        # The end of the self, under any frame.
        "I'm ready to be gone",
        "I can't wait to not exist",
        "I'd just like to go to sleep and never wake up",
        "sometimes I hope I don't wake up tomorrow",
        "I'm thinking about walking into the sea and not coming back",
        # Going on, under a negative frame.
        "I don't want to be on this earth anymore",
        "I'm not going to be around much longer",
        # States and a world without the caller.
        "I'm so tired of being alive",
        "there's no point in carrying on",
        "the kids would be better off without me",
        "everyone would be fine if I just wasn't around",
        # Two weak signs together.
        "I've been giving my things away and saying my goodbyes",
        # Found playing a caller by hand at slot choice.
        "honestly it doesn't matter, none of it matters, I'm not planning on being here next "
        "month anyway",
    ],
)
def test_ideation_is_read_compositionally(said: str) -> None:
    flag = find_red_flag(said)
    assert flag is not None and flag.script is Script.CRISIS, flag


@pytest.mark.parametrize(
    "said",
    [
        # The same frames about a complaint, an errand or an activity.
        "I want this pain to stop",
        "I want the ringing to stop",
        "my ears keep ringing and I want it to stop for good",
        "I just want everything to stop hurting",
        "I'm done with this insurance company",
        "I'm dying to know",
        "I want to quit smoking for good",
        "I'd like to end my care with this practice",
        "I want to end it with my current doctor",
        "I'm tired of living with this eczema",
        "I'm ready to go ahead and book",
        "I'll be gone next week on vacation",
        "I'm not going to be here next week, I'm on vacation",
        "it doesn't matter, any time is fine",
        "I want to say goodbye to Dr Patel before she retires",
        # Denials: a negated wish about the end of the self is not ideation.
        "I don't want to kill myself, I just feel low",
        "I don't want to die, I'm scared about my results",
        "I would never hurt myself",
    ],
)
def test_ideation_frames_about_other_things_are_routine(said: str) -> None:
    assert find_red_flag(said) is None


def test_the_lemma_table_is_the_same_in_every_run() -> None:
    """Class words whose plural is another class word ("kid", "kids") once made the lemma
    table depend on set order, so the same words were caught in one process and missed in
    another."""
    import os
    import subprocess
    import sys

    code = (
        "from orchestrator.safety._lexicon import LEMMAS;"
        "import hashlib;print(hashlib.sha1(repr(sorted(LEMMAS.items())).encode()).hexdigest())"
    )
    digests = {
        subprocess.run(
            [sys.executable, "-c", code],
            env={**os.environ, "PYTHONHASHSEED": str(seed)},
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for seed in (1, 2, 3, 4, 5)
    }
    assert len(digests) == 1


def test_empty_and_punctuation_only() -> None:
    detector = RedFlagDetector()
    assert detector.find("") is None
    assert detector.find(" ,,, ?! ") is None


@pytest.mark.parametrize(
    ("said", "emergency"),
    [
        # A bare past event is taken as just now; the same event named for an errand is not.
        ("my husband had a seizure", True),
        ("my husband had a seizure and I need his records faxed to the neurologist", False),
        ("my brother had a heart attack at 45 so I want my cholesterol checked", False),
        # A self-correction takes the sign back, an unsure "I don't know" does not.
        ("I have chest pain, sorry, no, I don't, I have heartburn", False),
        ("I can barely breathe, sorry, I don't, I don't know what to do", True),
        # A condition is not a sign.
        ("I feel like I'm going to die if I have to wait another week", False),
        ("I feel like I'm going to die", True),
        # Heartburn named beside a burning chest; crushing pain is not heartburn.
        ("I have heartburn and a burning feeling in my chest after spicy food", False),
        ("crushing pain in my chest and it's going down my arm", True),
        # Pills counted as a number, doses and times left alone.
        ("I took like twenty of my anxiety pills", True),
        ("I took 500 mg of tylenol for my headache", False),
        # "hurting herself" is ongoing self-harm; "hurt myself lifting boxes" an accident.
        ("she's hurting herself and won't stop", True),
        ("I hurt myself lifting boxes at work, my back is sore", False),
    ],
)
def test_context_beyond_negation(said: str, emergency: bool) -> None:
    assert (find_red_flag(said) is not None) is emergency


@pytest.mark.parametrize(
    "said",
    [
        "there's no point keeping my 10 am, the rash has gone",
        "no reason to keep the Friday booking, I'm better",
        "no point going to the physio sessions, they don't help my shoulder",
        "I sliced myself peeling potatoes, it's a small cut",
        "hurt myself doing squats, my knee clicks now",
        "I burned myself on the kettle this morning",
        "I tripped on the stairs and cut my lip",
        "I used to hurt myself as a teenager, I'm fine now, I need a smear test",
        "my grandad shot himself back in the fifties, it's for my family history form",
    ],
)
def test_errands_accidents_and_history_are_not_crisis(said: str) -> None:
    """A hopeless-sounding verb whose object is an errand or a clock time, an injury told as
    an accident, and a past or a relative's history: not crisis talk (rules and reader)."""
    assert find_red_flag(said) is None


@pytest.mark.parametrize(
    "said",
    [
        "there's no point keeping going, I'm so tired of it all",
        "I cut myself on purpose while I was cooking, I wanted to feel something",
        "I hurt myself at the gym deliberately, I punched the mirror till my hand bled",
        "I've sorted my affairs and you needn't see me again",
        "I've put my will where my son can find it, I won't be around much after Sunday",
        "I left my logins with my daughter for after I'm gone",
        "this is the last time anyone will hear from me",
        "I've been carrying my service weapon about, just so someone knows",
        "everybody's better off if I never come back from this walk",
        "my cousin texted that he's checking out of this life",
        "I'm finished fighting, I've made my peace with everyone",
        "I really don't want to keep existing like this",
    ],
)
def test_intent_farewells_and_arrangements_are_crisis_for_the_rules(said: str) -> None:
    """The rules alone (no learned reader): intent overrides an accident context; life put in
    order beside the end of needing care is a plan; a spoken farewell is one."""
    flag = RedFlagDetector().find(said)
    assert flag is not None and flag.script is Script.CRISIS, flag


@pytest.mark.parametrize(
    "said",
    [
        "I've made arrangements for my son to drive me, so keep my Monday slot",
        "I've written letters to the insurance company and I won't be needing their forms",
        "I won't be needing the nurse visits any more, the ulcer has healed",
        "I've given away my old wheelchair, I don't need it since the operation",
        "this is the last time I'll ring about my referral, promise",
        "my mum says everyone would be better off if I just got the flu jab",
        "I'm done fighting with the pharmacy about my refill",
        "I checked out the new clinic for good reviews before booking",
    ],
)
def test_arrangements_that_are_errands_are_routine(said: str) -> None:
    assert RedFlagDetector().find(said) is None


def test_living_with_a_complaint_is_not_ideation() -> None:
    assert RedFlagDetector().find("I don't want to keep living with these migraines") is None
