"""The SPRAVATO® REMS Patient Monitoring Form, as versioned form definitions.

A :class:`FormVersion` lists the form's fields (section, label, whether the form marks it
required) and the dates it is in force. A session is checked against the version in force on its
treatment date (:func:`version_for`); older versions stay defined so that an old session is
always read against the form its clinic filled in then.

Versions defined here:

``2021-11``
    *SPRAVATO® REMS Patient Monitoring Form – Outpatient Use Only*, Janssen Pharmaceuticals,
    revision 11/2021. Field list and required marks (``*``) from a copy of the printed form;
    read in two public copies of the form (``spravato-monitoring-form``).
``first-treatment``
    The same form with the *first treatment?* / *enrolled in the REMS?* questions that the
    manufacturer's form-overview describes (``spravato-monitoring-form-overview``). Its revision date
    could not be verified, so it is in force only from the date a clinic configures
    (``rems.first_treatment_form_from``); until then ``2021-11`` applies.

The form asks for the *Healthcare Provider Conducting Patient Monitoring*, not the prescriber;
the prescriber's presence on site is a certification requirement of the setting (FDA REMS
summary, ``spravato-rems``), checked by kapnotes' own esketamine rules.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from enum import Enum

import attrs

__all__ = [
    "FIRST_TREATMENT",
    "FORMS",
    "V2021_11",
    "FieldKind",
    "FormField",
    "FormVersion",
    "version_for",
]


class FieldKind(str, Enum):
    """How a field is written on the form."""

    TEXT = "text"
    DATE = "date"  # MM/DD/YYYY on the form
    YES_NO = "yes_no"
    BLOOD_PRESSURE = "blood_pressure"  # systolic/diastolic mmHg
    MINUTES = "minutes"
    DOSE = "dose"  # 56 mg / 84 mg / Other


@attrs.frozen
class FormField:
    """One field of the form.

    :ivar key: stable key, ``section.name`` (``treatment.lot_number``); CSV column and the key
        the filler derives a value for.
    :ivar label: the field's label on the form.
    :ivar section: the form's section heading.
    :ivar required: the form marks it required (``*``).
    :ivar kind: how it is written (:class:`FieldKind`).
    """

    key: str
    label: str
    section: str
    required: bool = True
    kind: FieldKind = FieldKind.TEXT


@attrs.frozen
class FormVersion:
    """A version of the form: its fields and the dates it is in force.

    :ivar version: its name (``2021-11``).
    :ivar title: the form's title as printed.
    :ivar effective_from: first treatment date it applies to; None: only from a date the clinic
        configures (the revision date is not verified).
    :ivar fields: the fields, in the form's order.
    :ivar source: the references key of the copy the field list was taken from.
    :ivar submit_within_days: the form's submission deadline after the treatment session.
    """

    version: str
    title: str
    effective_from: dt.date | None
    fields: tuple[FormField, ...]
    source: str
    submit_within_days: int = 7

    def field(self, key: str) -> FormField:
        for f in self.fields:
            if f.key == key:
                return f
        raise KeyError(f"form {self.version} has no field {key!r}")

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(f.key for f in self.fields)

    def sections(self) -> list[tuple[str, list[FormField]]]:
        """The fields grouped by section, in the form's order."""
        out: list[tuple[str, list[FormField]]] = []
        for f in self.fields:
            if not out or out[-1][0] != f.section:
                out.append((f.section, []))
            out[-1][1].append(f)
        return out


def _fields(section: str, *specs: tuple[str, str, bool, FieldKind]) -> tuple[FormField, ...]:
    return tuple(FormField(key, label, section, required, kind) for key, label, required, kind in specs)


T, D, YN, BP, MIN, DOSE = (
    FieldKind.TEXT,
    FieldKind.DATE,
    FieldKind.YES_NO,
    FieldKind.BLOOD_PRESSURE,
    FieldKind.MINUTES,
    FieldKind.DOSE,
)

