"""Loads every clinic file in a folder and finds a clinic by id or by the number called."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

import phonenumbers
import yaml
from pydantic import ValidationError

from clinic._model import Clinic


class ClinicNotFound(LookupError):
    """No clinic has that id or phone number."""


def normalise_number(number: str) -> str:
    """E.164 form of a phone number (US by default); the digits as given when unparsable."""
    try:
        parsed = phonenumbers.parse(number, "US")
    except phonenumbers.NumberParseException:
        return "".join(ch for ch in number if ch.isdigit() or ch == "+")
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


class ClinicDirectory:
    """The clinics this deployment serves."""

    def __init__(self, clinics: Iterable[Clinic]) -> None:
        self._by_id: dict[str, Clinic] = {}
        self._by_number: dict[str, Clinic] = {}
        for clinic in clinics:
            if clinic.id in self._by_id:
                raise ValueError(f"two clinics have the id {clinic.id!r}")
            self._by_id[clinic.id] = clinic
            for number in clinic.phone_numbers:
                self._by_number[normalise_number(number)] = clinic

    @classmethod
    def from_folder(cls, folder: Path) -> ClinicDirectory:
        """Every ``*.yaml`` in ``folder``; a bad file raises ValueError naming the file."""
        if not folder.is_dir():
            raise ValueError(f"clinic folder {folder} does not exist")
        clinics = []
        for path in sorted(folder.glob("*.yaml")):
            try:
                clinics.append(Clinic.model_validate(yaml.safe_load(path.read_text())))
            except (ValidationError, yaml.YAMLError) as error:
                raise ValueError(f"{path}: {error}") from error
        if not clinics:
            raise ValueError(f"no clinic files (*.yaml) in {folder}")
        return cls(clinics)

    def __iter__(self) -> Iterator[Clinic]:
        return iter(self._by_id.values())

    def get(self, clinic_id: str) -> Clinic:
        try:
            return self._by_id[clinic_id]
        except KeyError:
            raise ClinicNotFound(f"no clinic with id {clinic_id!r}") from None

    def for_called_number(self, number: str) -> Clinic:
        try:
            return self._by_number[normalise_number(number)]
        except KeyError:
            raise ClinicNotFound(f"no clinic answers {number!r}") from None

    def resolve(self, clinic_id: str, called_number: str) -> Clinic:
        """The clinic by id when given, else by the number called; the only clinic as a fallback."""
        if clinic_id:
            return self.get(clinic_id)
        if called_number:
            try:
                return self.for_called_number(called_number)
            except ClinicNotFound:
                pass
        if len(self._by_id) == 1:
            return next(iter(self._by_id.values()))
        raise ClinicNotFound(f"no clinic for clinic id {clinic_id!r} or number {called_number!r}")
