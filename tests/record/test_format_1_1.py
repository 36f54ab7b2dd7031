"""Format 1.1: the pre-screen, chaperone check-ins, CADSS-6 totals, the ordering, administering
and monitoring clinicians and the prescriber's attestation. Every 1.0 document still loads; the
0.1 demo export (``kapnotes demo`` then ``kapnotes export --to json`` on 0.1.0) is the fixture."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import attrs
import pytest

from kapnotes.errors import FormatVersionError, ModelError
from kapnotes.model import (
    FORMAT_VERSION,
    Allergy,
    AntidepressantTrial,
    CheckIn,
    Contraindication,
    ContraindicationAnswer,
    ContraindicationScreen,
    Medication,
    MedicationClass,
    PregnancyTest,
    PreScreen,
    ScreenAnswer,
    SignatureRole,
    TrialOutcome,
)
from kapnotes.serialization import dumps, from_data, loads, to_data

FIXTURE = Path(__file__).parent / "fixtures" / "demo-0.1-export.json"


def test_the_format_version_is_1_3() -> None:
    # 1.2 adds billing (tests/record/test_format_1_2.py), 1.3 at-home measures (test_format_1_3.py)
    assert FORMAT_VERSION == "1.3"


def test_the_0_1_demo_export_loads_upgrades_and_round_trips() -> None:
    raw = FIXTURE.read_text(encoding="utf-8")
    assert json.loads(raw)["format_version"] == "1.0"
    doc = loads(raw)
    assert doc.format_version == FORMAT_VERSION  # upgraded: every 1.1 to 1.3 field is optional
    assert len(doc.courses) == 4 and sum(len(c.sessions) for c in doc.courses) == 44
    again = loads(dumps(doc))
    assert again == doc
    # nothing of the 1.0 record is lost: every 1.0 value is still there, unchanged
    old, new = json.loads(raw), to_data(doc)
    assert new["format_version"] == FORMAT_VERSION
    old.pop("format_version"), new.pop("format_version")
    assert _without_defaults(new) == _without_defaults(old)


def _without_defaults(data):
    """Drop empty and None values (the 1.1 fields a 1.0 document does not have)."""
    if isinstance(data, dict):
        return {k: _without_defaults(v) for k, v in data.items() if v not in (None, [], {})}
    if isinstance(data, list):
        return [_without_defaults(v) for v in data]
    return data


def test_a_newer_minor_version_is_refused() -> None:
    data = json.loads(FIXTURE.read_text(encoding="utf-8"))
    data["format_version"] = "1.4"
    with pytest.raises(FormatVersionError, match="Upgrade kapnotes"):
        from_data(data)


def _pre_screen() -> PreScreen:
    return PreScreen(
        allergies=(Allergy(substance="penicillin", reaction="rash"),),
        contraindications=ContraindicationScreen(
            answers=(
                ContraindicationAnswer(condition=Contraindication.ANEURYSMAL_VASCULAR_DISEASE,
                                       answer=ScreenAnswer.NO),
                ContraindicationAnswer(condition=Contraindication.PSYCHOSIS_OR_MANIA,
                                       answer=ScreenAnswer.NO),
            ),
            screened_by="dr-a",
            screened_on=dt.date(2026, 1, 5),
        ),
        medications=(Medication(name="lorazepam", dose="0.5 mg at night",
                                classes=(MedicationClass.BENZODIAZEPINE,)),),
        antidepressant_trials=(
            AntidepressantTrial(agent="sertraline", dose="150 mg", weeks=8, adequate=True,
                                outcome=TrialOutcome.NO_RESPONSE),
        ),
        pregnancy_test=PregnancyTest.NEGATIVE,
        height_cm=170.0,
    )


def test_the_1_1_fields_round_trip() -> None:
    doc = loads(FIXTURE.read_text(encoding="utf-8"))
    course = doc.courses[3]  # the esketamine client
    k, s = next((k, s) for k, s in enumerate(course.sessions) if s.dosing is not None)
    assert s.dosing is not None
    dosing = attrs.evolve(
        s.dosing,
        ordering_clinician_id="dr-a", administering_clinician_id="dr-a",
        monitoring_clinician_id="dr-a",
        monitoring=(*s.dosing.monitoring,
                    CheckIn(at=s.dosing.monitoring[-1].at, by="Chaperone (synthetic)")),
    )
    s2 = attrs.evolve(s, dosing=dosing, pre_screen=_pre_screen())
    sessions = list(course.sessions)
    sessions[k] = s2
    doc2 = attrs.evolve(doc, courses=(*doc.courses[:3], attrs.evolve(course, sessions=tuple(sessions))))
    data = to_data(doc2)
    got = data["courses"][3]["sessions"][k]
    assert got["pre_screen"]["medications"][0]["classes"] == ["benzodiazepine"]
    assert got["pre_screen"]["pregnancy_test"] == "negative"
    assert got["dosing"]["monitoring"][-1]["type"] == "check_in"
    assert loads(dumps(doc2)) == doc2


def test_pre_screen_helpers_and_invariants() -> None:
    p = _pre_screen()
    assert p.takes(MedicationClass.BENZODIAZEPINE) is True
    assert p.takes(MedicationClass.MAOI) is False
    assert PreScreen().takes(MedicationClass.MAOI) is None  # no list reviewed
    assert p.bmi(72.25) == 25.0
    assert p.contraindications is not None
    assert p.contraindications.answer(Contraindication.PSYCHOSIS_OR_MANIA) is ScreenAnswer.NO
    assert p.contraindications.answer(Contraindication.PREGNANCY_OR_LACTATION) is None
    with pytest.raises(ModelError, match="no known allergies"):
        PreScreen(no_known_allergies=True, allergies=(Allergy(substance="latex"),))


def test_signature_roles_include_the_prescriber_attestation() -> None:
    assert SignatureRole("prescriber_attestation") is SignatureRole.PRESCRIBER_ATTESTATION
