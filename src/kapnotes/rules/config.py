"""Clinic configuration: every threshold the safety rules use, each default with its source.

Rules never hard-code a threshold; they read a :class:`ClinicConfig`. The defaults below are
chosen from public sources, cited next to each value (and in :data:`SOURCES`, which findings
quote). Where no source could be verified, the comment says so and the default is conservative.
A clinic sets its own policy in a JSON file (only the values it changes)::

    {
      "policy": "Juniper Ridge KAP SOP v3 (2026)",
      "go_no_go": {"systolic_below": 150, "diastolic_below": 95},
      "dose": {"max_mg_per_kg": {"im": 1.0, "sublingual": 6.0}},
      "suicide": {"madrs_item10_at_least": 1}
    }

and loads it with :meth:`ClinicConfig.from_path`. A plugin's own settings go under
``"plugins": {"<name>": {...}}``, each section validated by the class the plugin registers
(:mod:`kapnotes.rules.plugin_config`). Loading is strict (the project converter):
unknown keys, wrong types and out-of-range values are all reported at once, each with its JSON
path (``$.go_no_go.systolic_below: expected an integer, got number 150.5``).

When a clinic changes a value, findings cite the clinic's configuration (and ``policy``) instead
of the default's source: see :meth:`ClinicConfig.source`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, ClassVar

import attrs

from kapnotes.billing.config import BillingConfig
from kapnotes.errors import InvalidError, Problem
from kapnotes.instruments.base import SUICIDE, CriticalItem, Instrument
from kapnotes.instruments.catalog.madrs import MADRS
from kapnotes.instruments.catalog.phq9 import PHQ9
from kapnotes.instruments.catalog.qids import QIDS_SR16
from kapnotes.model._base import each, field, in_range, model, positive
from kapnotes.model.dosing import Route
from kapnotes.model.lifecycle import SignatureRole
from kapnotes.model.session import RiskLevel
from kapnotes.references import cite
from kapnotes.rules.plugin_config import ConfigSection, PluginSections

__all__ = [
    "SOURCES",
    "SUICIDE_ITEM_KEYS",
    "AtHome",
    "ClinicConfig",
    "DoseLimits",
    "EsketamineMonitoring",
    "GoNoGo",
    "MaxMgPerKg",
    "MonitoringLimits",
    "NoteDefaults",
    "Observation",
    "SigningPolicy",
    "SuicideRisk",
]

# =============================================================================================
# Sources (quoted by findings), each citing kapnotes.references (see docs/sources.md).
# =============================================================================================

_GO_NO_GO = cite(
    "kapnotes-default",
    note="BP < 160/90 mmHg and HR < 100/min before dosing racemic ketamine: no published "
    "go/no-go threshold was verified (the SPRAVATO label suggests weighing the risk above "
    "140/90, [ref:spravato-pi]); set your clinic's own go/no-go policy",
)
_SANACORA = cite(
    "sanacora-2017", note="0.5 mg/kg IV over 40 min is the standard, most studied dose"
)
_ANDRADE_2017 = cite(
    "andrade-2017",
    note="most commonly 0.5 mg/kg; some patients may require up to 0.75 mg/kg; IM and SC bolus "
    "safe and effective",
)
_ANDRADE_2019 = cite(
    "andrade-2019",
    note="oral bioavailability 20-25%; 2.0-2.5 mg/kg oral ~ 0.5 mg/kg IV; weight-based oral "
    "doses reported from 0.25 to 7.0 mg/kg",
)
_IM = (
    cite("chilukuri-2014", note="IM 0.25 and 0.5 mg/kg as effective as IV 0.5 mg/kg") + "; "
    + cite("loo-2023", note="subcutaneous 0.5-0.9 mg/kg") + "; " + _ANDRADE_2017
)
_SPRAVATO_PI = cite("spravato-pi")
_SPRAVATO_DOSE = cite(
    "spravato-pi", "spravatohcp-dosing", note="section 2: 56 mg or 84 mg per session"
)
_SPRAVATO_BP = cite(
    "spravato-pi", "spravatohcp-dosing", "spravato-rems",
    note="BP before and about 40 minutes after administration. The +/- 5 minute window is "
    "kapnotes' reading of 'approximately 40 minutes': no published tolerance was found",
)
_SPRAVATO_OBSERVATION = cite(
    "spravato-pi", "spravato-rems",
    note="boxed warning and section 2: monitor for at least 2 hours at each session, then "
    "assess readiness to leave",
)
_COMPLETION_BP = cite(
    "spravato-monitoring-form", "kapnotes-default",
    note="the REMS monitoring form records BP before treatment session completion; kapnotes "
    "reads 'before completion' as a BP after the 40-minute check and at most 30 minutes "
    "before discharge (no published window)",
)
_FIRST_DOSE = cite(
    "spravato-pi", "spravatohcp-dosing",
    note="section 2: the day-1 starting dose is 56 mg; 84 mg only after a 56 mg start. The 28 mg "
    "start at 65 years or older is from labels outside the US (e.g. the EU and Hong Kong "
    "labelling) and was not found in the US label: a US clinic may set "
    "esketamine.first_dose_mg_65_plus to 56 (not verified against the current US label)",
)
_INDUCTION = cite(
    "spravato-pi",
    note="section 2: induction twice per week in weeks 1-4, then weekly in weeks 5-8",
)
_RESOLVED = cite(
    "spravato-rems", "jnj-sedation",
    note="monitor at least two hours and until sedation, dissociation and respiratory "
    "depression resolve; sedation resolves to MOAA/S 5. A dissociation total above 0 is not "
    "resolved (kapnotes' strict reading of 'resolution'; set your clinic's own)",
)
_OBSERVATION = cite(
    "kapnotes-default", "sanacora-2017",
    note="racemic ketamine has no labelled psychiatric monitoring: the clinic's SOP sets the "
    "minimum observation after the last dose (default 60 minutes) and how recent the vitals "
    "behind a discharge must be (default 30 minutes)",
)
_CHECK_IN = cite(
    "kapnotes-default", "hull-2022",
    note="at-home programs dose with a physically present monitor; kapnotes' default asks for "
    "a chaperone check-in at least every 15 minutes from the dose to the end of monitoring",
)
_NPO = cite(
    "spravato-pi", note="section 2: avoid food for at least 2 hours before administration"
)
_SIGNING = cite(
    "spravato-rems", "kapnotes-default",
    note="the REMS requires a prescriber onsite during administration and monitoring; "
    "kapnotes' default policy: a dosing note is signed by its author and attested by the "
    "prescriber for the medical part",
)
_SPO2 = cite(
    "jnj-respiratory",
    note="phase 3 trials counted SpO2 < 93%; the SPRAVATO label requires pulse oximetry but "
    "states no number. Procedural-sedation studies often use < 90% for hypoxaemia; 93% is the "
    "more conservative default",
)
_MOAAS = cite(
    "jnj-sedation", "chernik-1990",
    note="the manufacturer's phase 3 program defines moderate or greater sedation as MOAA/S "
    "<= 3 (3 = responds only after name is called loudly and/or repeatedly); mild sedation is "
    "MOAA/S 4",
)


def _suicide_item(instrument: Instrument) -> CriticalItem:
    """The suicide item of a built-in instrument: its threshold is the configuration's default
    and its source the default's source (one fact, kept on the instrument)."""
    (item,) = instrument.critical_items_of(SUICIDE)
    return item


