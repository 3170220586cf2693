"""Concept words for the red-flag rules: lemma classes, their inflections, and the rewrites and
idioms applied to the text before matching.

A class is named in rules as ``<NAME>`` (``_rules``). Classes hold *lemmas*; ``LEMMAS`` maps
every inflected form ("bleeding", "bled", "breathin") to its lemma so that one rule covers them
all. Lists are by concept (what a nurse listens for), with body-part variants and common
speech-to-text spellings ("chess pain", "can't brief").
"""

from __future__ import annotations

import re

from orchestrator.safety._text import NUMBER_WORDS, inflections


def _wordlist(text: str) -> list[str]:
    return text.split()


# Lemmas whose regular inflections (``_text.inflections``) map back to them. Left out on
# purpose: "take", "eat", "drink", "swallow" (their tense matters: "took too many" is an
# overdose, "I take too many pills" is not) and "choke" ("choking" is current).
_VERBS = _wordlist("""
ache bang bleed black breathe bump burn clench close collapse confuse constrict convulse
cough crack crush cut die disorient drop droop drown end explode faint feel fight flop gasp give
gush harm hurt inject jab jerk kill knock lift lose miscarry move numb overdose pass poison
pound pour press puke race radiate raise react respond sag seize shake slur smack soak spread
spurt squeeze squirt stab starve sting struggle sweat swell throb throw tighten
tingle turn use vomit wake wheeze wish want plan hang slit jump spit stop make talk speak
find keep start come look act repeat remember answer melt
""")
_NOUNS = _wordlist("""
pain ache arm leg hand foot finger face mouth lip tongue throat eye eyelid cheek side word
sentence pill tablet capsule bottle medication medicine med drug convulsion stroke fit
headache migraine breath wound vomit reaction sting hive symptom sign contraction clot diaper
rash spot vitamin gummy painkiller lung airway pupil ear nose nostril rib cramp attack wrist
""")
IRREGULAR = {
    # "everyone's better off": the contraction read as the pronoun it starts with.
    "everyones": "everyone", "everybodys": "everybody", "nobodys": "nobody",
    "bled": "bleed", "felt": "feel", "fell": "fall", "fallen": "fall",
    "falls": "fall", "falling": "fall", "lost": "lose", "woke": "wake", "woken": "wake",
    "swollen": "swell", "stung": "sting", "spat": "spit", "threw": "throw", "thrown": "throw",
    "gave": "give", "given": "give", "broke": "break", "broken": "break", "breaks": "break",
    "breaking": "break", "went": "go", "gone": "go", "goes": "go", "going": "go",
    "dying": "die", "died": "die", "dies": "die", "hung": "hang", "fought": "fight",
    "meds": "med", "hives": "hive", "shook": "shake", "shaken": "shake", "seized": "seize",
    "breathin": "breathe", "breath": "breath", "breathes": "breathe", "breathed": "breathe",
    "breathing": "breathe", "brief": "breathe", "breeze": "breathe", "breathe": "breathe",
    "chess": "chest", "chests": "chest", "overdosed": "overdose", "ods": "od", "oded": "od",
    "odd": "od", "slurry": "slur", "slurring": "slur", "slurred": "slur", "slurs": "slur",
    "tightness": "tight", "tighter": "tight", "squeezing": "squeeze", "pressing": "press",
    "numbness": "numb", "weakness": "weak", "heaviness": "heavy", "droopy": "droop",
    "saggy": "sag", "unconscious": "unconscious", "painful": "pain", "hurts": "hurt",
"hurting": "hurting", "achy": "ache", "aching": "ache", "bleeds": "bleed", "bloody": "bloody",
    "puking": "puke", "vomitting": "vomit", "throwing": "throw", "coughing": "cough",
    "gasping": "gasp", "wheezy": "wheeze", "convulsing": "convulse", "seizing": "seize",
    "confused": "confuse", "confusion": "confuse", "disoriented": "disorient",
    "pregnancy": "pregnant", "miscarriage": "miscarry", "miscarrying": "miscarry",
    "suicidal": "suicide", "suicides": "suicide", "anaphylactic": "anaphylaxis",
    "epi": "epipen", "epipens": "epipen", "swelling": "swell", "swelled": "swell",
    "killing": "kill", "killed": "kill", "kills": "kill", "ending": "end", "ended": "end",
    "harming": "harm", "harmed": "harm","cutting": "cutting", "cuts": "cut", "wanna": "want",
    "wants": "want", "wanted": "want", "wished": "wish", "wishing": "wish",
    # Speech-to-text spellings of "seizure"; the plural stays apart ("she has seizures" is a
    # condition, "she's having a seizure" an event).
    "doing": "do", "seizer": "seizure", "siezure": "seizure", "seisure": "seizure",
    "seazure": "seizure", "cramping": "cramp", "cramped": "cramp",
    "seizers": "seizures", "siezures": "seizures",
}  # fmt: skip


