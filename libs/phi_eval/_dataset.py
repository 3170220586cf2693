"""Synthetic, labelled phone-call utterances (Faker values, written and spoken forms)."""

from __future__ import annotations

import datetime as _dt
import random
import re
from dataclasses import dataclass

from faker import Faker

from phi import Known

from . import _render as r
from ._templates import NEGATIVE, POSITIVE, PROVIDERS

SPLITS = ("dev", "heldout")


@dataclass(frozen=True, slots=True)
class GoldSpan:
    """A labelled identifier: ``text[start:end]`` is PHI of kind ``entity`` (a phi.Entity value)."""

    start: int
    end: int
    entity: str


@dataclass(frozen=True, slots=True)
class Example:
    """One utterance with its gold spans, template id and what a call would already know."""

    text: str
    spans: tuple[GoldSpan, ...]
    template: str
    known: Known


def templates(split: str) -> list[tuple[str, str]]:
    """(template_id, template) pairs of a split; positives and negatives alike."""
    if split not in SPLITS:
        raise ValueError(f"split must be one of {SPLITS}")
    out: list[tuple[str, str]] = []
    for group, items in POSITIVE.items():
        for i, t in enumerate(items):
            if (i % 3 == 1) == (split == "heldout"):
                out.append((f"{group}-{i}", t))
    for i, t in enumerate(NEGATIVE):
        if (i % 3 == 1) == (split == "heldout"):
            out.append((f"NEG-{i}", t))
    return out


_STAFF = frozenset(w.lower().strip(".") for p in PROVIDERS for w in p.split())
_SLOT = re.compile(r"\{([A-Z0-9]+)\}")
_WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday"]


class _Values:
    """Per-utterance draw of consistent fake values."""

    def __init__(self, fake: Faker, rng: random.Random) -> None:
        # Patients never share a name with the clinic's staff (those are allow-listed).
        self.first = fake.first_name()
        self.last = fake.last_name()
        while self.last.lower() in _STAFF or self.first.lower() in _STAFF:
            self.first, self.last = fake.first_name(), fake.last_name()
        self.dob: _dt.date = fake.date_of_birth(minimum_age=1, maximum_age=89)
        self.date: _dt.date = fake.date_between(start_date="-2y", end_date="today")
        self.age = rng.randint(90, 106)
        self.phone = r.phone(rng)
        user = fake.user_name()
        self.email = (user, fake.free_email_domain() if rng.random() < 0.7 else fake.domain_name())
        self.ssn = fake.ssn().replace("-", "")
        letters = "ABCDEFGHJKLMNPRSTUVWXYZ"
        self.mrn = (rng.choice(letters) if rng.random() < 0.4 else "") + "".join(
            rng.choice("0123456789") for _ in range(rng.randint(6, 8))
        )
        self.account = "".join(rng.choice(letters) for _ in range(rng.randint(0, 3))) + "".join(
            rng.choice("0123456789") for _ in range(rng.randint(6, 10))
        )
        self.license = rng.choice(letters) + "".join(rng.choice("0123456789") for _ in range(7))
        plate_letters = "".join(rng.choice(letters) for _ in range(3))
        self.plate = f"{rng.randint(1, 9)}{plate_letters}{rng.randint(100, 999)}"
        self.house = fake.building_number()
        self.street = fake.street_name()
        self.apt = rng.randint(1, 40) if rng.random() < 0.3 else None
        self.city = fake.city()
        self.zip = fake.zipcode() if rng.random() < 0.8 else fake.zipcode_plus4()
        self.url = (
            fake.url()
            if rng.random() < 0.5
            else "www." + fake.domain_name() + ("/portal" if rng.random() < 0.5 else "")
        )
        self.ip = fake.ipv4() if rng.random() < 0.7 else fake.ipv6()

    def known(self) -> Known:
        return Known.of(
            names=f"{self.first} {self.last}",
            date_of_birth=self.dob,
            phones=self.phone,
            emails="@".join(self.email),
            mrns=self.mrn,
            addresses=f"{self.house} {self.street}, {self.city}, {self.zip}",
            other_ids=(self.account, self.license, self.plate),
        )


