"""Group sessions (format 1.2): one group record, and one session per client that refers to it.

A :class:`GroupSession` holds only what the group shares: its kind, time, title and
facilitators, never a member's name or clinical data. Each client's own session (in the client's
course, with ``group_id``) holds that client's documentation, so the note rendered from it holds
only that client's data; the rule ``group-privacy`` blocks signing a member's note whose text
names another member.
"""

from __future__ import annotations

import datetime as dt

from kapnotes.errors import Problem
from kapnotes.model._base import aware, each, field, model, non_blank, problem, valid_id
from kapnotes.model.session import SessionKind

__all__ = ["GroupSession"]


@model
class GroupSession:
    """A group KAP or integration session.

    :ivar facilitator_ids: the clinicians who led it.
    :ivar title: the group's name ("Thursday integration group"); no member names.
    """

    id: str = field(check=valid_id)
    kind: SessionKind
    start: dt.datetime = field(check=aware)
    end: dt.datetime | None = field(default=None, check=aware)
    title: str | None = field(default=None, check=non_blank)
    facilitator_ids: tuple[str, ...] = field(default=(), check=each(valid_id))

    def _invariants(self) -> list[Problem]:
        if self.end is not None and self.end.tzinfo and self.start.tzinfo and self.end <= self.start:
            return [problem("end", "a group session must end after it starts")]
        return []