def _build_lemmas() -> dict[str, str]:
    table: dict[str, str] = {}
    for verb in _VERBS:
        for form in inflections(verb, "v"):
            table.setdefault(form, verb)
    for noun in _NOUNS:
        for form in inflections(noun, "n"):
            table.setdefault(form, noun)
    table.update(IRREGULAR)
    return table


LEMMAS = _build_lemmas()

CLASSES: dict[str, frozenset[str]] = {
    name: frozenset(LEMMAS.get(word, word) for word in words.split())
    for name, words in {
        "CHEST": "chest sternum breastbone",
        "PAIN": (
            "pain hurt hurting ache pressure tight tighten squeeze crush heavy burn stab sharp "
            "kill agony agonizing throb weight elephant clench constrict vise vice grip band fire "
            "discomfort press"
        ),
        "STRONG_PAIN": "pain pressure squeeze crush tight stab clench constrict",
        "LIMB": "arm leg hand foot side face fingers finger",
        "ARM_JAW": "arm shoulder jaw neck back",
        "NUMB": "numb weak limp dead paralyzed paralysed tingle heavy useless",
        "FACE": "face mouth smile lip eyelid cheek",
        "DROOP": (
            "droop drop sag lopsided crooked uneven slack hang hanging twisted slanted slant drool "
            "drooling dribble dribbling "
            "sideways melt melted"
        ),
        "SPEECH": "speech speak talk talking word sentence voice",
        "GARBLED": (
            "garbled jumbled jumble gibberish nonsense funny weird strange wrong mixed "
            "scrambled drunk thick slow slowed mushy muffled muddled odd"
        ),
        "DIFF": (
            "cant couldnt barely hardly unable trouble difficulty difficult hard struggle "
            "fight labored laboured problem problems"
        ),
        "BREATHE": "breathe breath",
        "BLUE": "blue purple gray grey dusky",
        "BLEED": "bleed blood",
        "BLEED_SEV": (
            "nonstop everywhere pour gush spurt squirt soak profuse profusely heavy heavily "
            "uncontrollably uncontrollable pool puddle badly much crazy"
        ),
        "VOMIT": "vomit puke cough spit throw",
        "AIRWAY_CORE": "tongue airway",
        "AIRWAY_SOFT": "throat lip face mouth eye eyelid",
        "SWELL": (
            "swell puff puffy puffed thick tight tighten close huge big fat enormous blowing "
            "balloon ballooning"
        ),
        "ALLERGEN": (
            "allergic allergy reaction sting bee wasp hornet yellowjacket peanut peanuts nut "
            "nuts shellfish shrimp penicillin amoxicillin epipen hive bug insect spider cashew "
            "cashews almond almonds walnut walnuts pecan pecans sesame lobster crab bitten bite"
        ),
        # Past forms only: "took too many" is an overdose, "I take too many pills" is not.
        "INGEST": "took taken swallowed swallow popped downed chugged gulped",
        "INGEST_ANY": (
            "took taken swallowed swallow popped downed chugged gulped ate eaten drank drunk "
            "ingested eating drinking swallowing chewed"
        ),
        # Household poisons: any tense will do ("my boy drink the cleaning liquid").
        "INGEST_CHEM": (
            "took taken swallowed swallow ate eaten drank drunk ingested eating drinking "
            "swallowing chewed drink eat sip sipped lick licked"
        ),
        "QTY": (
            "whole all entire bunch handful lot lots bottle dozen several many load loads heap "
            "ton tons stack pile fistful"
        ),
        "PILL": (
            "pill tablet capsule medication medicine med drug tylenol advil ibuprofen aspirin "
            "acetaminophen xanax valium ambien oxy oxycodone percocet vicodin hydrocodone "
            "fentanyl gummy vitamin painkiller antidepressant benadryl melatonin heroin "
            "cocaine edibles insulin sleeping prescription adderall lithium patch patches "
            "morphine methadone opioid opioids syrup nyquil dayquil robitussin paracetamol "
            "tramadol codeine gabapentin seroquel klonopin clonazepam sertraline prozac zoloft"
        ),
        "CHEM": (
            "bleach antifreeze cleaner detergent pod drano poison pesticide insecticide "
            "gasoline kerosene acetone ammonia lye mouthwash sanitizer battery batteries "
            "magnet magnets chemicals chemical paint thinner roundup cleaning windex lysol "
            "clorox pine sol lamp kerosene paraffin turpentine lighter remover"
        ),
        "REFLEXIVE": "myself himself herself themselves themself yourself",
        "SELF_HARM_VERB": "kill harm off",
        "SELF_HURT_VERB": "hurt cut burn starve hurting cutting burning starving",
        "INTENT": (
            "want plan think thinking going gonna might urge urges wish tempted considering "
            "about keep kept started start been will"
        ),
        "CHILD": (
            "baby infant newborn toddler son daughter kid child children boy girl grandson "
            "granddaughter niece nephew babys kids"
        ),
        "PREGNANT": "pregnant trimester",
        "HEAD": "head skull",
        "HEAD_HIT": "hit bang bump knock smack crack slam strike struck whack kick kicked",
        "HEAD_DANGER": (
            "vomit puke throw confuse disorient drowsy sleepy unconscious seizure dazed groggy "
            "slur muddle muddled foggy woozy"
        ),
    }.items()
}