def _render(slot: str, v: _Values, rng: random.Random) -> tuple[str, str | None]:
    """(text, entity or None for non-PHI filler)."""
    if slot == "NAME":
        return f"{v.first} {v.last}", "NAME"
    if slot == "FIRST":
        return v.first, "NAME"
    if slot == "LAST":
        return v.last, "NAME"
    if slot == "SPELL":
        return r.spell(v.last, rng), "NAME"
    if slot == "DOB":
        return r.render_date(v.dob, rng), "DATE"
    if slot == "DATE":
        return r.render_date(v.date, rng, year=rng.random() < 0.5), "DATE"
    if slot == "YEAR":
        return (str(v.dob.year) if rng.random() < 0.4 else r.spoken_year(v.dob.year, rng)), "DATE"
    if slot == "AGE":
        return r.render_age(v.age, rng), "AGE"
    if slot == "PHONE":
        return r.render_phone(v.phone, rng), "PHONE"
    if slot == "PHONE7":
        return r.render_short_phone(v.phone, rng), "PHONE"
    if slot == "EMAIL":
        return r.render_email(v.email[0], v.email[1], rng), "EMAIL"
    if slot == "SSN":
        return r.render_ssn(v.ssn, rng), "SSN"
    if slot == "SSN4":
        return (v.ssn[-4:] if rng.random() < 0.4 else r.spoken_digits(v.ssn[-4:], rng)), "SSN"
    if slot == "MRN":
        return r.render_code(v.mrn, rng), "MRN"
    if slot == "ACCOUNT":
        return r.render_code(v.account, rng), "ACCOUNT"
    if slot == "LICENSE":
        return r.render_code(v.license, rng), "ID"
    if slot == "PLATE":
        return r.render_code(v.plate, rng), "ID"
    if slot == "ADDRESS":
        text = f"{r.render_house(v.house, rng)} {v.street}"
        if v.apt is not None:
            text += rng.choice([", apartment ", " apt ", " unit ", " suite "]) + (
                str(v.apt) if rng.random() < 0.5 else r.cardinal(v.apt)
            )
        return text, "ADDRESS"
    if slot == "CITY":
        return v.city, "ADDRESS"
    if slot == "ZIP":
        return r.render_zip(
            v.zip.replace("-", ""), rng
        ) if "-" not in v.zip or rng.random() < 0.5 else v.zip, "ZIP"
    if slot == "URL":
        return v.url, "URL"
    if slot == "IP":
        return v.ip, "IP"
    if slot == "PROVIDER":
        name = rng.choice(PROVIDERS)
        title, *parts = name.split()
        return rng.choice(
            [
                name,
                f"{title} {parts[-1]}",
                f"{'doctor' if title == 'Dr.' else title.lower()} {parts[-1]}",
                parts[-1],
            ]
        ), None
    if slot == "TIME":
        h = rng.randint(1, 12)
        mins = rng.choice([0, 15, 30, 45])
        return rng.choice(
            [
                f"{h}:{mins:02d} {rng.choice(['am', 'pm', 'a.m.', 'p.m.'])}",
                f"{r.cardinal(h)} {'oh clock' if False else ''}".strip()
                + (" " + r.cardinal(mins) if mins else " o'clock"),
                f"{r.cardinal(h)} {rng.choice(['am', 'pm', 'a.m.'])}",
                f"{h}{rng.choice(['am', 'pm'])}",
            ]
        ), None
    if slot == "WEEKDAY":
        return rng.choice(_WEEKDAYS), None
    if slot == "COUNT":
        return rng.choice(["two", "three", "four", "five", "2", "3", "ten"]), None
    if slot == "DURATION":
        return rng.choice(
            [
                "three days",
                "two weeks",
                "a month",
                "twelve hours",
                "48 hours",
                "ten days",
                "six months",
            ]
        ), None
    if slot == "DOSE":
        return rng.choice(
            ["500 milligrams", "two hundred mg", "1000 mg", "ten milligrams", "20 mg", "one tablet"]
        ), None
    raise KeyError(slot)


def _transcriptify(text: str, lower: bool, strip: bool) -> str:
    if lower:
        text = text.lower()
    if strip:
        text = text.replace(",", "").replace("?", "").replace("!", "")
        if text.endswith("."):
            text = text[:-1]
    return text


def make_example(template_id: str, template: str, fake: Faker, rng: random.Random) -> Example:
    """Fill one template; literal text and values are lower-cased/stripped like STT output."""
    v = _Values(fake, rng)
    lower = rng.random() < 0.5
    strip = rng.random() < 0.3
    parts: list[str] = []
    spans: list[GoldSpan] = []
    pos = 0
    last = 0
    for m in _SLOT.finditer(template):
        lit = _transcriptify(template[last : m.start()], lower, strip)
        parts.append(lit)
        pos += len(lit)
        value, entity = _render(m.group(1), v, rng)
        if lower and not ("@" in value or "/" in value):
            value = value.lower()
        parts.append(value)
        if entity is not None:
            spans.append(GoldSpan(pos, pos + len(value), entity))
        pos += len(value)
        last = m.end()
    parts.append(_transcriptify(template[last:], lower, strip))
    return Example("".join(parts), tuple(spans), template_id, v.known())


def dataset(split: str = "dev", n: int = 1000, seed: int = 0) -> list[Example]:
    """``n`` reproducible examples of ``split`` ("dev" or "heldout"), cycling its templates."""
    pool = templates(split)
    rng = random.Random(f"{split}:{seed}")
    fake = Faker("en_US")
    fake.seed_instance(seed * 7919 + (1 if split == "heldout" else 0))
    out: list[Example] = []
    order = list(range(len(pool)))
    while len(out) < n:
        rng.shuffle(order)
        for i in order:
            if len(out) >= n:
                break
            tid, tpl = pool[i]
            out.append(make_example(tid, tpl, fake, rng))
    return out