#: The clinic-configuration key that overrides each built-in instrument's suicide-item
#: threshold. Any other instrument's suicide items (a plugin's) fire at their own threshold.
SUICIDE_ITEM_KEYS: dict[str, str] = {
    "phq9": "suicide.phq9_item9_at_least",
    "qids-sr16": "suicide.qids_sr16_item12_at_least",
    "madrs": "suicide.madrs_item10_at_least",
}
_PHQ9_ITEM9 = _suicide_item(PHQ9)
_QIDS_ITEM12 = _suicide_item(QIDS_SR16)
_MADRS_ITEM10 = _suicide_item(MADRS)
_CSSRS = cite(
    "columbia-triage",
    note="moderate and high risk call for intervention; see kapnotes.instruments.catalog.cssrs",
)
_RISK_LEVEL = cite(
    "stanley-2012",
    note="a safety plan for patients at elevated suicide risk. Which clinician-rated levels "
    "require one (moderate and above) is kapnotes' default, matching the C-SSRS levels that "
    "block; not a published cut-off",
)

#: The source of each default, by dotted key (``"go_no_go.systolic_below"``).
SOURCES: dict[str, str] = {
    "go_no_go.systolic_below": _GO_NO_GO,
    "go_no_go.diastolic_below": _GO_NO_GO,
    "go_no_go.heart_rate_below": _GO_NO_GO,
    "dose.max_mg_per_kg.iv": _SANACORA + "; " + _ANDRADE_2017 + ". Default 0.75 mg/kg: the top "
    "of the IV range Andrade describes (0.5 mg/kg is the standard dose, not a ceiling)",
    "dose.max_mg_per_kg.im": _IM + ". Default 0.75 mg/kg: IM bioavailability is close to IV, so "
    "the IV ceiling applies; below the 0.9 mg/kg subcutaneous ceiling of KADS. KAP-specific IM "
    "ranges (e.g. Dore et al. 2019) were not verified",
    "dose.max_mg_per_kg.sublingual": cite(
        "hull-2022", "andrade-2019",
        note="a published at-home sublingual program starts at about 5 mg/kg (Hull); oral "
        "doses in the literature reach 7.0 mg/kg (Andrade). Default 7.0 mg/kg: the top of the "
        "published range, so the usual starting dose is not flagged",
    ),
    "dose.max_mg_per_kg.oral": _ANDRADE_2019 + ". Default 3.0 mg/kg: the IV ceiling at 25% "
    "bioavailability (derived, not a published maximum)",
    "dose.max_mg_per_kg.intranasal": "Racemic intranasal ketamine: "
    + cite("al-shirawi", note="intranasal bioavailability ~45%") + ". Default 1.5 mg/kg: below the IV ceiling at 45% (1.67 mg/kg). NOT "
    "VERIFIED: no published psychiatric maximum was found",
    "dose.esketamine_max_mg": _SPRAVATO_DOSE,
    "esketamine.bp_check_minutes": _SPRAVATO_BP,
    "esketamine.bp_check_tolerance_minutes": _SPRAVATO_BP,
    "esketamine.min_monitoring_minutes": _SPRAVATO_OBSERVATION,
    "esketamine.completion_bp_within_minutes": _COMPLETION_BP,
    "esketamine.first_dose_mg": _FIRST_DOSE,
    "esketamine.first_dose_mg_65_plus": _FIRST_DOSE,
    "esketamine.induction_weeks": _INDUCTION,
    "esketamine.induction_sessions_per_week": _INDUCTION,
    "esketamine.sedation_resolved_at_least": _RESOLVED,
    "esketamine.dissociation_resolved_at_most": _RESOLVED,
    "monitoring.spo2_min": _SPO2,
    "observation.min_minutes": _OBSERVATION,
    "observation.last_vitals_within_minutes": _OBSERVATION,
    "at_home.check_in_interval_minutes": _CHECK_IN,
    "signing.dosing_roles": _SIGNING,
    "esketamine.fasting_hours_at_least": _NPO,
    "monitoring.moaas_at_most": _MOAAS,
    "suicide.phq9_item9_at_least": _PHQ9_ITEM9.source,
    "suicide.qids_sr16_item12_at_least": _QIDS_ITEM12.source,
    "suicide.madrs_item10_at_least": _MADRS_ITEM10.source,
    "suicide.cssrs_levels": _CSSRS,
    "suicide.risk_levels": _RISK_LEVEL,
    "billing.rules": cite(
        "ama-cpt-psychotherapy",
        note="the built-in code rules (kapnotes bill --rules, docs/billing.md), each with its own "
        "sources; none changed by default",
    ),
    "billing.accept_unverified": cite(
        "kapnotes-default",
        note="none: every suggested code whose source is not verified is flagged until the clinic "
        "has checked it and lists it here",
    ),
    "billing.fees_cents": cite(
        "kapnotes-default", note="no fees: a clinic sets its own fee schedule (cents per unit)"
    ),
    "billing.place_of_service.in_person": cite("cms-pos", note="11 office"),
    "billing.place_of_service.telehealth": cite(
        "cms-pos", note="10 telehealth in the patient's home (02 when the patient is elsewhere)"
    ),
    "billing.place_of_service.at_home_chaperoned": cite("cms-pos", note="12 home"),
}

