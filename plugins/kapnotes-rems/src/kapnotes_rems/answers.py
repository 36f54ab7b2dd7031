"""What the REMS form asks that the core record does not hold: the plugin's extension fields.

Registered through ``register_extensions`` under the namespace ``rems``:

* on the **session** (:class:`RemsAnswers`): the monitoring provider's answers — when the
  patient would have been ready to leave, whether vital signs were acceptable before
  administration and before completion, dissociation, respiratory depression (this one is
  derived from SpO2 when not answered), serious adverse events;
* on the **course** (:class:`RemsEnrolment`): the patient's REMS enrolment (date, and the
  enrolment confirmation if the clinic records one);
* on the **clinician** (:class:`ClinicianContact`): the monitoring provider's name parts and
  telephone as the form asks for them (a clinician's ``name`` is one display string in the core
  model; splitting it would guess).

Submission of the form is *not* held here: it happens after the note is signed, and a signed
note never changes. It is recorded as a signed addendum (:mod:`kapnotes_rems.submission`).
"""

from __future__ import annotations

import datetime as dt

from kapnotes.model import field, in_range, model

__all__ = ["NAMESPACE", "ClinicianContact", "RemsAnswers", "RemsEnrolment"]

#: The key under ``"extensions"`` in JSON documents.
NAMESPACE = "rems"


@model
class RemsAnswers:
    """The monitoring provider's answers on the REMS Patient Monitoring Form (one session)."""

    ready_to_leave_minutes: int | None = field(
        default=None, check=in_range(0, 1440, unit="minutes"),
        doc="if there were no 2-hour minimum: minutes from the start of administration until "
        "the patient would have been ready to leave",
        label="Ready to leave (min from administration)",
    )
    vitals_acceptable_before_administration: bool | None = field(
        default=None, doc="vital signs in an acceptable range before administration",
        label="Vitals acceptable before administration",
    )
    vitals_acceptable_before_completion: bool | None = field(
        default=None, doc="vital signs in an acceptable range before session completion",
        label="Vitals acceptable before completion",
    )
    dissociation: bool | None = field(
        default=None, doc="the patient experienced dissociation", label="Dissociation",
    )
    respiratory_depression: bool | None = field(
        default=None, doc="the patient experienced respiratory depression (derived from "
        "post-dose SpO2 when not answered)", label="Respiratory depression",
    )
    serious_adverse_event: bool | None = field(
        default=None, doc="a serious adverse event occurred (report it to the REMS)",
        label="Serious adverse event",
    )


@model
class RemsEnrolment:
    """The patient's enrolment in the SPRAVATO REMS (Patient Enrollment Form)."""

    enrolled_on: dt.date | None = field(
        default=None, doc="date the Patient Enrollment Form was submitted", label="Enrolled on",
    )
    confirmation: str | None = field(
        default=None, doc="the enrolment confirmation, if the clinic records one",
        label="Enrolment confirmation",
    )


@model
class ClinicianContact:
    """The monitoring provider as the form asks for them."""

    given_name: str | None = field(default=None, label="First name")
    family_name: str | None = field(default=None, label="Last name")
    telephone: str | None = field(default=None, label="Telephone")
    email: str | None = field(default=None, doc="used when the clinician record has no email",
                              label="Email")