def _add_plurals(lemmas: dict[str, str], classes: dict[str, frozenset[str]]) -> None:
    """Every class word's plural reads as the word ("antidepressants", "cashews")."""
    # Sorted, and a class word always reads as itself ("kids" is a word of CHILD as well as
    # the plural of "kid"): set order would otherwise make the table differ between runs.
    members = {word for words in classes.values() for word in words}
    for words in classes.values():
        for word in sorted(words):
            for form in sorted(inflections(word, "n")):
                if form in members and form != word:
                    continue
                lemmas.setdefault(form, word)


_add_plurals(LEMMAS, CLASSES)

# Before tokenising: ages become "newborn" (under three months), "baby" or "child" (under 18),
# so infant rules read one word; idioms become "_" so no rule sees them.
_AGE = re.compile(
    r"\b(\d+|" + "|".join(NUMBER_WORDS) + r"|\w+teen|twenty)( and a half)? ?"
    r"(day|days|week|weeks|wk|wks|month|months|mo|mos|year|years|yr|yrs) old\b"
)


def _age_word(match: re.Match[str]) -> str:
    said, unit = match.group(1), match.group(3)
    number = int(said) if said.isdecimal() else NUMBER_WORDS.get(said, 99)
    if unit.startswith(("day", "week", "wk")):
        return "newborn"
    if unit.startswith("mo"):
        return "newborn" if number <= 3 else "baby"
    return "child" if number <= 17 else "adult"


# "my baby is two weeks", "baby have only one month": an age without "old".
_BABY_AGE = re.compile(
    r"\b(baby|infant|babys)( is| has| have| turned| just)?( only| just)? "
    r"(\d+|" + "|".join(NUMBER_WORDS) + r") ?(day|days|week|weeks|month|months)\b"
    r"(?! ago| pregnant| along)"
)


def _baby_age(match: re.Match[str]) -> str:
    said, unit = match.group(4), match.group(5)
    number = int(said) if said.isdecimal() else NUMBER_WORDS.get(said, 99)
    young = not unit.startswith("month") or number <= 3
    return "newborn" if young else "baby"


# "she's 30 weeks", "I'm expecting": pregnancy said without the word.
_WEEKS_ALONG = re.compile(
    r"\b(im|i am|shes|she is|were|we are|is|am)( about| almost| nearly| only| like)? "
    r"(\d+|" + "|".join(NUMBER_WORDS) + r"|\w+teen|twenty|thirty|forty) (weeks|months)\b"
    r"(?! old| ago)"
)
_EXPECTING = re.compile(
    r"\b(im|i am|shes|she is|is|were|we are|am) expecting\b"
    r"(?! (a|an|the|you|him|her|it|that|some|my|your|to|someone|somebody|news|results)\b)"
)
# "my self" (speech-to-text) is "myself"; a little sister is a child.
_SELF = re.compile(r"\b(my|him|her|your|them) (self|selves)\b")
_LITTLE = re.compile(r"\b(little|baby|younger|kid) (sister|brother|cousin|one|boy|girl)\b")


# A count of pills said as a number ("took like twenty of my pills") reads as "many"; doses
# and times ("500 mg", "10 minutes") are left alone.
_MANY = re.compile(
    r"(?<![\d.])\b([5-9]|[1-9]\d|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty|"
    r"forty|fifty|hundred|dozen)\b(?! ?(mg|milligrams?|ml|mcg|units?|times?|minutes?|mins?|"
    r"hours?|hrs?|days?|weeks?|months?|years?|am|pm|oclock|percent|degrees?|pounds?|lbs?|kg))"
)


def rewrite_ages(text: str) -> str:
    """Ages, pregnancy and a few speech-to-text splits, as the rules read them."""
    text = _BABY_AGE.sub(_baby_age, _AGE.sub(_age_word, text))
    text = _WEEKS_ALONG.sub(lambda m: f"{m.group(1)} pregnant", text)
    text = _EXPECTING.sub(lambda m: f"{m.group(1)} pregnant", text)
    text = _SELF.sub(lambda m: m.group(1) + m.group(2), text)
    return _MANY.sub("many", _LITTLE.sub("child", text))


