"""Fill the REMS Patient Monitoring Form from the record.

Every field the record holds is derived from it (patient, concomitant medication classes,
monitoring clinician, setting, date, dose, lot, total minutes, blood pressures, sedation,
respiratory depression); the rest is the clinician's answer, held in the plugin's extension
fields (:mod:`kapnotes_rems.answers`). Each value says where it came from — the JSON path of the
record field, or of the answer to enter — so a missing field is reported at the place to fix it.

Derivation rules (each cites its source; thresholds come from the clinic configuration that
kapnotes' own esketamine rules use, so the form and the rules always agree):

* blood pressure *prior to administration*: the last BP at or before the first device;
* *40 mins post-administration*: the BP closest to ``esketamine.bp_check_minutes`` within
  ``esketamine.bp_check_tolerance_minutes`` (SPRAVATO label section 2; the window is the
  clinic's);
* *prior to treatment session completion*: the last BP after the 40-minute reading and within
  ``esketamine.completion_bp_within_minutes`` of completion (discharge, else the last entry);
* *total time*: first device to completion of monitoring, in whole minutes (the form's words);
* *sedation*: "Yes" when any MOAA/S after the dose is below 5 (MOAA/S 5 = responds readily to
  name spoken in normal tone, Chernik 1990), "No" when every post-dose MOAA/S is 5;
* *respiratory depression*: the clinician's answer; without one, "Yes" when any post-dose SpO2
  is below ``monitoring.spo2_min`` (phase 3 criterion, Janssen medical information) and "No"
  when readings exist and none is;
* *dissociation* and *vital signs acceptable*: the clinician's answer only — no CADSS cut-off
  separates presence from absence of dissociation (Int J Neuropsychopharmacol 2023), and
  "acceptable" is a clinical judgement the form asks the provider to make.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Callable, Mapping

import attrs

from kapnotes.model import (
    Agent,
    Client,
    Clinic,
    Clinician,
    Dissociation,
    MedicationClass,
    Sedation,
    Session,
    TreatmentCourse,
    Vitals,
)
from kapnotes.references import cite
from kapnotes.rules.config import ClinicConfig
from kapnotes_rems.answers import ClinicianContact, RemsAnswers, RemsEnrolment
from kapnotes_rems.forms import FormField, FormVersion

__all__ = ["DERIVATIONS", "FieldValue", "FilledForm", "FormInput", "fill"]

#: How the fields that are not copied as they are get their value, with the source of each rule.
DERIVATIONS: dict[str, str] = {
    "treatment.dose": "devices of 28 mg each: " + cite("spravato-pi"),
    "bp.at_40_minutes": "the BP closest to 40 minutes within the clinic's window: "
    + cite("spravato-pi", "spravato-monitoring-form"),
    "experience.sedation": "Yes when a post-dose MOAA/S is below 5: " + cite("chernik-1990"),
    "experience.respiratory_depression": "the clinician's answer; else Yes when a post-dose "
    "SpO2 is below the clinic's minimum: " + cite("jnj-respiratory"),
    "experience.dissociation": "the clinician's answer only (no CADSS cut-off separates "
    "presence from absence): " + cite("esketamine-cadss-dissociation-2023"),
}

_MG_PER_DEVICE = 28  # one SPRAVATO nasal spray device delivers 28 mg (SPRAVATO label, section 2)


@attrs.frozen
class FormInput:
    """Everything the form is filled from: one esketamine session and what surrounds it.

    :ivar session_path: the session's JSON path (``$.courses[3].sessions[2]``).
    :ivar earlier_esketamine: how many esketamine sessions of this client come before this one
        (0: this is the first treatment).
    :ivar answers: the clinician's answers (the plugin's session extension), if any.
    :ivar enrolment: the course's REMS enrolment (the plugin's course extension), if any.
    :ivar contacts: REMS contact details of clinicians (the plugin's clinician extension).
    """

    session: Session
    session_path: str
    config: ClinicConfig
    course: TreatmentCourse | None = None
    course_path: str | None = None
    client: Client | None = None
    client_path: str | None = None
    clinic: Clinic | None = None
    clinicians: Mapping[str, Clinician] = attrs.field(factory=dict)
    clinician_paths: Mapping[str, str] = attrs.field(factory=dict)
    earlier_esketamine: int | None = None
    answers: RemsAnswers | None = None
    enrolment: RemsEnrolment | None = None
    contacts: Mapping[str, ClinicianContact] = attrs.field(factory=dict)


@attrs.frozen
class FieldValue:
    """A field with its value as written on the form, and where it comes from.

    :ivar value: the text for the form (``"Yes"``, ``"122/78"``, ``"02/05/2026"``); None when
        the record does not hold it.
    :ivar path: JSON path of the record field it comes from, or where to enter it.
    :ivar origin: ``record`` (derived), ``answer`` (the clinician's REMS answer) or ``missing``.
    :ivar detail: how it was derived, for the note and the auditor.
    """

    field: FormField
    value: str | None
    path: str
    origin: str
    detail: str = ""

    @property
    def missing(self) -> bool:
        return self.value is None


@attrs.frozen
class FilledForm:
    """A form version filled for one session."""

    form: FormVersion
    session_id: str
    treatment_date: dt.date
    values: tuple[FieldValue, ...]

    def value(self, key: str) -> FieldValue:
        for v in self.values:
            if v.field.key == key:
                return v
        raise KeyError(key)

    @property
    def missing(self) -> tuple[FieldValue, ...]:
        """Required fields without a value."""
        return tuple(v for v in self.values if v.missing and v.field.required)

    @property
    def complete(self) -> bool:
        return not self.missing

    @property
    def due_on(self) -> dt.date:
        """The last day to submit it: the treatment date plus the form's deadline."""
        return self.treatment_date + dt.timedelta(days=self.form.submit_within_days)


# --- helpers ---------------------------------------------------------------------------------


def _yes_no(value: bool | None) -> str | None:
    return None if value is None else ("Yes" if value else "No")


def _date(value: dt.date | None) -> str | None:
    return None if value is None else value.strftime("%m/%d/%Y")


def _local(inp: FormInput, at: dt.datetime) -> dt.datetime:
    tz = inp.clinic.timezone if inp.clinic is not None else None
    return at.astimezone(zoneinfo.ZoneInfo(tz)) if tz else at


def treatment_date(inp: FormInput) -> dt.date:
    """The session's treatment date where the clinic is (the dose time's own date otherwise)."""
    d = inp.session.dosing
    at = d.administered_at if d is not None else inp.session.start
    return _local(inp, at).date()


def _bp_readings(session: Session) -> list[tuple[int, Vitals]]:
    d = session.dosing
    assert d is not None
    return [
        (i, e)
        for i, e in enumerate(d.monitoring)
        if isinstance(e, Vitals) and e.systolic is not None and e.diastolic is not None
    ]


def bp_points(inp: FormInput) -> dict[str, tuple[int, Vitals] | None]:
    """The three blood pressures the form asks for: ``before``, ``at_40``, ``before_completion``."""
    d = inp.session.dosing
    assert d is not None
    cfg = inp.config.esketamine
    readings = _bp_readings(inp.session)
    before = [(i, v) for i, v in readings if v.at <= d.administered_at]
    lo = cfg.bp_check_minutes - cfg.bp_check_tolerance_minutes
    hi = cfg.bp_check_minutes + cfg.bp_check_tolerance_minutes
    window = [(i, v) for i, v in readings if lo <= d.minutes_after_dose(v.at) <= hi]
    at_40 = min(
        window, key=lambda iv: abs(d.minutes_after_dose(iv[1].at) - cfg.bp_check_minutes), default=None
    )
    end = d.monitoring_end
    after = at_40[1].at if at_40 is not None else d.administered_at
    late = [
        (i, v)
        for i, v in readings
        if after < v.at <= end
        and (end - v.at).total_seconds() / 60 <= cfg.completion_bp_within_minutes
    ]
    return {
        "before": before[-1] if before else None,
        "at_40": at_40,
        "before_completion": late[-1] if late else None,
    }


# --- the filler ------------------------------------------------------------------------------

Deriver = Callable[[FormInput, FormField], FieldValue]


def _record(f: FormField, value: str | None, path: str, detail: str = "") -> FieldValue:
    return FieldValue(f, value, path, "record" if value is not None else "missing", detail)


def _answer(inp: FormInput, f: FormField, name: str, value: str | None) -> FieldValue:
    path = f"{inp.session_path}.extensions.rems.{name}"
    return FieldValue(f, value, path, "answer" if value is not None else "missing")


def _patient(inp: FormInput, f: FormField) -> FieldValue:
    c, base = inp.client, inp.client_path or "$.clients"
    if c is None:
        return _record(f, None, base)
    part = f.key.split(".", 1)[1]
    if part == "first_name":
        return _record(f, c.name.given, f"{base}.name.given")
    if part == "middle_initial":
        return _record(f, c.name.middle[:1].upper() if c.name.middle else None, f"{base}.name.middle")
    if part == "last_name":
        return _record(f, c.name.family, f"{base}.name.family")
    if part == "birthdate":
        return _record(f, _date(c.date_of_birth), f"{base}.date_of_birth")
    if part == "sex":
        sex = c.sex.value
        # The form's boxes are Male / Female / Other; "unknown" is not an answer.
        text = {"female": "Female", "male": "Male", "intersex": "Other"}.get(sex)
        return _record(f, text, f"{base}.sex", "" if text else f"sex is {sex!r}")
    if part == "first_treatment":
        n = inp.earlier_esketamine
        return _record(
            f, None if n is None else _yes_no(n == 0), inp.course_path or base,
            "" if n is None else f"{n} earlier esketamine session(s) in the record",
        )
    if part == "enrolled":
        path = f"{inp.course_path or base}.extensions.rems.enrolled_on"
        if inp.earlier_esketamine != 0:
            return FieldValue(f, None, path, "missing", "asked only at the first treatment")
        enrolled = inp.enrolment is not None and inp.enrolment.enrolled_on is not None
        return FieldValue(f, _yes_no(enrolled), path, "answer")
    raise KeyError(f.key)


_CLASSES = {
    "concomitant.benzodiazepines": MedicationClass.BENZODIAZEPINE,
    "concomitant.sedative_hypnotics": MedicationClass.SEDATIVE_HYPNOTIC,
    "concomitant.psychostimulants": MedicationClass.PSYCHOSTIMULANT,
    "concomitant.maois": MedicationClass.MAOI,
}


def _medications(inp: FormInput) -> tuple[tuple[object, ...] | None, str]:
    """The latest reviewed medication list: this session's pre-screen, else the latest earlier
    one of the course (as kapnotes' own concomitant-medication rule reads it)."""
    s = inp.session
    if s.pre_screen is not None and s.pre_screen.medications is not None:
        return s.pre_screen.medications, f"{inp.session_path}.pre_screen.medications"
    if inp.course is not None and inp.course_path is not None:
        earlier = [
            (k, x) for k, x in enumerate(inp.course.sessions)
            if x.pre_screen is not None and x.pre_screen.medications is not None
            and x.start < s.start
        ]
        if earlier:
            k, x = max(earlier, key=lambda kx: kx[1].start)
            assert x.pre_screen is not None
            return x.pre_screen.medications, f"{inp.course_path}.sessions[{k}].pre_screen.medications"
    return None, f"{inp.session_path}.pre_screen.medications"


def _concomitant(inp: FormInput, f: FormField) -> FieldValue:
    """From the latest reviewed medication list (its class flags)."""
    meds, path = _medications(inp)
    if meds is None:
        return _record(f, None, path, "no reviewed medication list in a pre-screen")
    cls = _CLASSES[f.key]
    names = [m.name for m in meds if cls in m.classes]  # type: ignore[attr-defined]
    return _record(f, _yes_no(bool(names)), path, ", ".join(names))


def _provider(inp: FormInput, f: FormField) -> FieldValue:
    d = inp.session.dosing
    assert d is not None
    cid = d.monitoring_clinician_id
    if cid is None:
        return _record(f, None, f"{inp.session_path}.dosing.monitoring_clinician_id")
    base = inp.clinician_paths.get(cid, "$.clinicians")
    contact = inp.contacts.get(cid)
    part = f.key.split(".", 1)[1]
    ext = f"{base}.extensions.rems"
    if part == "email":
        c = inp.clinicians.get(cid)
        email = c.email if c is not None and c.email else (contact.email if contact else None)
        return _record(f, email, f"{base}.email")
    value = None
    if contact is not None:
        value = {"first_name": contact.given_name, "last_name": contact.family_name,
                 "telephone": contact.telephone}[part]
    name = {"first_name": "given_name", "last_name": "family_name", "telephone": "telephone"}[part]
    return FieldValue(f, value, f"{ext}.{name}", "answer" if value is not None else "missing")


def _setting(inp: FormInput, f: FormField) -> FieldValue:
    clinic = inp.clinic
    if clinic is None:
        return _record(f, None, "$.clinic")
    part = f.key.split(".", 1)[1]
    if part == "name":
        return _record(f, clinic.name, "$.clinic.name")
    a = clinic.address
    if a is None:
        return _record(f, None, "$.clinic.address")
    if part == "address_1":
        return _record(f, a.lines[0] if a.lines else None, "$.clinic.address.lines[0]")
    if part == "address_2":
        return _record(f, ", ".join(a.lines[1:]) or None, "$.clinic.address.lines[1]")
    attr = {"city": "city", "state": "state", "zip": "postal_code"}[part]
    return _record(f, getattr(a, attr), f"$.clinic.address.{attr}")


def _treatment(inp: FormInput, f: FormField) -> FieldValue:
    d = inp.session.dosing
    assert d is not None
    at = f"{inp.session_path}.dosing"
    part = f.key.split(".", 1)[1]
    if part == "date":
        return _record(f, _date(treatment_date(inp)), f"{at}.administered_at")
    if part == "dose":
        mg = d.total_dose_mg
        devices = mg / _MG_PER_DEVICE
        text = f"{mg:g} mg" if mg in (56, 84) else f"Other: {mg:g} mg"
        detail = f"{devices:g} device(s) of {_MG_PER_DEVICE} mg" if devices == int(devices) else ""
        return _record(f, text, f"{at}.dose_mg", detail)
    if part == "lot_number":
        return _record(f, d.lot_number, f"{at}.lot_number")
    if part == "total_minutes":
        if d.discharge is None:
            return _record(f, None, f"{at}.discharge.at", "no discharge: monitoring not completed")
        minutes = int((d.discharge.at - d.administered_at).total_seconds() // 60)
        return _record(f, str(minutes), f"{at}.discharge.at", "first device to discharge")
    if part == "ready_to_leave_minutes":
        a = inp.answers
        v = a.ready_to_leave_minutes if a is not None else None
        return _answer(inp, f, "ready_to_leave_minutes", None if v is None else str(v))
    raise KeyError(f.key)


def _vitals_answer(inp: FormInput, f: FormField) -> FieldValue:
    name = {
        "vitals.acceptable_before_administration": "vitals_acceptable_before_administration",
        "vitals.acceptable_before_completion": "vitals_acceptable_before_completion",
    }[f.key]
    a = inp.answers
    return _answer(inp, f, name, _yes_no(getattr(a, name) if a is not None else None))


def _bp(inp: FormInput, f: FormField) -> FieldValue:
    which = {"bp.before_administration": "before", "bp.at_40_minutes": "at_40",
             "bp.before_completion": "before_completion"}[f.key]
    point = bp_points(inp)[which]
    if point is None:
        return _record(f, None, f"{inp.session_path}.dosing.monitoring")
    i, v = point
    d = inp.session.dosing
    assert d is not None
    return _record(
        f, f"{v.systolic}/{v.diastolic}", f"{inp.session_path}.dosing.monitoring[{i}]",
        f"{d.minutes_after_dose(v.at):+.0f} min",
    )


def _experience(inp: FormInput, f: FormField) -> FieldValue:
    d = inp.session.dosing
    assert d is not None
    mon = f"{inp.session_path}.dosing.monitoring"
    post = [(i, e) for i, e in enumerate(d.monitoring) if e.at >= d.administered_at]
    a = inp.answers
    if f.key == "experience.sedation":
        scores = [(i, e) for i, e in post if isinstance(e, Sedation)]
        if not scores:
            return _record(f, None, mon, "no MOAA/S after the dose")
        low = [(i, e) for i, e in scores if e.score < 5]
        if low:
            i, e = min(low, key=lambda ie: ie[1].score)
            return _record(f, "Yes", f"{mon}[{i}].score", f"lowest MOAA/S {e.score}")
        return _record(f, "No", mon, f"MOAA/S 5 at all {len(scores)} post-dose readings")
    if f.key == "experience.dissociation":
        totals = [e.total for _i, e in post if isinstance(e, Dissociation)]
        shown = f"CADSS {', '.join(map(str, totals))}" if totals else ""
        value = _yes_no(a.dissociation if a is not None else None)
        return attrs.evolve(_answer(inp, f, "dissociation", value), detail=shown)
    if f.key == "experience.respiratory_depression":
        if a is not None and a.respiratory_depression is not None:
            return _answer(inp, f, "respiratory_depression", _yes_no(a.respiratory_depression))
        ox = [(i, v) for i, v in post if isinstance(v, Vitals) and v.spo2 is not None]
        limit = inp.config.monitoring.spo2_min
        if not ox:
            return _answer(inp, f, "respiratory_depression", None)
        below = [(i, v) for i, v in ox if v.spo2 is not None and v.spo2 < limit]
        if below:
            i, v = below[0]
            return _record(f, "Yes", f"{mon}[{i}].spo2", f"SpO2 {v.spo2}% < {limit}%")
        return _record(f, "No", mon, f"SpO2 >= {limit}% at all {len(ox)} post-dose readings")
    raise KeyError(f.key)


_DERIVERS: dict[str, Deriver] = {
    "patient": _patient,
    "concomitant": _concomitant,
    "provider": _provider,
    "setting": _setting,
    "treatment": _treatment,
    "vitals": _vitals_answer,
    "bp": _bp,
    "experience": _experience,
}


def fill(form: FormVersion, inp: FormInput) -> FilledForm:
    """The form filled from the record and the clinician's answers.

    :raises ValueError: the session is not an esketamine dosing session.
    """
    d = inp.session.dosing
    if d is None or d.agent is not Agent.ESKETAMINE:
        raise ValueError(f"session {inp.session.id!r} is not an esketamine dosing session")
    values = tuple(_DERIVERS[f.key.split(".", 1)[0]](inp, f) for f in form.fields)
    return FilledForm(form, inp.session.id, treatment_date(inp), values)

