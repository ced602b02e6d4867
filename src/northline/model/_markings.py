"""Owning agency and releasability: every record carries both."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ._errors import InvalidInput

__all__ = ["DEFAULT_MARKING", "Marking"]

_AGENCY = re.compile(r"^[A-Z][A-Z0-9_-]{1,31}$")
_RELEASABILITY = re.compile(r"^[A-Z]{3}(-[A-Z]{3,4})*$")


@dataclass(frozen=True, slots=True)
class Marking:
    """Who owns a record and to whom it may be released.

    ``releasability`` lists the countries (ISO 3166 alpha-3) or groups that may see the record,
    joined with ``-``: ``CAN`` is Canadian eyes only, ``CAN-USA`` may go to US partners.
    """

    agency: str
    releasability: str

    def __post_init__(self) -> None:
        if not _AGENCY.match(self.agency):
            raise InvalidInput(f"agency {self.agency!r} is not an agency code", field="agency")
        if not _RELEASABILITY.match(self.releasability):
            raise InvalidInput(
                f"releasability {self.releasability!r} is not like 'CAN' or 'CAN-USA'",
                field="releasability",
            )

    @property
    def releasable_to(self) -> frozenset[str]:
        return frozenset(self.releasability.split("-"))


DEFAULT_MARKING = Marking(agency="RCMP", releasability="CAN")
