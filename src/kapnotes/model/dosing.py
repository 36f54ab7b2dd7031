"""The dosing (medicine) session record: what was given, how it was monitored, and discharge.

Plausibility ranges below are *input* checks that catch typing errors (a BP of 1200); they are
not clinical go/no-go thresholds, which are clinic configuration used by the safety rules.
"""

from __future__ import annotations

import datetime as dt
from typing import ClassVar, Union

from kapnotes.choices import Choice
from kapnotes.errors import Problem
from kapnotes.model._base import (
    aware,
    field,
    in_range,
    model,
    non_blank,
    positive,
    problem,
    valid_id,
)
from kapnotes.model.extensions import Extensions, as_extensions


class Agent(Choice):
    KETAMINE = "ketamine"  # racemic ketamine
    ESKETAMINE = "esketamine"  # Spravato (intranasal)


class Route(Choice):
    IV = "iv"
    IM = "im"
    SUBLINGUAL = "sublingual"
    INTRANASAL = "intranasal"
    ORAL = "oral"


@model
class Preparation:
    """Checks before dosing: fasting, medication review, screening, consent review."""

    fasting_hours: float | None = field(default=None, check=in_range(0, 72, unit="hours"))
    medications_reviewed: str | None = None
    si_screen: str | None = None
    pregnancy_test: str | None = None
    consent_reviewed: bool = False
    consent_to_touch: bool | None = None
    go_decision: bool | None = None
    notes: str | None = None


@model
class Booster:
    """An additional dose during the session."""

    at: dt.datetime = field(check=aware)
    dose_mg: float = field(check=positive(1000, unit="mg"))
    route: Route | None = None
    lot_number: str | None = None
    reason: str | None = None


@model
class Adjunct:
    """Another medication given around dosing (e.g. an antiemetic)."""

    name: str = field(check=non_blank)
    dose: float | None = field(default=None, check=positive(10_000))
    unit: str | None = None
    route: Route | None = None
    at: dt.datetime | None = field(default=None, check=aware)
    reason: str | None = None


# --- the monitoring timeline: a closed tagged union by "type" -------------------------------


@model
class MonitoringEvent:
    type: ClassVar[str] = ""
    extension_host: ClassVar[str] = ""
    at: dt.datetime = field(check=aware)
    extensions: Extensions = field(
        factory=Extensions, converter=as_extensions,
        doc="plugin extension fields by namespace (format 1.2)",
    )


@model
class Vitals(MonitoringEvent):
    """Vital signs at one moment. Ranges are plausibility limits for input, not clinical alarms."""

    type: ClassVar[str] = "vitals"
    extension_host: ClassVar[str] = "monitoring.vitals"

    systolic: int | None = field(default=None, check=in_range(40, 300, unit="mmHg"))
    diastolic: int | None = field(default=None, check=in_range(20, 200, unit="mmHg"))
    heart_rate: int | None = field(default=None, check=in_range(20, 250, unit="/min"))
    spo2: int | None = field(default=None, check=in_range(50, 100, unit="%"))
    respiratory_rate: int | None = field(default=None, check=in_range(2, 60, unit="/min"))

    def _invariants(self) -> list[Problem]:
        out = []
        values = (self.systolic, self.diastolic, self.heart_rate, self.spo2, self.respiratory_rate)
        if all(v is None for v in values):
            out.append(problem("systolic", "a vitals entry needs at least one value"))
        if (self.systolic is None) != (self.diastolic is None):
            out.append(problem("diastolic", "blood pressure needs both systolic and diastolic"))
        elif (
            self.systolic is not None
            and self.diastolic is not None
            and self.diastolic >= self.systolic
        ):
            out.append(problem("diastolic", "diastolic must be lower than systolic"))
        return out


@model
class Sedation(MonitoringEvent):
    """MOAA/S 0-5 (5 = responds readily to name spoken in normal tone; 0 = no response to painful
    stimulus). Source: Chernik et al. (1990), J Clin Psychopharmacol 10(4):244-251."""

    type: ClassVar[str] = "moaas"
    extension_host: ClassVar[str] = "monitoring.moaas"
    score: int = field(check=in_range(0, 5))


class DissociationScale(Choice):
    """Which CADSS form a dissociation total is on."""

    CADSS = "cadss"  # 23 subject-rated items x 0-4 = 0-92 (Bremner et al. 1998)
    CADSS_6 = "cadss-6"  # CADSS items 1, 2, 6, 7, 15, 22 x 0-4 = 0-24 (Rodrigues et al. 2021)

    @property
    def label(self) -> str:
        """``CADSS`` / ``CADSS-6``, for notes."""
        return self.value.upper()


#: The highest total of each form.
DISSOCIATION_MAX: dict[DissociationScale, int] = {
    DissociationScale.CADSS: 92,
    DissociationScale.CADSS_6: 24,
}


@model
class Dissociation(MonitoringEvent):
    """A CADSS total: the 23-item CADSS (0-92; Bremner et al. 1998, J Trauma Stress 11(1)) or,
    with ``scale="cadss-6"``, the six-item short form (0-24; Rodrigues et al. 2021)."""

    type: ClassVar[str] = "cadss"
    extension_host: ClassVar[str] = "monitoring.cadss"
    total: int = field(check=in_range(0, 92))
    scale: DissociationScale | None = None  # None: the 23-item CADSS (as in format 1.0)

    def _invariants(self) -> list[Problem]:
        scale = self.scale or DissociationScale.CADSS
        top = DISSOCIATION_MAX[scale]
        if self.total > top:
            return [problem("total", f"a {scale.value.upper()} total is 0-{top}, "
                            f"got {self.total}")]
        return []


