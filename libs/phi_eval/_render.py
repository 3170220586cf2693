"""Render identifier values the way callers say or type them (written and spoken forms)."""

from __future__ import annotations

import datetime as _dt
import random

UNITS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]
TEENS = [
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
]
TENS = ["", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
ORD = [
    "",
    "first",
    "second",
    "third",
    "fourth",
    "fifth",
    "sixth",
    "seventh",
    "eighth",
    "ninth",
    "tenth",
    "eleventh",
    "twelfth",
    "thirteenth",
    "fourteenth",
    "fifteenth",
    "sixteenth",
    "seventeenth",
    "eighteenth",
    "nineteenth",
    "twentieth",
]
MONTHS = [
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
]


def cardinal(n: int) -> str:
    """0..999 as words ("four hundred twenty one")."""
    if n < 10:
        return UNITS[n]
    if n < 20:
        return TEENS[n - 10]
    if n < 100:
        return TENS[n // 10] + ("" if n % 10 == 0 else " " + UNITS[n % 10])
    rest = n % 100
    return UNITS[n // 100] + " hundred" + ("" if rest == 0 else " " + cardinal(rest))


def ordinal(n: int) -> str:
    """1..31 as ordinal words ("twenty third")."""
    if n <= 20:
        return ORD[n]
    if n == 30:
        return "thirtieth"
    return TENS[n // 10] + " " + ORD[n % 10]


def digit_word(d: str, rng: random.Random) -> str:
    if d == "0":
        return "oh" if rng.random() < 0.7 else "zero"
    return UNITS[int(d)]


def spoken_digits(digits: str, rng: random.Random, *, doubles: bool = True) -> str:
    """Digit by digit, with "oh"/"zero" and sometimes "double"/"triple"."""
    words: list[str] = []
    i = 0
    while i < len(digits):
        d = digits[i]
        if (
            doubles
            and i + 2 < len(digits) + 0
            and digits[i : i + 3] == d * 3
            and rng.random() < 0.5
        ):
            words.append("triple " + digit_word(d, rng))
            i += 3
            continue
        if doubles and i + 1 < len(digits) and digits[i + 1] == d and rng.random() < 0.5:
            words.append("double " + digit_word(d, rng))
            i += 2
            continue
        words.append(digit_word(d, rng))
        i += 1
    return " ".join(words)


def spoken_groups(groups: list[str], rng: random.Random) -> str:
    sep = rng.choice([", ", " ", ", ", "... "]) if len(groups) > 1 else ""
    sep = sep if sep != "... " else " "
    return sep.join(spoken_digits(g, rng) for g in groups)


def pair_words(n: int, rng: random.Random) -> str:
    """Two-digit group spoken as a number ("eighty", "oh five")."""
    if n < 10:
        return "oh " + UNITS[n]
    return cardinal(n)


def spoken_year(y: int, rng: random.Random) -> str:
    if 2000 <= y <= 2009:
        return "two thousand" + (
            "" if y == 2000 else (" and " if rng.random() < 0.3 else " ") + UNITS[y - 2000]
        )
    if 2010 <= y <= 2099 and rng.random() < 0.5:
        return "two thousand " + cardinal(y - 2000)
    return cardinal(y // 100) + " " + pair_words(y % 100, rng)


def phone(rng: random.Random) -> str:
    area = rng.randint(201, 989)
    exch = rng.randint(200, 999)
    line = rng.randint(0, 9999)
    return f"{area}{exch}{line:04d}"


def render_phone(digits: str, rng: random.Random) -> str:
    a, b, c = digits[:3], digits[3:6], digits[6:]
    form = rng.randrange(9)
    if form == 0:
        return f"({a}) {b}-{c}"
    if form == 1:
        return f"{a}-{b}-{c}"
    if form == 2:
        return f"{a}.{b}.{c}"
    if form == 3:
        return f"+1 {a} {b} {c}"
    if form == 4:
        return f"{a} {b} {c}"
    if form == 5:
        return f"{a} " + spoken_groups([b, c], rng)
    return spoken_groups([a, b, c], rng)


def render_short_phone(digits: str, rng: random.Random) -> str:
    b, c = digits[3:6], digits[6:]
    return f"{b}-{c}" if rng.random() < 0.4 else spoken_groups([b, c], rng)


def render_date(d: _dt.date, rng: random.Random, *, year: bool = True) -> str:
    m, day, y = d.month, d.day, d.year
    month = MONTHS[m - 1]
    if not year:
        return rng.choice(
            [
                f"{month} {ordinal(day)}",
                f"{month} {day}",
                f"{month} {day}{_sfx(day)}",
                f"the {ordinal(day)} of {month}",
                f"{month} the {ordinal(day)}",
            ]
        )
    form = rng.randrange(11)
    if form == 0:
        return f"{month} {ordinal(day)} {spoken_year(y, rng)}"
    if form == 1:
        return f"{month} {ordinal(day)}, {spoken_year(y, rng)}"
    if form == 2:
        return f"{month.title()} {day}, {y}"
    if form == 3:
        return f"{month} {day}{_sfx(day)} {y}"
    if form == 4:
        return f"{m}/{day}/{y % 100:02d}"
    if form == 5:
        return f"{m:02d}/{day:02d}/{y}"
    if form == 6:
        return f"{m:02d}-{day:02d}-{y}"
    if form == 7:
        return f"{y}-{m:02d}-{day:02d}"
    if form == 8:
        return f"the {ordinal(day)} of {month}, {spoken_year(y, rng)}"
    if form == 9:
        return f"{pair_words(m, rng)} {pair_words(day, rng)} {pair_words(y % 100, rng)}"
    return f"{spoken_digits(f'{m:02d}{day:02d}', rng, doubles=False)} {spoken_year(y, rng)}"


def _sfx(n: int) -> str:
    if 10 <= n % 100 <= 20:
        return "th"
    return {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")


def render_age(n: int, rng: random.Random) -> str:
    if rng.random() < 0.4:
        return str(n)
    if n >= 100:
        rest = n - 100
        return "a hundred" + ("" if rest == 0 else " and " + cardinal(rest))
    return cardinal(n)


def render_ssn(digits: str, rng: random.Random) -> str:
    if rng.random() < 0.4:
        return f"{digits[:3]}-{digits[3:5]}-{digits[5:]}"
    return spoken_groups([digits[:3], digits[3:5], digits[5:]], rng)


def render_code(code: str, rng: random.Random) -> str:
    """An alphanumeric id typed ("A1234567") or spoken char by char ("a one two ...")."""
    if rng.random() < 0.4:
        return code
    words: list[str] = []
    digits = ""
    for ch in code:
        if ch.isdigit():
            digits += ch
            continue
        if digits:
            words.append(spoken_digits(digits, rng))
            digits = ""
        words.append(ch.lower() if rng.random() < 0.5 else ch.upper())
    if digits:
        words.append(spoken_digits(digits, rng))
    return " ".join(words)


def render_email(local: str, domain: str, rng: random.Random) -> str:
    if rng.random() < 0.4:
        return f"{local}@{domain}"
    out: list[str] = []
    for part in _split_local(local):
        if part == ".":
            out.append("dot")
        elif part == "_":
            out.append("underscore")
        elif part == "-":
            out.append("dash")
        elif part.isdigit():
            out.append(spoken_digits(part, rng, doubles=False) if rng.random() < 0.6 else part)
        else:
            out.append(part)
    dom = " dot ".join(domain.split("."))
    return " ".join(out) + " at " + dom


def _split_local(local: str) -> list[str]:
    parts: list[str] = []
    cur = ""
    for ch in local:
        if ch in "._-":
            if cur:
                parts.append(cur)
            parts.append(ch)
            cur = ""
        elif cur and (ch.isdigit() != cur[-1].isdigit()):
            parts.append(cur)
            cur = ch
        else:
            cur += ch
    if cur:
        parts.append(cur)
    return parts


def render_house(num: str, rng: random.Random) -> str:
    n = int(num)
    form = rng.randrange(3)
    if form == 0 or n == 0:
        return num
    if form == 1:
        return spoken_digits(num, rng, doubles=False)
    if n < 100:
        return cardinal(n)
    if len(num) == 3:
        return UNITS[int(num[0])] + " " + pair_words(int(num[1:]), rng)
    if len(num) == 4:
        return pair_words(int(num[:2]), rng) + " " + pair_words(int(num[2:]), rng)
    return spoken_digits(num, rng, doubles=False)


def render_zip(z: str, rng: random.Random) -> str:
    return z if rng.random() < 0.4 else spoken_digits(z, rng)


def spell(word: str, rng: random.Random) -> str:
    letters = [c for c in word if c.isalpha()]
    form = rng.randrange(3)
    if form == 0:
        return "-".join(c.upper() for c in letters)
    if form == 1:
        return " ".join(c.lower() for c in letters)
    return " ".join(c.upper() for c in letters)