# =============================================================================================
# The configuration
# =============================================================================================

_MG_PER_KG = positive(20, unit="mg/kg")
CSSRS_LEVELS = ("low", "moderate", "high")


def _cssrs_level(value: str) -> str | None:
    if value not in CSSRS_LEVELS:
        return f"expected one of {', '.join(map(repr, CSSRS_LEVELS))}, got {value!r}"
    return None


@model
class GoNoGo:
    """Pre-dose go/no-go: dose only when the last pre-dose reading is below each limit.

    A reading *at* a limit is a no-go (``systolic_below=160`` means 160 is too high).
    Source: no published threshold was verified; a conservative default (see :data:`SOURCES`).
    """

    systolic_below: int = field(default=160, check=in_range(60, 300, unit="mmHg"))
    diastolic_below: int = field(default=90, check=in_range(30, 200, unit="mmHg"))
    heart_rate_below: int = field(default=100, check=in_range(30, 250, unit="/min"))


@model
class MaxMgPerKg:
    """Maximum racemic ketamine per session, in mg per kg of body weight, by route.

    The total given by a route in one session (first dose plus boosters by that route) is
    compared. None turns the check off for a route. Sources per route in :data:`SOURCES`.
    """

    # Sanacora 2017 (standard 0.5 mg/kg over 40 min); Andrade 2017 (up to 0.75 mg/kg).
    iv: float | None = field(default=0.75, check=_MG_PER_KG)
    # Chilukuri 2014 (IM 0.25-0.5), KADS 2023 (SC 0.5-0.9): IM ~ IV bioavailability -> 0.75.
    im: float | None = field(default=0.75, check=_MG_PER_KG)
    # Hull 2022 (at-home sublingual, ~5 mg/kg start); Andrade 2019 (oral up to 7.0 mg/kg).
    sublingual: float | None = field(default=7.0, check=_MG_PER_KG)
    # Andrade 2019: oral 2.0-2.5 mg/kg ~ IV 0.5 mg/kg; IV ceiling 0.75 at 25% -> 3.0 (derived).
    oral: float | None = field(default=3.0, check=_MG_PER_KG)
    # NOT VERIFIED: racemic intranasal, ~45% bioavailability -> 1.5 (conservative).
    intranasal: float | None = field(default=1.5, check=_MG_PER_KG)

    def for_route(self, route: Route) -> float | None:
        """The maximum for ``route`` (None: not checked)."""
        value: float | None = getattr(self, route.value)
        return value


