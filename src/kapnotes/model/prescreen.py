"""The medical pre-screen: allergies, contraindications, medications, prior antidepressant
trials and the pregnancy test, recorded at intake and on each dosing day (format 1.1).

A session's ``pre_screen`` holds what was screened that day. Rules read the dosing session's
own screen first and otherwise the latest earlier screen of the course (a medication list
confirmed at intake still answers the REMS monitoring form's concomitant-medication questions
until a later screen replaces it).
"""

from __future__ import annotations

import datetime as dt

from kapnotes.choices import Choice
from kapnotes.errors import Problem
from kapnotes.model._base import field, in_range, model, non_blank, problem, unique_by, valid_id
from kapnotes.model.dosing import Severity


class ScreenAnswer(Choice):
    """The answer to one screening question."""

    YES = "yes"  # the condition is present
    NO = "no"
    UNKNOWN = "unknown"


class Contraindication(Choice):
    """Conditions screened before ketamine or esketamine.

    Esketamine (SPRAVATO label, section 4): aneurysmal vascular disease, arteriovenous
    malformation, history of intracerebral haemorrhage, hypersensitivity. Racemic ketamine
    (Sanacora et al. 2017 consensus; Hull et al. 2022 exclusions): uncontrolled hypertension,
    psychosis or mania, pregnancy or lactation, substance use disorder.
    """

    ANEURYSMAL_VASCULAR_DISEASE = "aneurysmal_vascular_disease"
    ARTERIOVENOUS_MALFORMATION = "arteriovenous_malformation"
    INTRACEREBRAL_HAEMORRHAGE = "intracerebral_haemorrhage_history"
    KETAMINE_HYPERSENSITIVITY = "ketamine_hypersensitivity"
    UNCONTROLLED_HYPERTENSION = "uncontrolled_hypertension"
    PSYCHOSIS_OR_MANIA = "psychosis_or_mania"
    PREGNANCY_OR_LACTATION = "pregnancy_or_lactation"
    SUBSTANCE_USE_DISORDER = "substance_use_disorder"

    @property
    def label(self) -> str:
        return _CONTRAINDICATION_LABELS[self]


_CONTRAINDICATION_LABELS = {
    Contraindication.ANEURYSMAL_VASCULAR_DISEASE: "Aneurysmal vascular disease",
    Contraindication.ARTERIOVENOUS_MALFORMATION: "Arteriovenous malformation",
    Contraindication.INTRACEREBRAL_HAEMORRHAGE: "History of intracerebral haemorrhage",
    Contraindication.KETAMINE_HYPERSENSITIVITY: "Hypersensitivity to ketamine or esketamine",
    Contraindication.UNCONTROLLED_HYPERTENSION: "Uncontrolled hypertension",
    Contraindication.PSYCHOSIS_OR_MANIA: "Psychosis or mania",
    Contraindication.PREGNANCY_OR_LACTATION: "Pregnancy or lactation",
    Contraindication.SUBSTANCE_USE_DISORDER: "Substance use disorder",
}


class MedicationClass(Choice):
    """Class flags the rules use (the REMS monitoring form asks about the first four)."""

    BENZODIAZEPINE = "benzodiazepine"
    SEDATIVE_HYPNOTIC = "non_benzodiazepine_sedative_hypnotic"
    PSYCHOSTIMULANT = "psychostimulant"
    MAOI = "maoi"
    OPIOID = "opioid"
    ANTIDEPRESSANT = "antidepressant"
    ANTIHYPERTENSIVE = "antihypertensive"

    @property
    def label(self) -> str:
        return {
            MedicationClass.SEDATIVE_HYPNOTIC: "Non-benzodiazepine sedative hypnotic",
            MedicationClass.MAOI: "MAOI",
        }.get(self, self.value.replace("_", " ").capitalize())


class PregnancyTest(Choice):
    """A coded pregnancy test result."""

    NEGATIVE = "negative"
    POSITIVE = "positive"
    NOT_APPLICABLE = "not_applicable"
    DECLINED = "declined"


class TrialOutcome(Choice):
    NO_RESPONSE = "no_response"
    PARTIAL_RESPONSE = "partial_response"
    RESPONSE = "response"
    INTOLERANCE = "intolerance"


@model
class Allergy:
    substance: str = field(check=non_blank)
    reaction: str | None = None
    severity: Severity | None = None


@model
class ContraindicationAnswer:
    condition: Contraindication
    answer: ScreenAnswer
    notes: str | None = None


@model
class ContraindicationScreen:
    """The structured contraindication screen: each condition's answer and who screened."""

    answers: tuple[ContraindicationAnswer, ...] = field(
        default=(), check=unique_by(lambda a: a.condition, "condition")
    )
    screened_by: str | None = field(default=None, check=valid_id)
    screened_on: dt.date | None = None

    def answer(self, condition: Contraindication) -> ScreenAnswer | None:
        """The answer for ``condition``, None when it was not asked."""
        return next((a.answer for a in self.answers if a.condition is condition), None)


@model
class Medication:
    """A current medication, with the class flags the rules use."""

    name: str = field(check=non_blank)
    dose: str | None = None
    classes: tuple[MedicationClass, ...] = ()


@model
class AntidepressantTrial:
    """A prior antidepressant trial (the treatment-resistance criterion payers ask for)."""

    agent: str = field(check=non_blank)
    dose: str | None = None
    weeks: float | None = field(default=None, check=in_range(0, 520, unit="weeks"))
    adequate: bool | None = None
    outcome: TrialOutcome | None = None


@model
class PreScreen:
    """What was screened before treatment (intake) or before the dose (dosing day).

    :ivar no_known_allergies: the client reports none (``allergies`` then stays empty).
    :ivar medications: the reviewed list; None when no list was reviewed, ``()`` when the
        client takes none.
    :ivar height_cm: with the dose's body weight it gives the BMI.
    """

    allergies: tuple[Allergy, ...] = ()
    no_known_allergies: bool = False
    contraindications: ContraindicationScreen | None = None
    medications: tuple[Medication, ...] | None = None
    antidepressant_trials: tuple[AntidepressantTrial, ...] = ()
    pregnancy_test: PregnancyTest | None = None
    height_cm: float | None = field(default=None, check=in_range(50, 250, unit="cm"))

    def takes(self, cls: MedicationClass) -> bool | None:
        """Whether a listed medication has class ``cls`` (None without a reviewed list)."""
        if self.medications is None:
            return None
        return any(cls in m.classes for m in self.medications)

    def bmi(self, weight_kg: float | None) -> float | None:
        """Body-mass index from ``height_cm`` and a weight, one decimal (None without both)."""
        if self.height_cm is None or weight_kg is None:
            return None
        return round(weight_kg / (self.height_cm / 100) ** 2, 1)

    def _invariants(self) -> list[Problem]:
        if self.no_known_allergies and self.allergies:
            return [problem("no_known_allergies", "no known allergies, yet allergies are listed")]
        return []
