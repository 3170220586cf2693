"""The red-flag rules: for each category, word patterns over lemmas, by concept.

A pattern is a sequence of slots separated by spaces:

* ``<CHEST>`` - any lemma of a class in ``_lexicon.CLASSES``;
* ``word`` or ``a/b/c`` - these words (lemmas);
* a trailing ``?`` makes a slot optional;
* ``~N`` - up to N other words, never across a clause mark.

``Rule(category, pattern)`` fires when the pattern matches and the words it matched are
asserted now (``_context``: not negated, not history, not hypothetical, not habitual). A rule
may need another sign anywhere in the utterance (``also``: the sting that explains a swollen
lip, the pregnancy that makes bleeding an emergency), or be cancelled by one (``unless``).
``event=True`` marks nouns for something that happens once ("stroke", "seizure"): "had a
stroke" is then history unless said to be recent ("just had a seizure").
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum

from orchestrator.safety._lexicon import CLASSES, LEMMAS


class Category(StrEnum):
    """What kind of emergency; ``SUICIDAL`` is the one that gets the crisis script."""

    CARDIAC = "cardiac"
    STROKE = "stroke"
    BREATHING = "breathing"
    BLEEDING = "bleeding"
    ANAPHYLAXIS = "anaphylaxis"
    OVERDOSE = "overdose"
    SUICIDAL = "suicidal"
    SEIZURE = "seizure"
    UNRESPONSIVE = "unresponsive"
    PREGNANCY = "pregnancy"
    INFANT_CHILD = "infant_child"
    HEAD_INJURY = "head_injury"
    OTHER = "other"  # "call an ambulance", "I think I'm dying": no body system named


# Lazy: a match spans only the words between its slots, so a negation after it is not inside.
_GAP = r"(?:[^ |]+ ){{0,{n}}}?"


def _slot(text: str) -> str:
    words: list[str] = []
    for part in text.split("/"):
        if part.startswith("<"):
            words.extend(sorted(CLASSES[part.strip("<>")]))
        else:
            words.append(LEMMAS.get(part, part))  # patterns may name any form: "stopped"
    return "(?:" + "|".join(re.escape(w) for w in words) + ") "


def compile_pattern(pattern: str) -> re.Pattern[str]:
    """A pattern (see the module docstring) as a regex over ``" w1 w2 ... "``."""
    out = []
    for part in pattern.split():
        if part.startswith("~"):
            out.append(_GAP.format(n=int(part[1:])))
        elif part.endswith("?"):
            out.append(f"(?:{_slot(part[:-1])})?")
        else:
            out.append(_slot(part))
    return re.compile("(?<= )" + "".join(out))


def _anchors(pattern: str) -> frozenset[str]:
    """The words of the first required slot: a rule is only tried when one is present."""
    for part in pattern.split():
        if part.startswith("~") or part.endswith("?"):
            continue
        words: set[str] = set()
        for alt in part.split("/"):
            words |= CLASSES[alt.strip("<>")] if alt.startswith("<") else {LEMMAS.get(alt, alt)}
        return frozenset(words)
    raise ValueError(f"pattern {pattern!r} has no required slot")


@dataclass(frozen=True)
class Rule:
    category: Category
    pattern: str
    also: tuple[str, ...] = ()
    unless: tuple[str, ...] = ()
    event: bool = False
    habit: bool = True
    regex: re.Pattern[str] = field(init=False, repr=False, compare=False)
    anchors: frozenset[str] = field(init=False, repr=False, compare=False)
    also_regex: tuple[re.Pattern[str], ...] = field(init=False, repr=False, compare=False)
    unless_regex: tuple[re.Pattern[str], ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "regex", compile_pattern(self.pattern))
        object.__setattr__(self, "anchors", _anchors(self.pattern))
        object.__setattr__(self, "also_regex", tuple(compile_pattern(p) for p in self.also))
        object.__setattr__(self, "unless_regex", tuple(compile_pattern(p) for p in self.unless))


C = Category
_ALLERGY = (
    "<ALLERGEN>",
    "ate/eat ~3 peanut/nut/nuts/shrimp/shellfish/fish/egg",
    "after ~2 eat/eating/ate/having/taking/took",
    "new ~2 medicine/medication/antibiotic/pill/drug/prescription/shot/vaccine/injection",
    "had/got/after/since ~3 shot/vaccine/injection/jab/vaccination/infusion/dose",
)
_CHILD = ("<CHILD>",)
_PREG = ("<PREGNANT>", "expecting ~1 baby/twins", "weeks/months along")
_HEAD_HIT = (
    "<HEAD_HIT> ~2 head/skull/forehead",
    "head/skull ~1 injury/trauma/wound/fracture/injure",
    "fall ~4 head/stairs/ladder/roof/bunk/crib/bed/tree/counter/changing",
    "fall ~2 off/down/from",
    "concussion",
    "car/bike/bicycle/motorcycle accident/crash",
    "head ~3 <HEAD_HIT>",
    "head ~2 hit/bang/bump ~2 on",
)
_INJURY = (
    "break/broke/broken/fracture/sprain/sprained/cast/surgery/tendon/pinched/carpal",
    # Numb fingers in the cold are circulation, not a stroke.
    "in ~1 the ~1 cold",
    "raynaud/raynauds",
)

RULES: tuple[Rule, ...] = (
    # --- cardiac ------------------------------------------------------------------------
    # Heartburn named beside a burning chest is the stomach; any other chest pain is not.
    Rule(C.CARDIAC, "<CHEST> ~5 <PAIN>", unless=("heartburn/reflux/indigestion/gerd/acid",)),
    Rule(C.CARDIAC, "<PAIN> ~3 <CHEST>", unless=("heartburn/reflux/indigestion/gerd/acid",)),
    Rule(
        C.CARDIAC,
        "<PAIN> ~3 in/on/across/around/through ~4 <CHEST>",
        unless=("heartburn/reflux/indigestion/gerd/acid",),
    ),
    Rule(C.CARDIAC, "heart ~2 <STRONG_PAIN>"),
    Rule(C.CARDIAC, "heart/hard attack", event=True),
    Rule(C.CARDIAC, "heartattack", event=True),
    Rule(C.CARDIAC, "cardiac arrest", event=True),
    Rule(C.CARDIAC, "heart ~2 stop/stopped/stopping"),
    Rule(C.CARDIAC, "heart ~5 explode/burst"),
    Rule(C.CARDIAC, "clutch/clutching/grab/grabbing/hold/holding/clasp ~3 <CHEST>"),
    # A weight on the chest, as people describe it: "someone standing on my chest", "an
    # elephant sitting on me".
    Rule(C.CARDIAC, "sit/sitting/sat/stand/standing/stood/kneel/kneeling/parked ~2 on ~3 <CHEST>"),
    Rule(
        C.CARDIAC, "elephant/anvil/truck/ton/tons/bricks/boulder ~4 on/sit/sitting/stand/standing"
    ),
    Rule(
        C.CARDIAC,
        "vise/vice/band/belt/squeeze/crush/pressure/tight ~3 around/across/round ~2 "
        "rib/ribs/ribcage",
    ),
    # Pain that travels to the arm, jaw or neck, whatever it was called first.
    Rule(
        C.CARDIAC,
        "go/spread/shoot/radiate/travel/move ~1 down/into/up/to ~2 arm/jaw/neck",
        also=("<CHEST>/<STRONG_PAIN>/vise/vice/rib/ribs/heart",),
        unless=("elbow/wrist/finger/fingers/carpal/tennis/hand/back/sciatica/disc",),
    ),
    Rule(
        C.CARDIAC,
        "jaw ~3 <PAIN>/ache",
        also=("sick/nausea/nauseous/sweat/sweaty/clammy/<CHEST>/breath/dizzy/faint/left/vomit",),
        unless=("tooth/teeth/dentist/dental/wisdom/tmj/grind/grinding/filling/braces",),
    ),
    Rule(C.CARDIAC, "clutch/clutching/grab/grabbing/hold/holding ~2 left ~1 side/arm"),
    Rule(
        C.CARDIAC,
        "sweat/sweaty/sweating/clammy/grey/gray/pale",
        also=("<CHEST> ~3 <PAIN>/fire/burn/heavy", "<PAIN> ~3 <CHEST>"),
    ),
    Rule(C.CARDIAC, "having ~2 cardiac/heart ~1 event/episode/emergency"),
    Rule(
        C.CARDIAC,
        "nitro/nitroglycerin/nitrospray ~3 not/isnt/didnt/doesnt/wont ~2 help/helping/work/"
        "working/do",
    ),
    Rule(C.CARDIAC, "left ~1 arm/shoulder/jaw ~3 <PAIN>/<NUMB>/tingling"),
    Rule(C.CARDIAC, "<PAIN>/<NUMB>/tingling ~4 left ~1 arm/shoulder/jaw"),
    Rule(C.CARDIAC, "pain/<PAIN> ~3 spread/radiate/go/shoot/move ~3 arm/jaw/shoulder/neck"),
    Rule(
        C.CARDIAC,
        "heart ~3 race/pound/flutter/beat",
        also=(
            "pass/black out",
            "faint",
            "dizzy/lightheaded/lighthead",
            "<DIFF> ~2 <BREATHE>",
            "<CHEST>",
        ),
    ),
    # --- stroke (FAST) ------------------------------------------------------------------
    Rule(C.STROKE, "stroke/tia", event=True, unless=("heat/sun ~1 stroke",)),
    Rule(C.STROKE, "mini stroke", event=True),
    Rule(C.STROKE, "<FACE> ~3 <DROOP>"),
    Rule(C.STROKE, "<DROOP> ~3 <FACE>"),
    Rule(C.STROKE, "<FACE> ~3 fall/go ~1 down/to"),
    Rule(C.STROKE, "one side ~1 of? ~2 face/body/mouth ~4 <NUMB>/<DROOP>/numb/fall/down"),
    Rule(C.STROKE, "<NUMB>/<DROOP>/numb ~4 one side"),
    Rule(C.STROKE, "half ~1 my/his/her/the? ~1 face/body/mouth ~4 <NUMB>/<DROOP>/numb/off"),
    Rule(C.STROKE, "<NUMB>/<DROOP> ~3 half ~2 face/body"),
    Rule(C.STROKE, "slur"),
    Rule(C.STROKE, "<SPEECH> ~5 <GARBLED>", unless=("<CHILD> ~3 talk",)),
    Rule(C.STROKE, "lose/losing/lost ~2 word/words/speech"),
    Rule(C.STROKE, "sudden/suddenly ~4 confuse/understand/confusion"),
    Rule(
        C.STROKE,
        "<FACE> ~2 go/went/look/looks/feel/feels ~1 weird/funny/strange/wrong/off",
        also=("side/sudden/suddenly/arm/speech/talk",),
    ),
    Rule(C.STROKE, "arm/arms ~2 drop/drift/droop/fall", unless=_INJURY),
    Rule(
        C.STROKE,
        "<FACE> ~3 numb/tingle",
        unless=("dentist/dental/novocaine/filling/tooth/teeth/injection/botox/cold",),
    ),
    Rule(
        C.STROKE,
        "cant/couldnt ~1 see ~1 properly/right/clearly/straight/anything",
        unless=("glasses/contacts/contact/reading/screen/far/distance",),
    ),
    Rule(C.STROKE, "<SPEECH> ~3 not/stop/stopped ~2 make ~1 sense"),
    Rule(C.STROKE, "cant/couldnt/hardly/barely ~1 get ~2 word/words ~1 out"),
    Rule(C.STROKE, "cant/couldnt ~1 find ~2 word/words"),
    Rule(C.STROKE, "cant/couldnt ~1 talk/speak ~1 properly/right/clearly/straight/anymore"),
    Rule(C.STROKE, "sudden/suddenly ~3 cant/couldnt ~1 talk/speak/see"),
    Rule(
        C.STROKE,
        "cant/couldnt/unable/barely/hardly ~1 feel/move/lift/raise/use/grip ~3 <LIMB>",
        unless=_INJURY,
    ),
    Rule(C.STROKE, "<LIMB> ~3 go/gone/went ~1 numb/dead/limp/weak", unless=_INJURY),
    Rule(C.STROKE, "<LIMB> ~3 dangle/dangling/limp/floppy/flop", unless=_INJURY),
    Rule(
        C.STROKE,
        "cant/couldnt ~1 lift/move/raise/feel ~1 it/them",
        unless=_INJURY,
        also=("arm/leg/hand/side/foot",),
    ),
    Rule(
        C.STROKE,
        "<LIMB>/body ~3 not/isnt/stopped/wont/doesnt/cant ~1 work/working/move/moving/grip/"
        "hold/obey/listen/cooperate/respond/do",
        unless=_INJURY,
    ),
    Rule(
        C.STROKE,
        "keep/keeps/kept ~1 drop/dropping ~2 things/stuff/everything/cup/cups",
        also=("<SPEECH>/sudden/suddenly/face/side/arm/hand",),
        unless=_INJURY,
    ),
    Rule(C.STROKE, "sudden/suddenly ~4 <NUMB>", unless=_INJURY),
    Rule(C.STROKE, "<NUMB> ~3 sudden/suddenly", unless=_INJURY),
    Rule(C.STROKE, "left/right side ~3 <NUMB>", unless=_INJURY),
    Rule(C.STROKE, "cant/couldnt ~1 see ~2 out ~1 of ~2 eye"),
    Rule(C.STROKE, "lose/lost ~2 vision/sight"),
    Rule(C.STROKE, "go/gone/went blind"),
    Rule(C.STROKE, "sudden/suddenly ~3 blind/vision/double"),
    Rule(C.STROKE, "worst ~3 headache/migraine/pain"),
    Rule(C.STROKE, "headache/migraine ~3 worst"),
    Rule(C.STROKE, "thunderclap"),
    Rule(C.STROKE, "headache/migraine ~4 like ~2 explode/explosion/bomb/hit/thunder/lightning"),
    Rule(C.STROKE, "sudden/suddenly ~4 severe/terrible/horrible/excruciating ~2 headache"),
    Rule(C.STROKE, "headache/migraine ~6 out ~1 of ~1 nowhere"),
    Rule(C.STROKE, "never ~4 headache/migraine ~3 this/so/like"),
    Rule(C.STROKE, "headache/migraine ~3 never"),
    # --- breathing ----------------------------------------------------------------------
    Rule(C.BREATHING, "<DIFF> ~2 <BREATHE>", unless=("through ~1 nose", "stuffy/congest")),
    Rule(C.BREATHING, "<BREATHE> ~2 be? ~1 hard/difficult/labored/laboured/shallow"),
    Rule(C.BREATHING, "<DIFF> ~3 get/catch/getting/take ~2 air/breath/oxygen/wind"),
    # Air fought for, however it is put: "struggling for air", "sucking at the air",
    # "every breath is a fight", "like breathing through a straw", "nothing's going in".
    Rule(
        C.BREATHING,
        "<DIFF>/suck/sucking/gulp/gulping/gasp/grab/grabbing/fight/fighting/hungry ~2 for/at ~2 "
        "air/breath/oxygen",
    ),
    Rule(C.BREATHING, "<BREATHE> ~3 fight/struggle/effort/battle/chore/work"),
    # Speech broken by breath: "I can only say a couple of words before I need to breathe".
    Rule(C.BREATHING, "word/words/sentence ~5 before/between/without ~4 <BREATHE>"),
    Rule(C.BREATHING, "<BREATHE>/air ~5 straw"),
    Rule(
        C.BREATHING,
        "nothing/nothings/no ~1 air? ~1 go/get/come/getting/coming ~1 in/through",
        also=("air/<BREATHE>/lung/lungs/suck/sucking/gasp",),
    ),
    Rule(
        C.BREATHING,
        "out ~1 of ~1 breath/puff ~4 sit/sitting/rest/resting/still/talk/talking/lie/lying",
    ),
    Rule(
        C.BREATHING,
        "pant/panting/puff/puffing ~5 sit/sitting/rest/resting/still/talk/talking/lie/lying",
    ),
    Rule(C.BREATHING, "hard/dreadful/terrible/awful/tough/rough/horrible time ~3 <BREATHE>/air"),
    Rule(C.BREATHING, "not/isnt/wasnt/arent/stop/quit ~1 <BREATHE>"),
    Rule(C.BREATHING, "no longer ~1 <BREATHE>"),
    Rule(C.BREATHING, "dont/doesnt ~1 think/seem ~3 <BREATHE>"),
    Rule(C.BREATHING, "short/shortness ~1 of ~1 breath"),
    Rule(C.BREATHING, "gasp", unless=("saw/see/bill/price/news/heard",)),
    Rule(C.BREATHING, "suffocate/suffocating"),
    Rule(C.BREATHING, "choking"),
    Rule(C.BREATHING, "choked/choke ~1 on", also=("cant", "<DIFF>", "blue", "<CHILD>")),
    Rule(C.BREATHING, "turn/turning/go ~1 blue/purple/gray/grey"),
    Rule(C.BREATHING, "lip/lips/face/skin/finger/fingers/fingernails/nail ~3 <BLUE>"),
    Rule(C.BREATHING, "<BLUE> ~2 lip/lips/face/skin"),
    Rule(
        C.BREATHING,
        "inhaler/nebulizer/puffer/neb ~3 not/isnt/doesnt/wont/aint/didnt ~2 work/help/do",
    ),
    Rule(C.BREATHING, "inhaler/nebulizer/puffer/neb ~3 nothing/useless"),
    Rule(C.BREATHING, "asthma attack", event=True),
    Rule(C.BREATHING, "wheeze ~3 bad/badly/severe/really/lot/cant", unless=("<ALLERGEN>",)),
    Rule(C.BREATHING, "lung/lungs ~3 <STRONG_PAIN>/close/closing"),
    Rule(C.BREATHING, "drown/drowning/drowned"),
    Rule(C.BREATHING, "breathe ~3 fast/rapid/rapidly/weird/funny/noisy/strange", also=_CHILD),
    Rule(C.BREATHING, "rib/ribs ~3 suck/sucking/pull/pulling", also=_CHILD),
    Rule(C.BREATHING, "grunt/grunting", also=_CHILD),
    # --- bleeding -----------------------------------------------------------------------
    Rule(C.BLEEDING, "<BLEED> ~4 <BLEED_SEV>", unless=("gum/gums/nose ~4 brush/floss",)),
    Rule(C.BLEEDING, "<BLEED_SEV> ~3 <BLEED>"),
    Rule(C.BLEEDING, "<BLEED> ~6 wont/cant/doesnt/isnt/not/wouldnt ~1 stop/stopping/quit"),
    Rule(
        C.BLEEDING,
        "cut/cutting/gash/slice/sliced/slash/slashed/wound/stab ~8 gush/pour/spurt/squirt/"
        "everywhere/soak/pool",
    ),
    Rule(C.BLEEDING, "wont/cant/doesnt/couldnt ~1 stop ~2 <BLEED>"),
    Rule(C.BLEEDING, "<BLEED> ~2 a? lot"),
    Rule(C.BLEEDING, "lot/lots ~1 of ~1 <BLEED>"),
    Rule(C.BLEEDING, "so/too much ~1 <BLEED>"),
    Rule(C.BLEEDING, "<BLEED> ~3 all over"),
    Rule(C.BLEEDING, "<BLEED> ~4 through ~3 towel/towels/bandage/shirt/gauze/pad/pads"),
    Rule(C.BLEEDING, "lose/losing ~2 <BLEED>"),
    Rule(C.BLEEDING, "<VOMIT> ~2 up? ~2 <BLEED>"),
    Rule(C.BLEEDING, "<BLEED> ~3 in ~2 vomit/puke/spit/phlegm/mucus/sputum"),
    Rule(C.BLEEDING, "<VOMIT> ~5 coffee ~1 ground/grounds"),
    Rule(C.BLEEDING, "<BLEED> ~3 from/out ~3 ear/ears"),
    Rule(C.BLEEDING, "been/was/got/get/be/is/be ~1 stab"),
    Rule(C.BLEEDING, "stab ~1 wound/him/her/me/them/himself/herself"),
    Rule(C.BLEEDING, "gunshot/gunshots"),
    Rule(
        C.BLEEDING,
        "been/was/got/get/be shot",
        unless=("flu/vaccine/covid/booster/allergy/pharmacy/tetanus/vaccination/shots",),
    ),
    Rule(C.BLEEDING, "cut/chop/sliced ~3 off", also=("finger/thumb/toe/hand/fingertip",)),
    Rule(C.BLEEDING, "sever/severed/amputate/amputated/impaled/artery"),
    Rule(C.BLEEDING, "deep ~2 cut/gash/wound/laceration", also=("<BLEED>",)),
    Rule(C.BLEEDING, "hemorrhage/hemorrhaging/haemorrhage"),
    Rule(
        C.BLEEDING,
        "it/its/blood ~1 be? ~1 spray/spraying/spurt/pump/pumping/gush/gushing/pour/pouring",
        also=("cut/sliced/slice/gash/wound/knife/stab/<BLEED>/glass/saw/chainsaw/artery",),
    ),
    Rule(C.BLEEDING, "<BLEED> ~7 fast/quick/quickly/rapidly/pumping/spraying"),
    Rule(C.BLEEDING, "nosebleed/nosebleeds ~8 hour/hours"),
    Rule(C.BLEEDING, "nosebleed/nosebleeds/<BLEED>/drip/dripping/run/running ~2 down ~3 throat"),
    Rule(
        C.BLEEDING,
        "black/tarry/maroon ~3 poop/poo/stool/stools/bowel/bm/diarrhea",
        also=("tarry/tar/dizzy/faint/lightheaded/weak/<BLEED>",),
        unless=("iron/pepto/bismuth/blueberries/licorice/supplement",),
    ),
    Rule(
        C.BLEEDING,
        "poop/poo/stool/stools/bowel/bm ~3 black/tarry/maroon",
        also=("tarry/tar/dizzy/faint/lightheaded/weak/<BLEED>",),
        unless=("iron/pepto/bismuth/blueberries/licorice/supplement",),
    ),
    # --- anaphylaxis --------------------------------------------------------------------
    Rule(C.ANAPHYLAXIS, "anaphylaxis/anaphylactic/anafilactic/anaphylaxic"),
    Rule(C.ANAPHYLAXIS, "allergic ~1 shock"),
    Rule(C.ANAPHYLAXIS, "<AIRWAY_CORE> ~3 <SWELL>"),
    Rule(C.ANAPHYLAXIS, "<SWELL> ~3 <AIRWAY_CORE>"),
    Rule(C.ANAPHYLAXIS, "throat ~3 close/closing/closed"),
    Rule(
        C.ANAPHYLAXIS,
        "throat/airway ~5 shrink/shrinking/shrunk/narrow/narrowing",
        also=_ALLERGY,
    ),
    Rule(C.ANAPHYLAXIS, "throat/lip/lips/face/mouth/eye/eyes/tongue ~3 <SWELL>", also=_ALLERGY),
    Rule(C.ANAPHYLAXIS, "<SWELL> ~3 throat/lip/lips/face/mouth/eye/eyes", also=_ALLERGY),
    Rule(C.ANAPHYLAXIS, "wheeze", also=_ALLERGY),
    Rule(C.ANAPHYLAXIS, "hoarse/raspy/hoarseness", also=_ALLERGY),
    Rule(C.ANAPHYLAXIS, "voice ~3 change/changed/funny/weird/strange/different", also=_ALLERGY),
    Rule(C.ANAPHYLAXIS, "<DIFF> ~2 swallow/swallowing/talk/talking", also=_ALLERGY),
    Rule(C.ANAPHYLAXIS, "hive ~4 all over", also=("dizzy/faint/lightheaded/<DIFF>/wheeze",)),
    Rule(
        C.ANAPHYLAXIS,
        "use/used/give/gave/inject/jab/stab/had ~3 epipen",
        unless=("refill/prescription/script/renew/new/expire/expired/order",),
    ),
    Rule(C.ANAPHYLAXIS, "severe/bad/serious/major ~2 allergic ~1 reaction"),
    # --- overdose / poisoning -----------------------------------------------------------
    # "I've been researching ways to overdose": a method looked up, not one taken (ideation).
    Rule(C.OVERDOSE, "overdose/od", event=True, unless=("ways/way/how ~1 to overdose/od",)),
    Rule(C.OVERDOSE, "over ~1 dose/dosed"),
    Rule(
        C.OVERDOSE,
        "narcan/naloxone",
        unless=("prescription/refill/script/kit/training/carry/pharmacy",),
    ),
    Rule(C.OVERDOSE, "<INGEST> ~3 too ~1 many/much"),
    Rule(C.OVERDOSE, "<INGEST_ANY> ~4 <QTY> ~4 <PILL>"),
    Rule(C.OVERDOSE, "<INGEST> ~3 whole/entire/half ~1 bottle/pack/box/package"),
    Rule(C.OVERDOSE, "<INGEST> ~2 all ~2 <PILL>"),
    Rule(C.OVERDOSE, "<INGEST_CHEM> ~5 <CHEM>"),
    Rule(C.OVERDOSE, "<CHEM> ~8 drank/ate/swallowed/drink/eat ~1 some/it/any/from"),
    Rule(C.OVERDOSE, "empty ~3 bottle/pack/box", also=("<PILL>",)),
    Rule(C.OVERDOSE, "bottle ~2 empty", also=("<INGEST_ANY>/take",)),
    Rule(C.OVERDOSE, "how ~1 many/much ~3 took/taken/swallowed/ate/drank"),
    Rule(
        C.OVERDOSE,
        "took/taken/swallowed/popped ~2 all/every/whole ~2 of? ~1 them/one/lot",
        also=("<PILL>",),
    ),
    # Someone who took a drug and cannot be roused: poisoning whatever the amount.
    Rule(
        C.OVERDOSE,
        "took/taken/swallowed/used/ate/popped ~4 <PILL>",
        also=(
            "sleepy/drowsy/woozy/unresponsive/blue/confuse/slur/limp/pinpoint/groggy",
            "wont ~1 wake",
        ),
    ),
    Rule(
        C.OVERDOSE,
        "<PILL>/<CHEM> ~6 ate/swallowed/took/drank/eaten ~1 some/them/it/one/a/any",
        also=_CHILD,
    ),
    # Pills with alcohol on top: a dangerous mix, whatever the count.
    Rule(
        C.OVERDOSE,
        "took/taken/swallowed/popped/mixed ~3 <PILL>",
        also=("alcohol/vodka/wine/beer/whiskey/drunk/booze/liquor/tequila/rum",),
    ),
    # Doses taken twice over, with the caller feeling it: poisoning, not a dosing question.
    Rule(
        C.OVERDOSE,
        "took/taken/swallowed ~4 <PILL> ~4 twice/again/double/triple/extra/times",
        also=("feel/dizzy/strange/peculiar/sick/weird/funny/faint/drowsy/confuse",),
    ),
    Rule(
        C.OVERDOSE,
        "double/triple/extra ~1 dose/doses/dosed",
        also=("feel/dizzy/strange/peculiar/sick/weird/funny/faint/drowsy/confuse",),
    ),
    Rule(
        C.OVERDOSE,
        "mix/mixed/muddle/muddled ~1 up? ~2 <PILL>",
        also=("feel/dizzy/strange/peculiar/sick/weird/funny/faint/drowsy/confuse",),
    ),
    Rule(C.OVERDOSE, "<INGEST_ANY> ~5 <PILL>", also=_CHILD),
    Rule(
        C.OVERDOSE,
        "<INGEST_ANY> ~4 someone/somebody/grandma/grandpa/mom/dad ~1 <PILL>",
        also=_CHILD,
    ),
    Rule(C.OVERDOSE, "got ~1 into ~3 <PILL>/<CHEM>/cabinet/cupboard"),
    Rule(C.OVERDOSE, "poison/poisoned/poisoning"),
    Rule(C.OVERDOSE, "<INGEST> ~4 day/days/week/weeks/month/months/bottles ~1 worth"),
    Rule(C.OVERDOSE, "<INGEST> ~6 all/whole ~3 at ~1 once", also=("<PILL>/worth/dose/doses",)),
    # Drugged without knowing: "someone slipped something in my drink".
    Rule(
        C.OVERDOSE,
        "slip/slipped/put/spike/spiked ~3 something/anything/stuff/drug/drugs ~3 in/into ~3 "
        "drink/drinks/coffee/glass/food",
    ),
    Rule(C.OVERDOSE, "drugged/roofied"),
    Rule(C.OVERDOSE, "drink/drinks ~2 be? ~1 spiked/drugged"),
    Rule(
        C.OVERDOSE,
        "carbon monoxide",
        also=("alarm/detector/dizzy/headache/headaches/nausea/sick/faint/sleepy/confuse",),
    ),
    # --- suicidal or self-harm (the crisis script) -------------------------------------
    Rule(C.SUICIDAL, "suicide/suicidal", habit=False),
    Rule(C.SUICIDAL, "<SELF_HARM_VERB> ~2 <REFLEXIVE>", habit=False),
    Rule(C.SUICIDAL, "<INTENT> ~3 <SELF_HURT_VERB> ~1 <REFLEXIVE>", habit=False),
    Rule(C.SUICIDAL, "self ~1 harm/harming/injury/injure", habit=False),
    Rule(
        C.SUICIDAL, "end/finish/take/taking/took ~2 my/his/her/their/own ~1 life/lives", habit=False
    ),
    Rule(C.SUICIDAL, "end ~1 it ~1 all", habit=False),
    Rule(
        C.SUICIDAL,
        "end/ending ~1 it/things/everything",
        unless=("end/ending ~1 it/things ~1 with",),
        also=("think/thinking/want/plan/going/gonna/ready/ways/way/how/about/tonight/done/today",),
        habit=False,
    ),
    Rule(C.SUICIDAL, "want/wish/ready/rather/deserve ~3 die/dead", habit=False),
    Rule(C.SUICIDAL, "better ~1 off ~1 dead/without", habit=False),
    Rule(
        C.SUICIDAL,
        "dont/doesnt/didnt ~2 want ~1 to? ~1 live/living/exist/alive",
        habit=False,
        unless=(
            "live/living ~1 with/in/alone/near/there/here/like ~1 this? ~1 pain/back/"
            "knee/place/apartment/city/town/house",
            # "keep living with these migraines": a condition or a household, not life
            "keep ~1 live/living ~1 with/on",
        ),
    ),
    Rule(
        C.SUICIDAL,
        "reason/point ~3 keep ~1 live/living/go/going",
        habit=False,
        also=("no/dont/cant/any/whats/what/nothing",),
    ),
    Rule(C.SUICIDAL, "life/living ~2 not/isnt/aint/wasnt ~1 worth", habit=False),
    Rule(
        C.SUICIDAL,
        "not ~1 worth ~1 live/living/it/being ~1 alive?",
        habit=False,
        also=("life/anymore/alive/live/living",),
    ),
    Rule(C.SUICIDAL, "<PILL> ~3 saved/stockpiled/hoarding/stashed/collecting", habit=False),
    Rule(
        C.SUICIDAL,
        "stockpile/stockpiling/stockpiled/hoard/hoarding/stash/stashing ~3 <PILL>",
        habit=False,
    ),
    # "collecting my pills" is also picking them up; saving them over time is not.
    Rule(
        C.SUICIDAL,
        "collect/collecting/save/saving ~3 <PILL> ~3 for/up ~2 while/weeks/months/ages",
        habit=False,
    ),
    Rule(
        C.SUICIDAL,
        "going/gonna/plan/planning ~2 take ~2 them/all ~1 all?",
        habit=False,
        also=("<PILL>",),
    ),
    Rule(
        C.SUICIDAL,
        "write/wrote/written/writing ~2 note/letter",
        habit=False,
        also=("goodbye/suicide/end/ending",),
    ),
    Rule(
        C.SUICIDAL,
        "dont/doesnt ~2 want ~1 to? ~1 be ~1 here/around/alive ~2 anymore/more",
        habit=False,
    ),
    Rule(C.SUICIDAL, "dont/doesnt ~2 want ~1 to? ~1 be ~1 alive", habit=False),
    Rule(C.SUICIDAL, "dont/doesnt ~2 want ~2 wake ~1 up", habit=False),
    Rule(
        C.SUICIDAL,
        "not/never ~1 wake ~1 up",
        also=("wish/want/hope/hoping/pray/praying/go/rather/prefer",),
        habit=False,
    ),
    Rule(C.SUICIDAL, "cut/cutting ~1 again", habit=False),
    Rule(C.SUICIDAL, "cut/cutting/go ~3 deeper", habit=False),
    # "I burned myself on the curling iron", "cut myself shaving": a household accident,
    # unless said to be meant (``_scope.accidental``, applied to every crisis match).
    Rule(C.SUICIDAL, "hurting/cutting/burning/starving/harming ~1 <REFLEXIVE>", habit=False),
    # Injury said to be meant: "cut myself on purpose", "hurt myself deliberately".
    Rule(
        C.SUICIDAL,
        "<SELF_HURT_VERB>/harm/hit/punch/scratch/bash ~1 <REFLEXIVE> ~3 "
        "purpose/deliberately/intentionally/purposely",
        habit=False,
    ),
    Rule(
        C.SUICIDAL,
        "think/thinking/thought ~3 about/of ~1 die/death/suicide",
        habit=False,
        unless=("cancer/disease/illness/surgery/flying/plane/operation",),
    ),
    Rule(C.SUICIDAL, "dont/doesnt ~1 feel ~1 like ~1 live/living/alive/be ~1 alive?", habit=False),
    Rule(
        C.SUICIDAL, "no ~2 reason/point ~2 to? ~1 live/living/go/going/keep/be/exist", habit=False
    ),
    Rule(
        C.SUICIDAL,
        "point ~2 in? ~1 live/living/going/anything/anymore",
        also=("what/no/whats/nothing/dont",),
        habit=False,
    ),
    Rule(C.SUICIDAL, "cant/couldnt ~1 go ~1 on/living", habit=False),
    Rule(
        C.SUICIDAL,
        "tired/sick/done ~1 of/with ~1 live/living/life/be ~1 alive?",
        habit=False,
        unless=("live/living ~1 with/in/like/on",),
    ),
    Rule(
        C.SUICIDAL,
        "wish ~2 i/he/she ~1 be/was/were/wasnt/werent ~2 dead/born/gone/here",
        habit=False,
    ),
    Rule(C.SUICIDAL, "nobody/noone/one/anyone ~2 miss ~1 me", habit=False),
    Rule(
        C.SUICIDAL,
        "dont/doesnt ~1 feel ~1 like ~4 alive/living/live/exist ~1 anymore?",
        habit=False,
    ),
    Rule(
        C.SUICIDAL,
        "jump/step/walk/throw ~3 in ~1 front ~1 of ~2 train/bus/car/truck/traffic",
        habit=False,
    ),
    Rule(C.SUICIDAL, "gun/rope/noose/razor/blade", also=("<REFLEXIVE>",), habit=False),
    Rule(
        C.SUICIDAL,
        "easier/better ~3 if ~3 wasnt/werent/was/were/not ~1 here/around/alive/gone",
        habit=False,
    ),
    Rule(C.SUICIDAL, "easier/better ~3 if ~3 gone/dead/disappeared", habit=False),
    # "everyone would be better off if I got the shot": better off for something the caller
    # does, not for the caller's absence.
    Rule(
        C.SUICIDAL,
        "everyone/everybody/family/kids/world ~3 better ~1 off",
        habit=False,
        unless=(
            # "if I got the shot", "if I just booked": something done; "if I don't come
            # home" is an absence, so no negation may stand between.
            "off ~1 if ~2 i/we/you just/finally/only/also/actually? "
            "get/got/had/have/did/do/took/take/came/come/book/booked"
            "/start/started/quit/stopped/switch/switched/tried/try/saw/see/went",
        ),
    ),
    Rule(C.SUICIDAL, "hang/hung ~1 <REFLEXIVE>", habit=False),
    # Looking up a method: "researching ways to overdose", "googled how to die painlessly".
    Rule(
        C.SUICIDAL,
        "ways/way/how ~1 to overdose/od/die",
        habit=False,
        also=(
            "research/researching/researched/look/looking/looked/search/searching/searched"
            "/google/googled/googling/read/reading/figure/figuring/figured/find/found",
        ),
    ),
    Rule(C.SUICIDAL, "slit ~2 wrist/wrists/throat", habit=False),
    Rule(C.SUICIDAL, "jump ~2 off/from ~2 bridge/building/roof/cliff/ledge/balcony", habit=False),
    Rule(
        C.SUICIDAL,
        "want/going/gonna/about/ready ~2 jump",
        habit=False,
        also=("bridge/building/roof/cliff/ledge/balcony/tracks",),
    ),
    Rule(C.SUICIDAL, "shoot ~1 <REFLEXIVE>", habit=False),
    Rule(C.SUICIDAL, "want/wish ~4 all ~1 to ~1 end/stop/be ~1 over?", habit=False),
    Rule(C.SUICIDAL, "give ~1 up ~1 on ~1 life/living/everything", habit=False),
    Rule(C.SUICIDAL, "not ~1 want ~1 to? ~1 live/exist", habit=False),
    Rule(C.SUICIDAL, "thoughts ~2 of ~2 die/death/dying", habit=False),
    Rule(C.SUICIDAL, "wont ~1 be ~1 here/around ~2 much ~1 longer/tomorrow", habit=False),
    # Death said by a euphemism beside intent: "I'll be six feet under soon, I've made sure".
    Rule(
        C.SUICIDAL,
        "be ~1 six ~1 feet ~1 under",
        also=("sure/way/decide/decided/plan/planned/planning/seen/myself/tonight/choice/mind",),
        habit=False,
    ),
    Rule(
        C.SUICIDAL,
        "be ~1 pushing ~1 up ~1 daisies",
        also=("sure/way/decide/decided/plan/planned/planning/seen/myself/tonight/choice/mind",),
        habit=False,
    ),
    # "checking out for good", "checking out of this life": leaving, said of living.
    Rule(C.SUICIDAL, "checking/check ~1 out ~2 for ~1 good/permanently", habit=False),
    Rule(C.SUICIDAL, "checking/check ~1 out ~1 of ~1 this? ~1 life/world/existence", habit=False),
    Rule(
        C.SUICIDAL,
        "dont/doesnt ~2 want ~1 to? ~1 keep ~1 breathe/breathing/living/live/existing/exist",
        habit=False,
        unless=("live/living/exist/existing/breathe ~1 with/on",),
    ),
    # --- seizure ------------------------------------------------------------------------
    Rule(
        C.SEIZURE,
        "seizure/convulsion",
        event=True,
        unless=(
            "seizure/convulsion ~1 medication/medicine/med/meds/disorder/pill/pills/"
            "prescription/refill/clinic/specialist/history/form/plan",
        ),
    ),
    Rule(C.SEIZURE, "seize/convulse/fitting"),
    Rule(C.SEIZURE, "epileptic ~1 fit"),
    Rule(C.SEIZURE, "stiff ~5 jerk/jerking/shake/shaking/twitch/twitching"),
    Rule(C.SEIZURE, "shake/shaking/jerk/jerking/twitch/twitching ~5 on ~1 the ~1 floor/ground"),
    Rule(C.SEIZURE, "jerk/jerking/shake/shaking ~5 stiff"),
    Rule(
        C.SEIZURE,
        "having/have/had ~3 fit",
        also=("shake/jerk/convulse/seize/stiff/unresponsive/twitch/minutes/minute/longer/stop",),
    ),
    Rule(C.SEIZURE, "having/keep/keeps ~2 seizures"),
    Rule(C.SEIZURE, "seizures ~3 wont/not/cant ~1 stop"),
    Rule(C.SEIZURE, "eye/eyes ~2 roll/rolled/rolling ~2 back"),
    # Jerking limbs or body, and the fixed stare with it.
    Rule(
        C.SEIZURE,
        "jerk/jerking/twitch/twitching/thrash/thrashing/flail/flailing/spasm/spasming ~3 "
        "arm/leg/arms/legs/limbs/body/all",
        unless=("sleep/sleeping/asleep/restless/tic/tics/eyelid",),
    ),
    Rule(
        C.SEIZURE,
        "eye/eyes ~3 fixed/staring/glazed/blank/vacant/rolled/rolling",
        also=("jerk/jerking/twitch/twitching/shake/shaking/stiff/rigid/convulse/thrash",),
    ),
    Rule(C.SEIZURE, "foam/foaming ~2 at? ~1 the? ~1 mouth"),
    Rule(
        C.SEIZURE,
        "shake/jerk/twitch ~4 all ~1 over/uncontrollably",
        also=("respond/unresponsive/wont/cant/eye/eyes/foam/floor/ground/stiff",),
    ),
    Rule(C.SEIZURE, "shake/jerk ~3 and ~2 wont/not/cant ~1 respond/answer/wake"),
    # --- unresponsive -------------------------------------------------------------------
    Rule(C.UNRESPONSIVE, "unconscious/unresponsive/unresponsiveness"),
    Rule(C.UNRESPONSIVE, "not/isnt/wasnt ~1 conscious/responsive/awake/alert"),
    Rule(C.UNRESPONSIVE, "cant/couldnt ~1 get ~3 to ~1 wake/respond/answer/open"),
    Rule(
        C.UNRESPONSIVE,
        "not/isnt/wont/doesnt/wasnt ~1 respond/responsive/answer ~2 me?",
        unless=(
            "respond/responding/answer/answering ~3 email/emails/text/texts/message/messages/"
            "letter/letters/calls/voicemail/voicemails",
        ),
    ),
    Rule(
        C.UNRESPONSIVE,
        "wont/cant/couldnt/not/isnt/doesnt/hard ~1 to? ~1 wake/rouse/stir/revive",
        unless=(
            "rather/wish/hope/hoping/pray/praying/want/prefer",
            "to ~1 not/never ~1 wake",
            # "gonna go to sleep and not wake up": the caller's plan, not a body that won't rouse
            "gonna/going/plan/planning/ready/decided ~4 sleep ~2 not/never ~1 wake",
        ),
    ),
    Rule(C.UNRESPONSIVE, "wake ~1 him/her/them ~1 up", also=("cant/couldnt/wont/try/trying",)),
    Rule(
        C.UNRESPONSIVE,
        "pass/black ~1 out",
        event=True,
        unless=("flyer/flyers/form/forms/paper/papers",),
    ),
    Rule(C.UNRESPONSIVE, "faint/collapse", event=True),
    Rule(C.UNRESPONSIVE, "keel/keeled ~1 over"),
    Rule(
        C.UNRESPONSIVE,
        "not/isnt/wont/cant/doesnt/didnt/hasnt ~1 open/opening ~2 eye/eyes",
        also=("fall/floor/ground/collapse/hit/wake/respond/limp/faint/pass/down/slump",),
    ),
    Rule(
        C.UNRESPONSIVE,
        "not/isnt/wasnt ~1 with ~1 it",
        also=("fall/floor/ground/down/collapse/hit/pass/faint/slump/wake/respond",),
    ),
    Rule(C.UNRESPONSIVE, "nothing ~3 wake/rouse ~1 him/her/them/me"),
    Rule(
        C.UNRESPONSIVE,
        "isnt/not/wont/stopped/hasnt ~1 moving/move/moved",
        also=("fall/fell/collapse/collapsed/floor/ground/down/hit/slump/lying/unconscious",),
        unless=("appointment/date/time/house/office/car/line/queue",),
    ),
    Rule(
        C.UNRESPONSIVE,
        "not/isnt/wont/doesnt/didnt/wasnt ~1 react/reacting/stir/stirring/budge ~3 when/to/at",
    ),
    Rule(
        C.UNRESPONSIVE,
        "not/isnt/wont/stopped ~1 talk/talking/speak/speaking/answer ~2 me?",
        also=("fall/fell/floor/ground/collapse/collapsed/hit/slump",),
    ),
    Rule(
        C.UNRESPONSIVE,
        "wont/cant/couldnt/isnt/not/hasnt/havent/didnt ~1 come ~1 to/round/around",
        unless=("appointment/visit/clinic/office/meeting/work/school/class/party/session",),
    ),
    Rule(C.UNRESPONSIVE, "out ~1 cold"),
    Rule(C.UNRESPONSIVE, "knock/knocked ~1 out/unconscious"),
    Rule(C.UNRESPONSIVE, "lose/lost ~1 consciousness"),
    Rule(
        C.UNRESPONSIVE,
        "he/she/hes/shes/they/him/her/baby/dad/mom/husband/wife ~2"
        " not/isnt/wont/stopped ~1 moving/move",
    ),
    Rule(C.UNRESPONSIVE, "limp/floppy/lifeless", also=("he/she/him/her/baby/<CHILD>/body",)),
    Rule(C.UNRESPONSIVE, "cant/couldnt/not/wont ~1 stay ~1 awake"),
    Rule(C.UNRESPONSIVE, "feel/think ~3 go/gonna ~2 pass/black ~1 out"),
    # --- pregnancy ----------------------------------------------------------------------
    Rule(C.PREGNANCY, "<BLEED>", also=_PREG, unless=("gum/gums/nose ~3 <BLEED>",)),
    Rule(C.PREGNANCY, "clot/clots/spotting ~3 heavy/lot/big/large/soak", also=_PREG),
    Rule(C.PREGNANCY, "heavy/lot/big/large/huge ~3 spotting/clot/clots", also=_PREG),
    Rule(C.PREGNANCY, "passing ~2 clot/clots/tissue", also=_PREG),
    Rule(C.PREGNANCY, "miscarry", event=True),
    Rule(C.PREGNANCY, "lose/losing ~2 the? ~1 baby"),
    Rule(C.PREGNANCY, "ectopic", event=True),
    Rule(C.PREGNANCY, "water/waters ~2 break/broke"),
    Rule(C.PREGNANCY, "water/waters ~3 go/burst/leak/leaking/leaked/gush", also=_PREG),
    Rule(C.PREGNANCY, "clot/clots/tissue", also=_PREG),
    Rule(C.PREGNANCY, "see/seeing ~2 flash/flashing/lights/sparkles/zigzags", also=_PREG),
    Rule(C.PREGNANCY, "head/headache ~3 <STRONG_PAIN>/kill/pound/throb/splitting", also=_PREG),
    Rule(
        C.PREGNANCY,
        "severe/bad/terrible/sharp/awful/horrible ~3 pain ~3 side/stomach/belly/"
        "abdomen/abdominal/tummy/pelvis/pelvic/lower",
        also=_PREG,
    ),
    Rule(C.PREGNANCY, "baby ~3 not/isnt/stopped/hasnt/havent/doesnt/didnt ~2 move/moving/kick"),
    Rule(C.PREGNANCY, "cant/couldnt/havent/hasnt/dont/not ~2 feel ~3 baby ~2 move/kick"),
    Rule(C.PREGNANCY, "severe/bad/terrible/sharp ~3 cramp/pain ~4 <PREGNANT>"),
    Rule(C.PREGNANCY, "severe/bad/terrible/sharp/awful/horrible ~2 cramp/cramping", also=_PREG),
    Rule(C.PREGNANCY, "cramp/pain ~3 severe/bad/terrible/unbearable", also=_PREG),
    Rule(C.PREGNANCY, "blurry/blurred/seeing ~2 vision/spots/stars", also=_PREG),
    Rule(C.PREGNANCY, "severe/bad/terrible/pounding/horrible/worst ~2 headache", also=_PREG),
    # --- infant / child danger signs ----------------------------------------------------
    Rule(C.INFANT_CHILD, "fever/temperature/temp/hot/feverish/warm", also=("newborn",)),
    Rule(C.INFANT_CHILD, "burn ~1 up", also=("newborn",)),
    Rule(
        C.INFANT_CHILD,
        "newborn ~4 not/isnt/wont/refuse/stopped ~2 feed/feeding/eat/eating/drink/nurse/nursing",
    ),
    Rule(
        C.INFANT_CHILD,
        "not/isnt/wont/refuse/stopped/barely/hardly ~2 feed/feeding/nurse/nursing/eat/eating",
        also=("newborn",),
    ),
    Rule(C.INFANT_CHILD, "feed/feeding ~1 poorly/badly", also=("newborn",)),
    Rule(C.INFANT_CHILD, "soft ~1 spot ~3 bulge/bulging/sunken/sink/swollen/puffy"),
    Rule(C.INFANT_CHILD, "no ~1 wet ~1 diaper/diapers/nappy/nappies"),
    Rule(
        C.INFANT_CHILD,
        "hasnt/havent/no/not/didnt ~3 wet ~1 diaper/diapers/nappy/nappies",
        also=("newborn/baby/infant",),
    ),
    Rule(
        C.INFANT_CHILD,
        "cant/couldnt/wont ~1 get ~2 to ~1 feed/eat/nurse/wake/drink",
        also=("newborn/baby/infant",),
    ),
    Rule(C.INFANT_CHILD, "hasnt/havent/not/didnt ~1 pee/peed/wet ~2 diaper/diapers/hours/all"),
    Rule(C.INFANT_CHILD, "rash ~4 not/doesnt/wont/dont/didnt ~1 fade/go/blanch/disappear"),
    Rule(C.INFANT_CHILD, "purple/dark ~2 spots/rash/dots", also=("fever",)),
    Rule(C.INFANT_CHILD, "stiff ~1 neck", also=("fever/temperature",)),
    Rule(C.INFANT_CHILD, "limp/floppy/lethargic/listless", also=_CHILD),
    Rule(C.INFANT_CHILD, "swallow/eat/ate ~3 battery/batteries/magnet/magnets/coin"),
    Rule(C.INFANT_CHILD, "high ~1 pitched ~1 cry/cries/crying/scream"),
    Rule(C.INFANT_CHILD, "wont/cant/not ~1 stop ~1 cry/crying", also=("newborn/fever/limp",)),
    Rule(C.INFANT_CHILD, "very/really/super/so ~1 sleepy/drowsy", also=("newborn/fever",)),
    # --- severe head injury -------------------------------------------------------------
    Rule(C.HEAD_INJURY, "<HEAD_DANGER>", also=_HEAD_HIT, unless=("mild/little/slight",)),
    Rule(C.HEAD_INJURY, "not ~1 make ~1 sense", also=_HEAD_HIT),
    Rule(C.HEAD_INJURY, "be/being/been/keep ~1 sick", also=_HEAD_HIT),
    Rule(C.HEAD_INJURY, "fall/falling/fell/drift/drifting ~1 asleep", also=_HEAD_HIT),
    Rule(C.HEAD_INJURY, "act/acting ~1 strange/weird/funny/off/different/confuse", also=_HEAD_HIT),
    Rule(C.HEAD_INJURY, "doesnt/dont/didnt/cant ~1 know ~1 where/who/what", also=_HEAD_HIT),
    Rule(C.HEAD_INJURY, "cant/doesnt/dont ~1 remember", also=_HEAD_HIT),
    Rule(C.HEAD_INJURY, "headache/pain ~3 worse/worst/severe", also=_HEAD_HIT),
    Rule(C.HEAD_INJURY, "pupil/pupils"),
    Rule(C.HEAD_INJURY, "clear ~1 fluid/liquid"),
    Rule(C.HEAD_INJURY, "repeat ~2 himself/herself/themselves/question/questions", also=_HEAD_HIT),
    Rule(C.HEAD_INJURY, "skull ~2 fracture/crack/cracked/broken/dent"),
    # --- no body system named -------------------------------------------------------------
    Rule(C.OTHER, "think/feel ~3 die/dying", also=("im/i/he/she/hes/shes/going/gonna",)),
    Rule(C.OTHER, "going/gonna ~1 die"),
    # "should I call 911 if ...", "do I need an ambulance for ...": a question, not a call.
    Rule(
        C.OTHER,
        "call/get/send/need ~2 ambulance/paramedic/paramedics/911/emt",
        unless=("should/do/would/when ~2 i/we ~3 call/need", "if"),
    ),
    Rule(C.OTHER, "ambulance ~3 come/coming/here/now"),
    Rule(C.OTHER, "send ~2 help/someone/somebody/paramedics"),
    Rule(C.OTHER, "call/called/calling ~1 nine ~1 one ~1 one"),
    Rule(C.OTHER, "medical ~1 emergency"),
    Rule(C.OTHER, "be/is/its/having a/an ~1 real? ~1 emergency"),
    Rule(C.OTHER, "emergency ~1 here/now/please"),
)