@model
class DoseLimits:
    """Dose ceilings: mg/kg for racemic ketamine by route, mg for esketamine (fixed dosing)."""

    max_mg_per_kg: MaxMgPerKg = field(factory=MaxMgPerKg)
    # SPRAVATO PI section 2: 56 mg or 84 mg per session.
    esketamine_max_mg: float = field(default=84.0, check=positive(1000, unit="mg"))


@model
class EsketamineMonitoring:
    """SPRAVATO label and REMS: BP before, at ~40 minutes and before completion; at least 2
    hours of observation and until sedation and dissociation resolve; the day-1 dose and the
    induction schedule."""

    # SPRAVATO PI 5.6 / REMS: BP 40 minutes after administration.
    bp_check_minutes: int = field(default=40, check=in_range(1, 240, unit="minutes"))
    # Not published: kapnotes' window around "approximately 40 minutes".
    bp_check_tolerance_minutes: int = field(default=5, check=in_range(0, 60, unit="minutes"))
    # SPRAVATO PI boxed warning: at least 2 hours.
    min_monitoring_minutes: int = field(default=120, check=in_range(1, 720, unit="minutes"))
    # REMS monitoring form: BP before session completion; the window is kapnotes' default.
    completion_bp_within_minutes: int = field(default=30, check=in_range(1, 240, unit="minutes"))
    # SPRAVATO PI section 2: day-1 starting dose 56 mg (28 mg at 65 or older outside the US).
    first_dose_mg: float = field(default=56.0, check=positive(1000, unit="mg"))
    first_dose_mg_65_plus: float = field(default=28.0, check=positive(1000, unit="mg"))
    # SPRAVATO PI section 2: induction twice weekly in weeks 1-4.
    induction_weeks: int = field(default=4, check=in_range(0, 52, unit="weeks"))
    induction_sessions_per_week: int = field(default=2, check=in_range(1, 7))
    # SPRAVATO PI section 2: avoid food for at least 2 hours before dosing.
    fasting_hours_at_least: float = field(default=2.0, check=in_range(0, 24, unit="hours"))
    # REMS: until sedation and dissociation resolve (MOAA/S 5; CADSS 0, kapnotes' reading).
    sedation_resolved_at_least: int = field(default=5, check=in_range(0, 5))
    dissociation_resolved_at_most: int = field(default=0, check=in_range(0, 92))


