"""Service lines as FHIR R4 ``ChargeItem`` resources (format 1.2 billing).

Why ChargeItem, not Claim: a Claim needs the payer and the patient's coverage (``insurer``,
``insurance`` 1..*, ``priority``), which a kapnotes record does not hold; a ChargeItem records
what was done and is billable - code, quantity, performer, the encounter, the diagnoses and
the fee - and leaves the claim to the billing system that knows the payer. One ChargeItem per
recorded service line (``session.service_lines``); suggested lines are not exported.

CPT is ``http://www.ama-assn.org/go/cpt`` and HCPCS Level II
``http://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets`` (HL7 Terminology, THO). R4's
ChargeItem has no element for modifiers or the place of service: they are written in ``note``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from kapnotes.model import ServiceLine, Session, TreatmentCourse
from kapnotes_fhir import codes
from kapnotes_fhir.context import Entry, ExportContext, period, prune, when

__all__ = ["CPT", "HCPCS", "charge_items"]

CPT = "http://www.ama-assn.org/go/cpt"
HCPCS = "http://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets"
_SYSTEM = {"CPT": CPT, "HCPCS": HCPCS}


def _title(code: str) -> str | None:
    from kapnotes.billing.codes import CODES

    return CODES[code].title if code in CODES else None


def _note(line: ServiceLine) -> list[dict[str, str]]:
    parts = []
    if line.modifiers:
        parts.append("modifiers " + " ".join(line.modifiers))
    if line.place_of_service:
        parts.append(f"place of service {line.place_of_service}")
    return [{"text": "; ".join(parts)}] if parts else []


def charge_items(ctx: ExportContext, course: TreatmentCourse, s: Session) -> Iterator[Entry]:
    """One ChargeItem per service line the session records."""
    display = {i.code: i.display for i in course.indications}
    for k, line in enumerate(s.service_lines):
        title = _title(line.code)
        coding: dict[str, Any] = {"system": _SYSTEM[line.system.value], "code": line.code}
        performers = [
            {"actor": r}
            for cid in (line.rendering_clinician_id, line.supervising_clinician_id)
            if (r := ctx.practitioner(cid)) is not None
        ]
        body = prune(
            {
                "status": "billable",
                "code": {"coding": [coding], **({"text": title} if title else {})},
                "subject": ctx.patient(course.client_id),
                "context": ctx.ref("Encounter", s.id),
                **({"occurrencePeriod": period(s.start, s.end)} if s.end is not None
                   else {"occurrenceDateTime": when(s.start)}),
                "performer": performers,
                "performingOrganization": ctx.organization(),
                "quantity": {"value": line.units},
                "priceOverride": (
                    {"value": line.charge_cents / 100, "currency": "USD"}
                    if line.charge_cents is not None else None
                ),
                "enterer": ctx.practitioner(line.billing_clinician_id),
                "reason": [
                    {"coding": [{"system": codes.ICD10CM, "code": d,
                                 **({"display": display[d]} if d in display else {})}]}
                    for d in line.diagnoses
                ],
                "note": _note(line),
            }
        )
        yield ctx.new("ChargeItem", f"{s.id}/service-line/{k}", "service-line", body)
