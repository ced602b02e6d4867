"""People, what they did to alerts, and the audit trail: the records of oversight.

A :class:`User` belongs to an agency of a country and has one :class:`Role`. What a user may
see is decided by markings: a record is visible when the user's country is among the
record's releasability (``CAN-USA`` is visible to a US liaison, ``CAN`` is not). An
:class:`AlertEvent` is a person's step on an alert (acknowledge, assign, task, resolve); the
alert's state is the result of its events, which are never changed. An :class:`AuditEntry`
is one line of the append-only, hash-chained audit log.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from ._errors import InvalidInput
from ._markings import DEFAULT_MARKING, Marking
from ._records import AlertState, SensorKind

__all__ = ["AlertAction", "AlertEvent", "AuditEntry", "AuditReport", "Role", "Sensor", "User"]

_USER_ID = re.compile(r"^[a-z0-9][a-z0-9._@-]{0,63}$")
_COUNTRY = re.compile(r"^[A-Z]{3}$")


class Role(StrEnum):
    OPERATOR = "operator"  # watches the picture, works the alert queue
    ANALYST = "analyst"  # reads history, tracks and cases
    SUPERVISOR = "supervisor"  # what an operator does, and assigns and reopens
    AUDITOR = "auditor"  # reads the audit log; changes nothing
    ADMINISTRATOR = "administrator"  # manages users and tokens
    PARTNER_LIAISON = "partner_liaison"  # a partner agency's officer: releasable records only


class AlertAction(StrEnum):
    ACKNOWLEDGE = "acknowledge"  # new → acknowledged
    ASSIGN = "assign"  # names who handles it; the state does not change
    TASK = "task"  # acknowledged → tasked (a responder is sent, by a person)
    RESOLVE = "resolve"  # → resolved, with an outcome and a note
    REOPEN = "reopen"  # resolved → acknowledged (supervisors)


@dataclass(frozen=True, slots=True, kw_only=True)
class User:
    """Someone who signs in. ``country`` (ISO 3166 alpha-3) is what markings are matched on."""

    user_id: str
    name: str
    role: Role
    agency: str
    country: str
    disabled: bool = False
    created_t_s: float = 0.0

    def __post_init__(self) -> None:
        if not _USER_ID.match(self.user_id):
            raise InvalidInput(
                f"user id {self.user_id!r} is not lower-case letters, digits and ._@-",
                field="user_id",
            )
        if not _COUNTRY.match(self.country):
            raise InvalidInput(f"country {self.country!r} is not ISO alpha-3", field="country")
        Marking(self.agency, self.country)  # the agency code is checked as a marking's
        object.__setattr__(self, "role", Role(self.role))

    def may_see(self, marking: Marking) -> bool:
        """Whether a record under ``marking`` may be released to this user."""
        return self.country in marking.releasable_to


@dataclass(frozen=True, slots=True, kw_only=True)
class AlertEvent:
    """One person's step on one alert; ``state`` is the alert's state after it."""

    event_id: str
    alert_id: str
    t_s: float  # wall-clock time of the step
    action: AlertAction
    actor: str  # user id
    state: AlertState
    assignee: str | None = None
    outcome: str | None = None  # for resolve: e.g. "intercepted", "no_threat", "false_alarm"
    note: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class AuditEntry:
    """One line of the audit log. ``hash`` covers every other field and ``prev_hash`` (the
    hash of the line before), so an edited, removed or inserted line breaks the chain."""

    seq: int
    t_s: float
    actor: str  # user id, or "system"
    action: str  # "read", "create", "update", "login", "login_failed", "token", ...
    record_kind: str  # "alert", "track", "user", "audit", ...
    record_id: str
    detail: str = ""
    prev_hash: str = ""
    hash: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class AuditReport:
    """What checking the audit chain found: ``ok`` when every line is intact and in order."""

    ok: bool
    entries: int
    first_bad_seq: int | None = None
    problem: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class Sensor:
    """A sensor on the map: where it is and how far it sees (``range_m``, its coverage)."""

    sensor_id: str
    kind: SensorKind
    lon: float
    lat: float
    range_m: float
    name: str = ""
    marking: Marking = DEFAULT_MARKING