@model
class MonitoringLimits:
    """Post-dose alarms: oxygen saturation and sedation depth."""

    # Janssen medical information: phase 3 esketamine trials counted SpO2 < 93%.
    spo2_min: int = field(default=93, check=in_range(50, 100, unit="%"))
    # MOAA/S <= 3: moderate or greater sedation (Janssen medical information, phase 3).
    moaas_at_most: int = field(default=3, check=in_range(0, 5))


@model
class Observation:
    """In-clinic observation after dosing (clinic SOP; no published psychiatric minimum)."""

    # kapnotes default: at least 60 minutes after the last dose before discharge.
    min_minutes: int = field(default=60, check=in_range(0, 720, unit="minutes"))
    # kapnotes default: discharge rests on vitals at most 30 minutes old.
    last_vitals_within_minutes: int = field(default=30, check=in_range(1, 720, unit="minutes"))


@model
class AtHome:
    """At-home (chaperoned) sessions: how often the chaperone checks in."""

    # kapnotes default: a check-in at least every 15 minutes.
    check_in_interval_minutes: int = field(default=15, check=in_range(1, 240, unit="minutes"))


@model
class SigningPolicy:
    """Which signature roles a dosing note needs (kapnotes default: author and the
    prescriber's attestation of the medical part)."""

    dosing_roles: tuple[SignatureRole, ...] = (
        SignatureRole.AUTHOR,
        SignatureRole.PRESCRIBER_ATTESTATION,
    )


