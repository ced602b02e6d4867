"""The alert lifecycle: new → acknowledged → tasked → resolved, each step a person's.

:func:`next_state` is the rule (who may take which step from which state); :func:`step` checks
a person's step against it and appends it to the store as an
:class:`~northline.model.AlertEvent`. Northline never steps an alert by itself.
"""

from ._lifecycle import (
    MAY_ACT,
    NOTE_REQUIRED,
    AlertStore,
    Outcome,
    allowed_actions,
    current_assignee,
    next_state,
    step,
)

__all__ = [
    "MAY_ACT",
    "NOTE_REQUIRED",
    "AlertStore",
    "Outcome",
    "allowed_actions",
    "current_assignee",
    "next_state",
    "step",
]
