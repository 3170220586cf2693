"""The clinic model, validated by pydantic when a file is loaded."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class OpeningHours(_Frozen):
    """One opening interval on a weekday, in clinic local time."""

    opens: time
    closes: time

    @model_validator(mode="after")
    def _ordered(self) -> OpeningHours:
        if self.closes <= self.opens:
            raise ValueError(f"closes ({self.closes}) must be after opens ({self.opens})")
        return self


class Provider(_Frozen):
    """A clinician whose calendar can be booked. Staff names are not patient PHI."""

    id: str
    name: str
    appointment_types: tuple[str, ...]
    # Extra ways callers say this provider, e.g. "doctor patel".
    aliases: tuple[str, ...] = ()


class AppointmentType(_Frozen):
    code: str
    name: str
    duration_minutes: int = Field(gt=0, le=480)
    # Words callers use for it, e.g. "physical" for an annual checkup.
    synonyms: tuple[str, ...] = ()


class FaqEntry(_Frozen):
    topic: str
    # Any of these words or phrases in the caller's text selects this answer.
    keywords: tuple[str, ...]
    answer: str


class TransferTargets(_Frozen):
    """Where handoffs go, by reason and urgency. SIP URIs or queue names."""

    default: str
    urgent: str
    by_reason: dict[str, str] = Field(default_factory=dict)
    # Queue for callbacks when the clinic is closed.
    callback_queue: str = "callbacks"


class Clinic(_Frozen):
    id: str
    name: str
    timezone: str
    address: str
    phone_numbers: tuple[str, ...]
    hours: dict[str, tuple[OpeningHours, ...]]
    providers: tuple[Provider, ...]
    appointment_types: tuple[AppointmentType, ...]
    faq: tuple[FaqEntry, ...] = ()
    transfer_targets: TransferTargets
    # Days the clinic is closed although the weekday has hours (ISO dates).
    closed_dates: tuple[str, ...] = ()

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as error:
            raise ValueError(f"unknown IANA time zone {value!r}") from error
        return value

    @field_validator("hours")
    @classmethod
    def _weekday_names(
        cls, value: dict[str, tuple[OpeningHours, ...]]
    ) -> dict[str, tuple[OpeningHours, ...]]:
        unknown = sorted(set(value) - set(WEEKDAYS))
        if unknown:
            raise ValueError(f"unknown weekday(s) {unknown}; use {', '.join(WEEKDAYS)}")
        return value

    @model_validator(mode="after")
    def _references(self) -> Clinic:
        codes = {t.code for t in self.appointment_types}
        for provider in self.providers:
            missing = sorted(set(provider.appointment_types) - codes)
            if missing:
                raise ValueError(
                    f"provider {provider.id} offers unknown appointment types {missing}"
                )
        return self

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def local(self, at: datetime) -> datetime:
        """``at`` (timezone-aware) in clinic local time."""
        return at.astimezone(self.zone)

    def is_open(self, at: datetime) -> bool:
        """Whether the clinic is open at the instant ``at`` (timezone-aware)."""
        local = self.local(at)
        if local.date().isoformat() in self.closed_dates:
            return False
        intervals = self.hours.get(WEEKDAYS[local.weekday()], ())
        return any(h.opens <= local.time() < h.closes for h in intervals)

    def next_opening(self, at: datetime) -> datetime | None:
        """The next instant the clinic opens after ``at``, within two weeks; None if never."""
        local = self.local(at)
        for days in range(15):
            day = (local + timedelta(days=days)).date()
            if day.isoformat() in self.closed_dates:
                continue
            for hours in self.hours.get(WEEKDAYS[day.weekday()], ()):
                opens = datetime.combine(day, hours.opens, tzinfo=self.zone)
                if opens > local:
                    return opens
        return None

    def staff_names(self) -> tuple[str, ...]:
        """Every provider name and alias: never redacted as patient PHI."""
        return tuple(n for p in self.providers for n in (p.name, *p.aliases))

    def appointment_type(self, code: str) -> AppointmentType | None:
        return next((t for t in self.appointment_types if t.code == code), None)

    def provider(self, provider_id: str) -> Provider | None:
        return next((p for p in self.providers if p.id == provider_id), None)