@model
class SuicideRisk:
    """When a session must document a suicide risk assessment and a safety plan."""

    # The defaults are the instruments' own thresholds (the catalog): PHQ-9 item 9 > 0
    # (Kroenke 2001); QIDS-SR16 item 12 >= 1, passive ideation and above (IOM 2010, Box 4-1);
    # MADRS item 10 >= 2, "fleeting suicidal thoughts" and above (Perroud 2009, Table 1).
    phq9_item9_at_least: int = field(default=_PHQ9_ITEM9.threshold, check=in_range(1, 3))
    qids_sr16_item12_at_least: int = field(default=_QIDS_ITEM12.threshold, check=in_range(1, 3))
    madrs_item10_at_least: int = field(default=_MADRS_ITEM10.threshold, check=in_range(1, 6))
    # C-SSRS screener triage levels that require a safety plan (Columbia triage).
    cssrs_levels: tuple[str, ...] = field(default=("moderate", "high"), check=each(_cssrs_level))
    # Clinician-rated risk levels that require a safety plan (kapnotes default).
    risk_levels: tuple[RiskLevel, ...] = (RiskLevel.MODERATE, RiskLevel.HIGH, RiskLevel.IMMINENT)


def _format_name(value: str) -> str | None:
    import re

    if not re.match(r"^[a-z0-9][a-z0-9._-]{0,63}$", value):
        return f"expected a note format name (kapnotes formats), got {value!r}"
    return None


@model
class NoteDefaults:
    """The note format ``render``, ``render --all`` and ``demo`` use for each session kind when
    none is asked for; None keeps kapnotes' default (``kapnotes.batch.DEFAULT_FORMATS``)."""

    intake: str | None = field(default=None, check=_format_name)
    preparation: str | None = field(default=None, check=_format_name)
    dosing: str | None = field(default=None, check=_format_name)
    integration: str | None = field(default=None, check=_format_name)
    follow_up: str | None = field(default=None, check=_format_name)


