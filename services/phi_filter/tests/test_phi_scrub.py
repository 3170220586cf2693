"""servicekit.phi_scrub: the scrubber every service installs, and Known conversions."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

from frontdesk.v1 import common_pb2
from servicekit.app import default_scrubber
from servicekit.phi_scrub import known_from_dict, known_from_proto, make_scrubber, staff_names
from servicekit.settings import ServiceSettings


def test_staff_names_come_from_every_clinic_provider_and_alias(staff: tuple[str, ...]) -> None:
    assert "Dr. Priya Patel" in staff
    assert "doctor okafor" in staff
    assert "nurse chen" in staff


def test_scrubber_redacts_patient_identifiers(scrub: Callable[[str], str]) -> None:
    text = "my name is Maria Lopez, born March 3 1980, call me at 555-012-3456"
    clean = scrub(text)
    for value in ("Maria", "Lopez", "1980", "555-012-3456"):
        assert value not in clean
    assert "[NAME]" in clean and "[PHONE]" in clean


def test_scrubber_keeps_staff_names(scrub: Callable[[str], str]) -> None:
    assert scrub("I'd like to see Dr. Patel or nurse chen") == (
        "I'd like to see Dr. Patel or nurse chen"
    )


def test_scrubber_without_clinics_still_redacts_and_redacts_staff_too(tmp_path: Path) -> None:
    scrub = make_scrubber(ServiceSettings(clinics_dir=tmp_path / "missing"))
    assert staff_names(tmp_path / "missing") == ()
    assert "Maria" not in scrub("this is Maria Lopez")


def test_default_scrubber_is_the_phi_engine(settings: ServiceSettings) -> None:
    scrub = default_scrubber(settings)
    assert scrub("my name is Maria Lopez") == "my name is [NAME]"


def test_known_from_dict_reads_the_session_shape() -> None:
    known = known_from_dict(
        {
            "names": ["Maria Lopez"],
            "date_of_birth": ["not a date", "1980-03-03"],
            "phones": ["555-012-3456"],
            "emails": ["maria@example.com"],
            "mrns": ["MRN-77812"],
            "addresses": ["12 Oak Lane, Springfield"],
            "other_ids": ["W123456"],
            "unrelated": ["x"],
        }
    )
    assert known.names == ("Maria Lopez",)
    assert known.date_of_birth == dt.date(1980, 3, 3)
    assert known.phones == ("555-012-3456",)
    assert known.emails == ("maria@example.com",)
    assert known.mrns == ("MRN-77812",)
    assert known.addresses == ("12 Oak Lane, Springfield",)
    assert known.other_ids == ("W123456",)


def test_known_from_dict_tolerates_bad_and_missing_values() -> None:
    known = known_from_dict({"names": "Maria", "date_of_birth": ["03/03/1980"], "phones": [7]})
    assert known.names == ("Maria",)
    assert known.date_of_birth is None
    assert known.phones == ()
    assert known_from_dict(None).is_empty()
    assert known_from_dict({}).is_empty()


def test_known_from_proto_converts_and_skips_a_bad_dob() -> None:
    identity = common_pb2.KnownIdentity(
        names=["Maria Lopez"], date_of_birth="1980-03-03", phones=["555-012-3456"], mrns=["77812"]
    )
    known = known_from_proto(identity)
    assert known.names == ("Maria Lopez",)
    assert known.date_of_birth == dt.date(1980, 3, 3)
    assert known.mrns == ("77812",)
    bad = known_from_proto(common_pb2.KnownIdentity(names=["Maria"], date_of_birth="March 3rd"))
    assert bad.date_of_birth is None and bad.names == ("Maria",)
