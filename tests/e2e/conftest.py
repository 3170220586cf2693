"""The stack for end-to-end tests: a real nats-server and the six services on real ports,
with the scheduler on SQLite or on PostgreSQL. NATS runs the generated users and permissions
(one user per service), so every scenario also proves each service's permission table is
enough for what it does."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
import pytest_asyncio

from servicekit.testing import DevCredentials, PostgresDatabase, SecuredNats, start_secured_nats

from .stack import Stack

if TYPE_CHECKING:
    from llmsim import Simulator

SCENARIOS = Path(__file__).parent / "scenarios"


@pytest.fixture(scope="module")
def module_nats(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SecuredNats]:
    secured = start_secured_nats(DevCredentials.ensure(tmp_path_factory.mktemp("nats-secrets")))
    try:
        yield secured
    finally:
        secured.server.stop()


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def scheduler_db(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """The scheduler's database: a SQLite file, or a fresh PostgreSQL database."""
    if request.param == "sqlite":
        yield f"sqlite+pysqlite:///{tmp_path_factory.mktemp('sched') / 'scheduler.db'}"
        return
    try:
        database = PostgresDatabase.create()
    except Exception as error:
        import os

        if os.environ.get("CI"):
            raise
        pytest.skip(f"PostgreSQL unavailable: {error}")
    try:
        yield database.url
    finally:
        database.drop()


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def stack(
    module_nats: SecuredNats, scheduler_db: str, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Stack]:
    async with Stack.start(
        module_nats.url,
        state_dir=tmp_path_factory.mktemp("stack"),
        scheduler_db=scheduler_db,
        nats_users=module_nats.credentials,
    ) as running:
        running.scheduler_db = scheduler_db
        yield running


# --- the LLM layer: one simulated provider pair for the whole suite, checked at the end --------

LLM_SIM_SCRIPT = Path(__file__).resolve().parents[2] / "deploy" / "local" / "llm" / "sim.yaml"


_TENS = ["", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
_ONES = ["", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]


def _spoken_year(year: int) -> str:
    """1992 -> "nineteen ninety two" (the seeded patients were born in 19xx and 2001)."""
    if year >= 2000:
        return f"two thousand {_ONES[year % 10]}".strip() if year < 2010 else str(year)
    tens, ones = divmod(year % 100, 10)
    rest = f"oh {_ONES[ones]}" if tens == 0 else f"{_TENS[tens]} {_ONES[ones]}".strip()
    return f"nineteen {rest}" if tens >= 2 or tens == 0 else str(year)


def seeded_identifiers() -> list[tuple[str, list[str], list[str]]]:
    """What no prompt may hold, per seeded patient: (who, words, date forms). Words: the full
    and last name and the phone number's last seven digits. Dates: the date of birth as ISO, US
    digits, and month and day with the year (an appointment on the same month and day is not
    the patient's birth date)."""
    from orchestrator.understanding.speech import ordinal_word
    from scheduler_adapter.seed import DEMO_PATIENTS

    found = []
    for patient in DEMO_PATIENTS:
        born = patient.date_of_birth
        month = f"{born:%B}".casefold()
        days = (str(born.day), ordinal_word(born.day), f"{born.day}th", f"{born.day}st")
        years = (str(born.year), _spoken_year(born.year))
        dates = [born.isoformat(), f"{born.month:02d}/{born.day:02d}/{born.year}"]
        dates += [f"{month} {day} {year}" for day in days for year in years]
        found.append(
            (patient.full_name, [patient.full_name, patient.last_name, patient.phone[-7:]], dates)
        )
    return found


def leaks_in(requests: list[dict[str, Any]]) -> list[str]:
    import json
    import re

    leaks = set()
    identifiers = seeded_identifiers()
    for body in requests:
        for message in body.get("messages", []):
            text = " ".join(re.sub(r"[^\w/-]+", " ", json.dumps(message).casefold()).split())
            for patient, words, dates in identifiers:
                for value in [*words, *dates]:
                    probe = value.casefold()
                    if probe.isdigit():  # the digits, however they are grouped
                        spread = r"[\s.-]?".join(probe)
                        if re.search(rf"(?<!\d){spread}(?!\d)", text):
                            leaks.add(f"{patient}: phone {value}")
                    elif re.search(rf"(?<!\w){re.escape(probe)}(?!\w)", text):
                        leaks.add(f"{patient}: {value!r}")
    return sorted(leaks)


@pytest.fixture(scope="session")
def llm_sim() -> Iterator[Simulator]:
    """The simulated model providers every LLM test of the suite talks to (the shipped script).

    At the end of the session every prompt they received is checked: none may hold a seeded
    patient's name, date of birth or phone number (the model only ever sees placeholders)."""
    from llmsim import Provider, Simulator
    from llmsim import load_config as load_sim_config

    script = load_sim_config(LLM_SIM_SCRIPT).script
    sim = Simulator.start(
        [Provider("primary", script=script, seed=1), Provider("secondary", script=script, seed=2)]
    )
    received: list[dict[str, Any]] = []
    try:
        yield sim
    finally:
        for running in sim.running.values():
            received.extend(running.provider.requests)
        sim.stop()
    leaks = leaks_in(received)
    assert not leaks, f"prompts sent to the model held patient identifiers: {leaks}"