@model
class ClinicConfig:
    """Every threshold the built-in safety rules use, grouped by topic.

    :ivar policy: the clinic policy the values come from (quoted in findings when a value
        differs from the default), e.g. ``"Juniper Ridge KAP SOP v3 (2026)"``.
    """

    policy: str | None = None
    go_no_go: GoNoGo = field(factory=GoNoGo)
    dose: DoseLimits = field(factory=DoseLimits)
    esketamine: EsketamineMonitoring = field(factory=EsketamineMonitoring)
    monitoring: MonitoringLimits = field(factory=MonitoringLimits)
    observation: Observation = field(factory=Observation)
    at_home: AtHome = field(factory=AtHome)
    signing: SigningPolicy = field(factory=SigningPolicy)
    suicide: SuicideRisk = field(factory=SuicideRisk)
    plugins: PluginSections = field(factory=PluginSections)
    notes: NoteDefaults = field(factory=NoteDefaults)
    billing: BillingConfig = field(factory=BillingConfig)

    _default: ClassVar[ClinicConfig | None] = None

    # --- constructors -------------------------------------------------------------------------

    @classmethod
    def default(cls) -> ClinicConfig:
        """The defaults, each from the source cited in :data:`SOURCES`."""
        if cls._default is None:
            cls._default = cls()
        return cls._default

    @classmethod
    def from_data(cls, data: Any, *, source: str | None = None) -> ClinicConfig:
        """A configuration from parsed JSON; keys left out keep their defaults.

        :raises kapnotes.errors.InvalidError: every problem (unknown key, wrong type, value out
            of range), each with its JSON path.
        """
        from kapnotes.serialization import structure

        if not isinstance(data, dict):
            raise InvalidError(
                [Problem("$", "expected a JSON object (a kapnotes clinic configuration)")],
                source=source,
            )
        return structure(data, cls, source=source)

    @classmethod
    def from_path(cls, path: str | Path) -> ClinicConfig:
        """A configuration from a JSON file (see the module docstring for an example).

        :raises kapnotes.errors.InvalidError: the file cannot be read, is not JSON, or has
            problems (all reported, each with its path).
        """
        p = Path(path)
        try:
            raw = p.read_bytes()
        except OSError as exc:
            raise InvalidError(
                [Problem("$", f"cannot read {p}: {exc.strerror}")], source=str(p)
            ) from None
        try:
            text = raw.decode("utf-8-sig")  # UTF-8, with or without a byte-order mark
        except UnicodeDecodeError as exc:
            raise InvalidError(
                [Problem("$", f"not UTF-8 text: {exc.reason} at byte {exc.start}")], source=str(p)
            ) from None
        try:
            data = json.loads(text, parse_constant=_refuse_constant)
        except json.JSONDecodeError as exc:
            raise InvalidError(
                [Problem("$", f"not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}")],
                source=str(p),
            ) from None
        except ValueError as exc:
            raise InvalidError([Problem("$", str(exc))], source=str(p)) from None
        return cls.from_data(data, source=str(p))

    # --- reading values and their sources -----------------------------------------------------

    def get(self, key: str) -> Any:
        """The value at a dotted key: ``config.get("go_no_go.systolic_below")`` -> ``160``."""
        obj: Any = self
        for part in key.split("."):
            if not attrs.has(type(obj)) or part not in attrs.fields_dict(type(obj)):
                raise KeyError(key)
            obj = getattr(obj, part)
        return obj

    def source(self, key: str) -> str:
        """Where the threshold at ``key`` comes from.

        The cited source of the default when the value is the default; otherwise the clinic's
        configuration (naming ``policy`` when set) with the value.
        """
        value = self.get(key)
        if value == ClinicConfig.default().get(key):
            return SOURCES[key]
        where = f"clinic policy {self.policy!r}" if self.policy else "clinic configuration"
        default = ClinicConfig.default().get(key)
        return f"{where}: {key} = {_shown(value)} (default {_shown(default)})"

    def section(self, section: ConfigSection) -> Any:
        """A plugin's settings: the clinic's ``plugins.<name>`` section, else the defaults."""
        return self.plugins.get(section.name) or section.defaults()

    def section_source(self, section: ConfigSection, setting: str) -> str:
        """Where a plugin setting comes from: the default's source, or the clinic's policy
        with the value and the default (``clinic policy 'X': plugins.harbor_light.min = 45
        (default 30)``)."""
        value = getattr(self.section(section), setting)
        default = getattr(section.defaults(), setting)
        if value == default:
            return section.source_of(setting)
        where = f"clinic policy {self.policy!r}" if self.policy else "clinic configuration"
        key = f"plugins.{section.name}.{setting}"
        return f"{where}: {key} = {_shown(value)} (default {_shown(default)})"

    def to_data(self) -> dict[str, Any]:
        """Every value as plain JSON-ready data (defaults included): a file to start from."""
        data: dict[str, Any] = _plain(self)
        return data


def _shown(value: Any) -> str:
    if isinstance(value, tuple):
        return ", ".join(str(getattr(v, "value", v)) for v in value)
    return str(value)


def _plain(obj: Any) -> Any:
    if isinstance(obj, PluginSections):
        return {name: _plain(v) for name, v in obj.items()}
    if attrs.has(type(obj)):
        return {a.name: _plain(getattr(obj, a.name)) for a in attrs.fields(type(obj))}
    if isinstance(obj, tuple):
        return [_plain(v) for v in obj]
    return getattr(obj, "value", obj)


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"not valid JSON: {name} is not a number in JSON")


def leaf_keys(cls: type = ClinicConfig, prefix: str = "") -> list[str]:
    """Every dotted key of a threshold, e.g. ``go_no_go.systolic_below`` (docs and tests)."""
    attrs.resolve_types(cls)
    out: list[str] = []
    for a in attrs.fields(cls):
        if a.name in ("policy", "plugins", "notes"):  # not thresholds
            continue
        key = f"{prefix}{a.name}"
        if isinstance(a.type, type) and attrs.has(a.type):
            out += leaf_keys(a.type, key + ".")
        else:
            out.append(key)
    return out