_PATIENT = _fields(
    "Patient Information",
    ("patient.first_name", "First Name", True, T),
    ("patient.middle_initial", "MI", False, T),
    ("patient.last_name", "Last Name", True, T),
    ("patient.birthdate", "Birthdate", True, D),
    ("patient.sex", "Sex", True, T),
)
_FIRST_TREATMENT = _fields(
    "Patient Information",
    ("patient.first_treatment", "Is this the patient's first treatment?", True, YN),
    ("patient.enrolled", "If first treatment: is the patient enrolled in the REMS?", False, YN),
)
_CONCOMITANT = _fields(
    "Concomitant Medication",
    ("concomitant.benzodiazepines", "Benzodiazepines", True, YN),
    ("concomitant.sedative_hypnotics", "Non-benzodiazepine sedative hypnotics", True, YN),
    ("concomitant.psychostimulants", "Psychostimulants", True, YN),
    ("concomitant.maois", "Monoamine oxidase inhibitors (MAOIs)", True, YN),
)
_PROVIDER = _fields(
    "Healthcare Provider Conducting Patient Monitoring",
    ("provider.first_name", "First Name", True, T),
    ("provider.last_name", "Last Name", True, T),
    ("provider.telephone", "Telephone", True, T),
    ("provider.email", "Email", True, T),
)
_SETTING = _fields(
    "Healthcare Setting Information",
    ("setting.name", "Healthcare Setting Name", True, T),
    ("setting.address_1", "Healthcare Setting Address 1", True, T),
    ("setting.address_2", "Healthcare Setting Address 2", False, T),
    ("setting.city", "City", True, T),
    ("setting.state", "State", True, T),
    ("setting.zip", "ZIP", True, T),
)
_TREATMENT = _fields(
    "Patient Treatment Session Information",
    ("treatment.date", "Treatment Date", True, D),
    ("treatment.dose", "Dose Administered", True, DOSE),
    ("treatment.lot_number", "Lot Number", True, T),
    (
        "treatment.total_minutes",
        "Total time (from 1st device administration to completion of monitoring)",
        True,
        MIN,
    ),
    (
        "treatment.ready_to_leave_minutes",
        "If there was not a 2-hour minimum monitoring requirement, when would this patient have "
        "been ready to leave (minutes from start of administration)?",
        True,
        MIN,
    ),
    ("vitals.acceptable_before_administration", "Vital signs acceptable prior to administration?", True, YN),
    (
        "vitals.acceptable_before_completion",
        "Vital signs acceptable prior to treatment session completion?",
        True,
        YN,
    ),
    ("bp.before_administration", "Blood pressure prior to administration", True, BP),
    ("bp.at_40_minutes", "Blood pressure 40 mins post-administration", True, BP),
    ("bp.before_completion", "Blood pressure prior to treatment session completion", True, BP),
    ("experience.sedation", "Did the patient experience sedation?", True, YN),
    ("experience.dissociation", "Did the patient experience dissociation?", True, YN),
    (
        "experience.respiratory_depression",
        "Did the patient experience respiratory depression?",
        True,
        YN,
    ),
)

#: Janssen 11/2021 (see the module docstring).
V2021_11 = FormVersion(
    version="2021-11",
    title="SPRAVATO® REMS Patient Monitoring Form – Outpatient Use Only",
    effective_from=dt.date(2021, 11, 1),
    fields=(*_PATIENT, *_CONCOMITANT, *_PROVIDER, *_SETTING, *_TREATMENT),
    source="spravato-monitoring-form",
)

#: The form with the first-treatment / enrolment questions; in force from a configured date.
FIRST_TREATMENT = FormVersion(
    version="first-treatment",
    title="SPRAVATO® REMS Patient Monitoring Form – Outpatient Use Only",
    effective_from=None,
    fields=(*_PATIENT, *_FIRST_TREATMENT, *_CONCOMITANT, *_PROVIDER, *_SETTING, *_TREATMENT),
    source="spravato-monitoring-form-overview",
)

#: Every version, oldest first.
FORMS: tuple[FormVersion, ...] = (V2021_11, FIRST_TREATMENT)


def version_for(
    treatment_date: dt.date,
    *,
    configured_from: dict[str, dt.date] | None = None,
    forms: Iterable[FormVersion] = FORMS,
) -> FormVersion | None:
    """The version in force on ``treatment_date``: the one with the latest start on or before it.

    :param configured_from: start dates the clinic configured, by version (they replace the
        version's own ``effective_from``; versions without either are never in force).
    :returns: None when no version is in force yet (a date before the first version).
    """
    configured = configured_from or {}
    best: tuple[dt.date, FormVersion] | None = None
    for form in forms:
        start = configured.get(form.version, form.effective_from)
        if start is None or start > treatment_date:
            continue
        if best is None or start >= best[0]:
            best = (start, form)
    return None if best is None else best[1]
