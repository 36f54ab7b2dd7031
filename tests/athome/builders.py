"""Synthetic records with at-home measures (format 1.3): one client, one course from 2026-02-02,
a follow-up session on 2026-03-03 09:00-10:00 -07:00 and one on 2026-03-10, and the at-home
PHQ-9s a test passes (``home``)."""

from __future__ import annotations

from typing import Any

from tests.billing.builders import document, phq9, session, t

SESSION_DAY = "2026-03-03"
NEXT_DAY = "2026-03-10"


def home_phq9(mid: str, when: str, items: list[int | None], **kw: Any) -> dict[str, Any]:
    """An at-home PHQ-9 administered at ``when`` (a full date-time)."""
    return {"id": mid, "instrument": "phq9", "administered_at": when, "items": items,
            "context": "home", **kw}


def record(*home: dict[str, Any], sessions: list[dict[str, Any]] | None = None,
           **course: Any) -> dict[str, Any]:
    """A 1.3 document: the two sessions (or ``sessions``) and ``home`` as the course's measures."""
    if sessions is None:
        sessions = [
            {**session("s-0303", "follow-up", "09:00", "10:00", measures=[
                {**phq9("m-0303", SESSION_DAY, [2, 2, 2, 1, 1, 1, 1, 1, 0]),
                 "administered_at": t("09:05", SESSION_DAY)}]),
             "start": t("09:00", SESSION_DAY), "end": t("10:00", SESSION_DAY)},
            {**session("s-0310", "follow-up", "09:00", "10:00"),
             "start": t("09:00", NEXT_DAY), "end": t("10:00", NEXT_DAY)},
        ]
    data = document(("cl-1", "Rowan", sessions))
    data["format_version"] = "1.3"
    if home:
        data["courses"][0]["measures"] = list(home)
    data["courses"][0].update(course)
    return data


def intake_dose_follow_up() -> list[dict[str, Any]]:
    """Sessions of a course with a dosing session: an intake PHQ-9 of 9 (2026-02-02), the first
    dose on 2026-02-09 and a follow-up PHQ-9 of 8 (2026-03-02), for at-home PHQ-9s around them."""
    intake = {**session("s-intake", "intake", "09:00", "10:00",
                        measures=[phq9("m-intake", "2026-02-02", [1] * 9)]),
              "start": t("09:00", "2026-02-02"), "end": t("10:00", "2026-02-02")}
    dose = {**session("s-dose", "dosing", "09:00", "11:00"),
            "start": t("09:00", "2026-02-09"), "end": t("11:00", "2026-02-09")}
    follow = session("s-fu", "follow-up", "09:00", "10:00",
                     measures=[phq9("m-fu", "2026-03-02", [1] * 8 + [0])])
    return [intake, dose, follow]