_IDIOMS = (
    r"dying (to|for)",
    r"(kill|killing|killed|kills) (some )?time",
    r"(kill|killing) (it|them)",
    r"(would|could|i?d) kill for",
    r"killing myself (laughing|at work|at the gym|working|trying|over|to get|with work)",
    r"(give|gave|gives|giving|nearly|almost|about to) (me |him |her |us |have |had |a )*"
    r"(a )?heart attack (when|at|over|seeing|looking|with|from)",
    r"(give|gave|gives|giving) (me|him|her|us) a heart attack",
    r"heart attack on a plate",
    r"(bored|scared|worried|sick|tickled|freezing|frozen|annoyed) to death",
    r"(die|died|dying) (of|from) (embarrassment|boredom|laughter|laughing|shame|curiosity)",
    r"(die|died|dying) laughing",
    r"(phone|battery|car|laptop|computer|tablet|charger|ipad) (is |was |just )?(dying|died|dead)",
    r"dead (tired|battery|line|end|serious|set|center|silence)",
    r"over my dead body",
    r"drop dead",
    r"(take|takes|took) my breath away",
    # A start at news: "my heart stopped when I saw the bill".
    r"(heart|breath) (just |nearly |almost |practically )?(stopped|skipped( a beat)?|sank|"
    r"dropped) (when|as|after|at|reading|seeing|looking)",
    # Drowning or choking in anything but water or food: paperwork, bills, forms.
    r"(drowning|drowned|drown) in (?!(the |a )?(water|pool|lake|river|bath|bathtub|tub|sea|"
    r"ocean|pond|creek|canal))",
    r"(choking|choke|choked) on (all )?(these|those|the|this|that|your|my)? ?(forms|paperwork|"
    r"bills|fees|prices|price|costs|cost|news|bill|questions|copays?)",
    r"breath of fresh air",
    r"(hold|holding|held) (my|our|your) breath",
    r"under my breath",
    r"waste of breath",
    r"stroke of (luck|genius|midnight)",
    r"(at|on) the stroke",
    r"(choked|choking|choke) (up|back|on (my|his|her|their|our) words)",
    r"(feel|feeling|felt) blue",
    r"out of the blue",
    r"blue (cross|shield)",
    r"(bleed|bleeding|bled) (me|us|them|you) dry",
    r"bleeding heart",
    r"blood (pressure|test|tests|work|draw|drawn|sugar|glucose|type|count|counts|donation|"
    r"donor|bank|drive|panel|thinner|thinners|level|levels|results|orange)",
    r"bloodwork",
    r"(bp|blood) cuff",
    r"food poisoning",
    r"poison (ivy|oak|sumac|control)",
    r"unconscious bias",
    r"(heart|head) (is )?(set|racing with ideas)",
    r"(sick|tired) of (waiting|this|it|hold|being on hold)",
    r"pain in the (neck|butt|ass|rear)",
    r"(website|portal|app|site|computer|system|page|link|email|line|phone) "
    r"(is |was )?(not|isnt|wasnt) (responding|working)",
    r"(wake|waking|woke) up (early|in time|at \d+|at (one|two|three|four|five|six|seven|eight|"
    r"nine|ten|eleven|twelve|noon|dawn)|before|for|on time|that early)",
    r"emergency (room|rooms|contact|contacts|appointment|appointments|visit|visits|department|"
    r"dept|fund|exit|line|number|kit|drill|plan|services|care|vet|dentist|dental|procedure|"
    r"doctor|physician|medicine|physicians|follow|bill|charge|copay|co pay|coverage)",
    r"\ber (visit|bill|follow|copay|doctor|trip|records)",
    r"(heat|hot) flash",
    r"(cpr|first aid|stroke awareness) (class|course|training)",
    r"losing my mind",
    r"(would|d|id) rather die than",
    r"(pass|passing|passed) out (from|of) (hunger|boredom|tiredness|exhaustion|laughing|"
    r"laughter|excitement)",
    r"(running|ran) out of breath (running|from running|after)",
    r"killer (headache|deal)",
    r"(it|that|this|traffic|wait|waiting|job|work|boss|noise) (is |was )?killing me",
    r"(my )?(husband|wife|mom|dad|boss|mother|father|kids?) (will|would|is going to|gonna) "
    r"kill me",
    r"(heart|chest) (doctor|specialist|checkup|check up|clinic|x ray|xray|scan|monitor|"
    r"surgeon|cold|congestion|infection|hair)",
    r"(inhaler|epipen|epi pen|seizure med\w*) (refill|prescription|renewal)",
)
IDIOMS = re.compile(r"\b(?:" + "|".join(_IDIOMS) + r")\b")


def mask_idioms(text: str) -> str:
    """Each idiom's words become ``_`` (one per word, so nothing around it moves)."""
    return IDIOMS.sub(lambda m: " ".join("_" for _ in m.group(0).split()), text)