class Severity(Choice):
    MILD = "mild"
    MODERATE = "moderate"
    SEVERE = "severe"


@model
class AdverseEvent(MonitoringEvent):
    type: ClassVar[str] = "adverse_event"
    extension_host: ClassVar[str] = "monitoring.adverse_event"

    event: str = field(
        check=non_blank, doc="e.g. nausea, vomiting, hypertension, emergence reaction"
    )
    severity: Severity = Severity.MILD
    action: str | None = None
    resolved_at: dt.datetime | None = field(default=None, check=aware)

    def _invariants(self) -> list[Problem]:
        if self.resolved_at is not None and self.resolved_at < self.at:
            return [problem("resolved_at", "an adverse event cannot resolve before it began")]
        return []


class CheckInStatus(Choice):
    OK = "ok"
    CONCERN = "concern"  # the chaperone called the clinician


@model
class CheckIn(MonitoringEvent):
    """A chaperone's visual check-in during an at-home session (format 1.1)."""

    type: ClassVar[str] = "check_in"
    extension_host: ClassVar[str] = "monitoring.check_in"
    by: str = field(check=non_blank, identifier=True)
    status: CheckInStatus = CheckInStatus.OK
    notes: str | None = None


@model
class Observation(MonitoringEvent):
    """A free-text observation (chaperone check-in, client statement, ...)."""

    type: ClassVar[str] = "observation"
    extension_host: ClassVar[str] = "monitoring.observation"
    text: str = field(check=non_blank)


MonitoringEntry = Union[Vitals, Sedation, Dissociation, AdverseEvent, Observation, CheckIn]
MONITORING_TYPES: tuple[type[MonitoringEvent], ...] = (
    Vitals,
    Sedation,
    Dissociation,
    AdverseEvent,
    Observation,
    CheckIn,
)


@model
class Discharge:
    """Discharge readiness and who took the client home."""

    at: dt.datetime = field(check=aware)
    criteria_met: bool
    criteria: tuple[str, ...] = ()
    escort: str | None = field(default=None, identifier=True)
    escort_relationship: str | None = None
    transport: str | None = None
    notes: str | None = None


@model
class DosingRecord:
    """The medicine given in a dosing session, its monitoring timeline and discharge.

    :ivar ordering_clinician_id: the prescriber who ordered the dose (format 1.1).
    :ivar administering_clinician_id: who gave it, or supervised self-administration (1.1).
    :ivar monitoring_clinician_id: who monitored the client (the REMS form's provider) (1.1).
    """

    agent: Agent
    route: Route
    dose_mg: float = field(check=positive(1000, unit="mg"))
    administered_at: dt.datetime = field(check=aware)
    body_weight_kg: float | None = field(default=None, check=in_range(20, 400, unit="kg"))
    lot_number: str | None = None
    infusion_minutes: int | None = field(default=None, check=in_range(1, 600, unit="minutes"))
    boosters: tuple[Booster, ...] = ()
    adjuncts: tuple[Adjunct, ...] = ()
    preparation: Preparation | None = None
    monitoring: tuple[MonitoringEntry, ...] = ()
    discharge: Discharge | None = None
    ordering_clinician_id: str | None = field(default=None, check=valid_id)
    administering_clinician_id: str | None = field(default=None, check=valid_id)
    monitoring_clinician_id: str | None = field(default=None, check=valid_id)
    extensions: Extensions = field(
        factory=Extensions, converter=as_extensions,
        doc="plugin extension fields by namespace (format 1.2)",
    )

    extension_host: ClassVar[str] = "dosing"

    @property
    def mg_per_kg(self) -> float | None:
        """Initial dose per kg of body weight (None without a weight)."""
        if self.body_weight_kg is None:
            return None
        return self.dose_mg / self.body_weight_kg

    @property
    def total_dose_mg(self) -> float:
        return self.dose_mg + sum(b.dose_mg for b in self.boosters)

    @property
    def monitoring_end(self) -> dt.datetime:
        """When monitoring ended: discharge, else the last monitoring entry, else the dose."""
        if self.discharge is not None:
            return self.discharge.at
        if self.monitoring:
            return self.monitoring[-1].at
        return self.administered_at

    def minutes_after_dose(self, at: dt.datetime) -> float:
        """Minutes from the first administration to ``at`` (negative before it)."""
        return (at - self.administered_at).total_seconds() / 60.0

    def vitals(self) -> tuple[Vitals, ...]:
        return tuple(e for e in self.monitoring if isinstance(e, Vitals))

    def _invariants(self) -> list[Problem]:
        out = []
        if self.agent is Agent.ESKETAMINE and self.route is not Route.INTRANASAL:
            out.append(problem("route", "esketamine (Spravato) is given intranasally"))
        for i, b in enumerate(self.boosters):
            if b.at < self.administered_at:
                out.append(problem(f"boosters[{i}].at", "a booster cannot precede the first dose"))
        times = [e.at for e in self.monitoring]
        for i in range(1, len(times)):
            if times[i] < times[i - 1]:
                out.append(
                    problem(f"monitoring[{i}].at", "monitoring entries must be in time order")
                )
                break
        if self.discharge is not None and self.discharge.at < self.administered_at:
            out.append(problem("discharge.at", "discharge cannot precede the dose"))
        return out
