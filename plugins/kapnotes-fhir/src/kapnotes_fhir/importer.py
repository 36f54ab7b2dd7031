"""Import FHIR R4 QuestionnaireResponses (PHQ-9, GAD-7, ...) as measures of their sessions.

What a patient portal sends, and how it is read (strictly, by this module; no FHIR library):

* ``resourceType`` ``QuestionnaireResponse``, ``status`` ``completed`` or ``amended`` (other
  statuses are refused), no ``modifierExtension`` (a modifier we do not understand must not be
  ignored), no element R4 does not define.
* The instrument: ``questionnaire`` (a canonical, ``|version`` allowed): the LOINC form
  ``http://loinc.org/q/<panel code>`` or any URL ending in the panel code, or the kapnotes
  canonical ``.../Questionnaire/<instrument name>``; without it, the instrument whose item codes
  contain every ``linkId``. The codes come from the kapnotes instrument catalog, the same codes
  the exporter writes.
* The items: ``linkId`` = the item's LOINC code (a leading ``/`` as LHC-Forms writes it is
  accepted) or ``item-N``; one answer, ``valueInteger`` (items with a verified LOINC answer
  list, ``codes.ANSWER_LISTS``, also take its LA codes as ``valueCoding``, with or without
  ``system``: PHQ-9 items 1-9 LL358-3, item 10 LL359-1); groups (nested ``item``) are read through.
  An item with the instrument's total code is checked against the computed total. LinkIds that
  are not codes are mapped to the LOINC ``item.code`` of the Questionnaire sent with the
  responses (contained, or a Questionnaire resource in the same input, read and not imported).
* The patient: ``subject.reference`` (``Patient/<client id or exported id>``) or
  ``subject.identifier`` (the MRN; ``mrn_system`` restricts the system); a reference to a Patient
  sent in the response's own Bundle (else its own file), by ``fullUrl`` or ``Patient/<id>``, is
  read for that Patient's MRN (its identifier of type ``MR``); the Patient is not imported.
* The session: the ``encounter`` (reference ``Encounter/<session id or exported id>``, or
  ``identifier`` with the session id); else the session of that patient whose time span contains
  ``authored`` (a draft whose end is not recorded yet: its first :data:`OPEN_SESSION_SPAN`,
  ending before the next session starts); else (authored at home, between sessions) the
  patient's one course whose span, ``started_on`` to ``ended_on``, holds that day: the response
  is an **at-home measure** of the course (``course.measures``, context ``home``, format 1.3),
  with the same rules as below for "already present", corrections and partial responses; else
  an error naming the patient, the time and the courses' spans. kapnotes' own export of an at-home measure (its identifier in
  the exporter's measure system) goes back to the course that holds it.

* Extension fields: an ``extension`` whose URL an installed plugin declares for measures
  (``register_extensions``, host ``measure``) is read back into the measure's extension values,
  checked like a document's (:func:`kapnotes_fhir.extensions.read_fhir_extensions`); other
  extensions are ignored, as FHIR allows for any that is not a modifier. Other extension values
  make a re-import a correction, like other answers.

A total item may be ``valueDecimal`` when it is a whole number (LHC-Forms). A partial response
is imported with its completeness stated in the measure's notes (which begin with
:data:`IMPORTED_NOTE` and keep the response's id and identifier); the plugin's rule
``fhir-imported-incomplete`` flags it in ``kapnotes check``. A response identical to a measure
already there (same id, instrument, items and time) is "already present", in a signed session too.
A response that was imported before — the same portal ``identifier``, else the same ``id`` — with
other answers, or marked ``amended``, is a correction: it replaces the earlier measure where it
was imported (its draft session, or its course), whatever its new ``authored`` time, and the
earlier answers stay in the measure's notes ("replaces responses ..."); each import is a store
write, in its audit log.

A **signed** target session is otherwise refused: a signed note is immutable (content hash,
triggers), and a score added afterwards would change what was signed. Record it in a new session, or in an
addendum. Every problem of every resource is reported at once, each with its JSON path (``$`` is
the resource, ``$.entry[2].resource`` in a Bundle, ``$[4]`` the fifth NDJSON line), and nothing is
written unless every resource can be imported; then all are saved in one transaction.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import sqlite3
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import attrs

from kapnotes.errors import InvalidError, ModelError, NotFoundError, Problem
from kapnotes.instruments.base import Instrument
from kapnotes.model import (
    Document,
    MeasureAdministration,
    MeasureContext,
    NoteStatus,
    Respondent,
    Session,
    TreatmentCourse,
    evolve,
    valid_id,
)
from kapnotes.model.extensions import Extension, Extensions, UnknownExtension
from kapnotes.store import Store
from kapnotes_fhir import codes
from kapnotes_fhir.extensions import read_fhir_extensions
from kapnotes_fhir.ids import Systems, resource_uuid
from kapnotes_fhir.scores import link_id

#: The elements of an R4 QuestionnaireResponse (hl7.org/fhir/R4/questionnaireresponse.html).
QR_ELEMENTS = frozenset(
    {
        "resourceType", "id", "meta", "implicitRules", "language", "text", "contained",
        "extension", "modifierExtension", "identifier", "basedOn", "partOf", "questionnaire",
        "status", "subject", "encounter", "authored", "author", "source", "item",
    }
)
ITEM_ELEMENTS = frozenset({"id", "extension", "modifierExtension", "linkId", "definition", "text", "answer", "item"})
ANSWER_VALUES = frozenset(
    {
        "valueBoolean", "valueDecimal", "valueInteger", "valueDate", "valueDateTime", "valueTime",
        "valueString", "valueUri", "valueAttachment", "valueCoding", "valueQuantity", "valueReference",
    }
)
STATUSES = frozenset({"in-progress", "completed", "amended", "entered-in-error", "stopped"})
IMPORTED = frozenset({"completed", "amended"})
DATETIME_RE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")


#: How an imported measure's notes begin (the ``fhir-imported-incomplete`` rule looks for it).
IMPORTED_NOTE = "Imported from FHIR QuestionnaireResponse"


class TargetError(InvalidError):
    """Well-formed responses that cannot be placed: unknown patient or session, or a signed note."""


# --- input ----------------------------------------------------------------------------------------


@attrs.frozen
class Located:
    """A resource and where it is: its JSON path in its input, and the input's name."""

    path: str
    resource: Any
    source: str | None = None
    full_url: str | None = None  # its Bundle entry's fullUrl, if any


def locate(data: Any, root: str = "$", source: str | None = None) -> list[Located]:
    """The resources in ``data``: a resource, a Bundle (its entries) or a list of either."""
    if isinstance(data, list):
        out: list[Located] = []
        for i, item in enumerate(data):
            out += locate(item, f"{root}[{i}]", source)
        return out
    if isinstance(data, dict) and data.get("resourceType") == "Bundle":
        entries = data.get("entry", [])
        if not isinstance(entries, list):
            return [Located(f"{root}.entry", entries, source)]
        return [
            Located(f"{root}.entry[{i}].resource", e.get("resource") if isinstance(e, dict) else e, source,
                    e.get("fullUrl") if isinstance(e, dict) and isinstance(e.get("fullUrl"), str) else None)
            for i, e in enumerate(entries)
        ]
    return [Located(root, data, source)]


def read_file(path: Path) -> list[Located]:
    """The resources of a JSON file (a resource or a Bundle) or an NDJSON file (line i is ``$[i]``)."""
    try:
        # a byte order mark, as Windows tools write one, is not part of the JSON (RFC 8259 s. 8.1
        # lets a parser ignore it): read as UTF-8 either way
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InvalidError([Problem("$", f"not UTF-8 text: {exc}")], source=str(path)) from None
    lines = text.splitlines()
    ndjson = path.suffix.lower() in (".ndjson", ".jsonl") or (len(lines) > 1 and _looks_ndjson(lines))
    if not ndjson:
        try:
            return locate(json.loads(text), "$", str(path))
        except json.JSONDecodeError as exc:
            raise InvalidError([Problem("$", f"not JSON: {exc}")], source=str(path)) from None
    out: list[Located] = []
    problems = []
    for i, raw in enumerate(lines):
        if not raw.strip():
            continue
        try:
            out += locate(json.loads(raw), f"$[{i}]", str(path))
        except json.JSONDecodeError as exc:
            problems.append(Problem(f"$[{i}]", f"line {i + 1} is not JSON: {exc}"))
    if problems:
        raise InvalidError(problems, source=str(path))
    return out


def _looks_ndjson(lines: list[str]) -> bool:
    first = lines[0].strip()
    return first.startswith("{") and first.endswith("}") and _parses(first)


def _parses(text: str) -> bool:
    try:
        json.loads(text)
    except json.JSONDecodeError:
        return False
    return True


# --- parsing one resource ---------------------------------------------------------------------------


@attrs.frozen
class Ref:
    """A reference or an identifier, as given."""

    path: str
    reference: str | None = None
    system: str | None = None
    value: str | None = None
    #: the identifier is the MRN of a Patient sent with the response, which ``reference`` names
    #: (it is used when the reference names no patient of the store)
    sent: bool = False


@attrs.frozen
class Parsed:
    """A well-formed QuestionnaireResponse."""

    loc: Located
    instrument: Instrument
    items: tuple[int | None, ...]
    subject: Ref
    encounter: Ref | None
    authored: dt.datetime | None
    identifier: tuple[str | None, str] | None
    by_clinician: bool
    digest: str
    #: The measure's extension values, by namespace, read from the response's ``extension``.
    extensions: Mapping[str, Any] = attrs.field(factory=dict)


def _describe(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return f"{type(value).__name__} {text if len(text) <= 40 else text[:37] + '...'}"


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


class _Reader:
    """Reads one resource, collecting every problem with its path."""

    def __init__(
        self,
        loc: Located,
        instruments: Mapping[str, Instrument],
        questionnaires: Mapping[str, Any] | None = None,
        extensions: Mapping[str, Extension] | None = None,
        patients: Mapping[tuple[tuple[str | None, str], str], Located] | None = None,
    ) -> None:
        self.loc = loc
        self.root = loc.path
        self.instruments = instruments
        self.questionnaires = questionnaires or {}
        self.patients = patients or {}
        self.extensions = extensions or {}
        self.problems: list[Problem] = []

    def problem(self, rel: str, message: str) -> None:
        self.problems.append(Problem(self.root + rel, message))

    def read(self) -> Parsed | None:
        r = self.loc.resource
        if not isinstance(r, dict):
            self.problem("", f"expected a FHIR resource (a JSON object), got {_describe(r)}")
            return None
        if r.get("resourceType") != "QuestionnaireResponse":
            self.problem(".resourceType", f"expected 'QuestionnaireResponse', got {_describe(r.get('resourceType'))}")
            return None
        for key in sorted(set(r) - QR_ELEMENTS):
            self.problem(f".{key}", "not an element of an R4 QuestionnaireResponse")
        if r.get("modifierExtension"):
            self.problem(".modifierExtension", "modifier extensions are not understood, so the response is refused")
        self._status(r.get("status"))
        subject = self._ref(r, "subject", "Patient", required=True)
        sent = (self.patients.get((_container(self.loc), subject.reference))
                if subject is not None and subject.reference is not None else None)
        if subject is not None and sent is not None:
            subject = self._sent_patient(subject, sent)
        encounter = self._ref(r, "encounter", "Encounter", required=False)
        authored = self._authored(r.get("authored"))
        if encounter is None and authored is None and "authored" not in r:
            self.problem("", "needs an encounter or an authored time to find its session")
        identifier = self._identifier(r.get("identifier"))
        answers = self._items(r.get("item"))
        questionnaire = r.get("questionnaire")
        definition = self._definition(r, questionnaire)
        if definition is not None:  # numeric linkIds (LOINC's own PHQ-9 form): the codes are on item.code
            links = link_codes(definition)
            answers = [(links.get(_strip(link), link), path, v, kind) for link, path, v, kind in answers]
            if isinstance(questionnaire, str) and questionnaire.startswith("#") and isinstance(definition.get("url"), str):
                questionnaire = definition["url"]
        instrument = self._instrument(questionnaire, answers)
        items = self._responses(instrument, answers) if instrument is not None else None
        extensions, problems = read_fhir_extensions(
            r.get("extension"), MeasureAdministration.extension_host, self.extensions, f"{self.root}.extension"
        )
        self.problems += problems
        if self.problems or instrument is None or items is None or subject is None:
            return None
        by_clinician = _by_practitioner(r.get("author"))
        digest = hashlib.sha256(json.dumps(r, sort_keys=True, ensure_ascii=False).encode("utf-8")).hexdigest()
        return Parsed(
            self.loc, instrument, items, subject, encounter, authored, identifier, by_clinician, digest, extensions
        )

    # -- top-level elements ------------------------------------------------------------------------

    def _status(self, status: Any) -> None:
        if not isinstance(status, str) or status not in STATUSES:
            self.problem(".status", f"expected one of {', '.join(sorted(STATUSES))}, got {_describe(status)}")
        elif status not in IMPORTED:
            self.problem(".status", f"only completed or amended responses are imported, got {status!r}")

    def _ref(self, r: dict[str, Any], name: str, rtype: str, *, required: bool) -> Ref | None:
        value = r.get(name)
        path = f".{name}"
        if value is None:
            if required:
                self.problem(path, f"missing: the {rtype} this response is about")
            return None
        if not isinstance(value, dict):
            self.problem(path, f"expected a Reference (a JSON object), got {_describe(value)}")
            return None
        reference = value.get("reference")
        ident = value.get("identifier")
        if reference is None and ident is None:
            self.problem(path, "expected a reference or an identifier")
            return None
        if reference is not None and (not isinstance(reference, str) or not reference.strip()):
            self.problem(f"{path}.reference", f"expected a string, got {_describe(reference)}")
            return None
        if isinstance(reference, str):
            kind = _ref_parts(reference)[0] or rtype
            if kind != rtype:
                self.problem(f"{path}.reference", f"expected a reference to a {rtype}, got {reference!r}")
                return None
        system = val = None
        if ident is not None:
            if not isinstance(ident, dict) or not isinstance(ident.get("value"), str) or not ident["value"]:
                self.problem(f"{path}.identifier", "expected an Identifier with a string value")
                return None
            system, val = ident.get("system"), ident["value"]
            if system is not None and not isinstance(system, str):
                self.problem(f"{path}.identifier.system", f"expected a URI string, got {_describe(system)}")
                return None
        return Ref(self.root + path, reference, system, val)

    def _sent_patient(self, subject: Ref, patient: Located) -> Ref | None:
        """The subject with the MRN of the Patient sent with the response that its reference
        names (a portal's Bundle refers to its own copy of the patient by ``urn:uuid:`` or by
        an id of the portal's own). The MRN is the identifier typed ``MR`` (v2-0203), as
        kapnotes' own export types it: an identifier of another kind (a portal account number)
        is never taken for one, whatever its value."""
        if subject.value is not None:  # the response names the patient itself: that wins
            return subject
        ids = patient.resource.get("identifier")
        ids = [i for i in ids if isinstance(i, dict)] if isinstance(ids, list) else []
        mrn = [i for i in ids if _is_mrn(i)]
        if len(mrn) != 1 or not isinstance(mrn[0].get("value"), str) or not mrn[0]["value"]:
            self.problem(
                ".subject.reference",
                f"the Patient sent with the response ({patient.path}) has {len(mrn)} MRN(s) "
                "(identifiers of type MR, v2-0203); exactly one is needed to find the patient by",
            )
            return None
        system = mrn[0].get("system")
        return Ref(subject.path, subject.reference, system if isinstance(system, str) else None, mrn[0]["value"],
                   sent=True)

    def _authored(self, value: Any) -> dt.datetime | None:
        if value is None:
            return None
        if not isinstance(value, str) or not DATETIME_RE.match(value):
            self.problem(
                ".authored",
                f"expected a date-time with seconds and a UTC offset (2026-03-02T09:00:00-07:00), got {_describe(value)}",
            )
            return None
        try:
            return dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError as exc:
            self.problem(".authored", f"not a valid date-time: {exc}")
            return None

    def _identifier(self, value: Any) -> tuple[str | None, str] | None:
        if value is None:
            return None
        if not isinstance(value, dict) or not isinstance(value.get("value"), str) or not value["value"]:
            self.problem(".identifier", "expected an Identifier with a string value (R4: one, not a list)")
            return None
        system = value.get("system")
        return (system if isinstance(system, str) else None, value["value"])

    # -- items -------------------------------------------------------------------------------------

    def _items(self, items: Any, path: str = ".item") -> list[tuple[str, str, Any, str]]:
        """``(linkId, path of the answer value, value, kind)`` of every answered question."""
        out: list[tuple[str, str, Any, str]] = []
        if items is None and path == ".item":
            self.problem(path, "missing: a response needs its items")
            return out
        if not isinstance(items, list) or (path == ".item" and not items):
            self.problem(path, f"expected a non-empty list of items, got {_describe(items)}")
            return out
        for i, item in enumerate(items):
            ip = f"{path}[{i}]"
            if not isinstance(item, dict):
                self.problem(ip, f"expected an item (a JSON object), got {_describe(item)}")
                continue
            for key in sorted(set(item) - ITEM_ELEMENTS):
                self.problem(f"{ip}.{key}", "not an element of a QuestionnaireResponse item")
            if item.get("modifierExtension"):
                self.problem(f"{ip}.modifierExtension", "modifier extensions are not understood")
            link = item.get("linkId")
            if not isinstance(link, str) or not link.strip():
                self.problem(f"{ip}.linkId", f"expected a string, got {_describe(link)}")
                continue
            if "item" in item:
                out += self._items(item["item"], f"{ip}.item")
            answers = item.get("answer")
            if answers is None:
                continue
            if not isinstance(answers, list):
                self.problem(f"{ip}.answer", f"expected a list, got {_describe(answers)}")
                continue
            if len(answers) > 1:
                self.problem(f"{ip}.answer", f"expected one answer, got {len(answers)}")
                continue
            for j, ans in enumerate(answers):
                ap = f"{ip}.answer[{j}]"
                if not isinstance(ans, dict):
                    self.problem(ap, f"expected an answer (a JSON object), got {_describe(ans)}")
                    continue
                values = [k for k in ans if k in ANSWER_VALUES]
                extra = sorted(set(ans) - ANSWER_VALUES - {"id", "extension", "item"})
                for key in extra:
                    message = "modifier extensions are not understood" if key == "modifierExtension" else \
                        "not expected in an answer"
                    self.problem(f"{ap}.{key}", message)
                if len(values) != 1:
                    self.problem(ap, "expected exactly one value[x] (valueInteger)")
                else:
                    kind = values[0]
                    out.append((link.strip(), f"{ap}.{kind}", ans[kind], kind))
                if "item" in ans:  # questions asked after this answer (R4 item.answer.item): read through
                    out += self._items(ans["item"], f"{ap}.item")
        return out

    def _definition(self, r: dict[str, Any], questionnaire: Any) -> dict[str, Any] | None:
        """The Questionnaire a response answers, when it came with it (contained, or in the input)."""
        if not isinstance(questionnaire, str):
            return None
        if questionnaire.startswith("#"):
            for c in r.get("contained") or []:
                if isinstance(c, dict) and c.get("resourceType") == "Questionnaire" and c.get("id") == questionnaire[1:]:
                    return c
            self.problem(".questionnaire", f"no contained Questionnaire {questionnaire!r}")
            return None
        found = self.questionnaires.get(questionnaire.split("|", 1)[0])
        return found if isinstance(found, dict) else None

    def _instrument(self, questionnaire: Any, answers: list[tuple[str, str, Any, str]]) -> Instrument | None:
        if questionnaire is not None:
            if not isinstance(questionnaire, str) or not questionnaire.strip():
                self.problem(".questionnaire", f"expected a canonical URL, got {_describe(questionnaire)}")
                return None
            found = instrument_for_canonical(questionnaire, self.instruments)
            if found is None:
                known = ", ".join(sorted(_canonicals(self.instruments)))
                self.problem(".questionnaire", f"unknown questionnaire {questionnaire!r}; known: {known}")
            return found
        links = {_strip(link) for link, *_ in answers}
        matches = [
            i for i in self.instruments.values()
            if links and links <= {link_id(i, n) for n in range(1, len(i.items) + 1)} | _total_codes(i)
        ]
        if len(matches) != 1:
            self.problem(
                ".questionnaire",
                "missing, and the linkIds do not identify one instrument: give the questionnaire "
                "(e.g. http://loinc.org/q/44249-1 for PHQ-9)",
            )
            return None
        return matches[0]

    def _responses(self, inst: Instrument, answers: list[tuple[str, str, Any, str]]) -> tuple[int | None, ...] | None:
        numbers = {link_id(inst, n): n for n in range(1, len(inst.items) + 1)}
        totals = _total_codes(inst)
        given: dict[int, tuple[int, str]] = {}
        total: tuple[int, str] | None = None
        ok = True
        for link, path, value, kind in answers:
            key = _strip(link)
            n = numbers.get(key)
            if n is None and key not in totals:
                self.problem(
                    path.rsplit(".answer", 1)[0] + ".linkId",
                    f"unknown item {link!r} of {inst.title}; expected {', '.join(numbers)}"
                    + ("; for linkIds that are not codes, send its Questionnaire with the responses"
                       " (contained, or in the same Bundle or file)" if not key.count("-") else ""),
                )
                ok = False
                continue
            number = self._answer(inst, n, path, value, kind)
            if number is None:
                ok = False
                continue
            if n is None:
                total = (number, path)
            elif n in given:
                self.problem(path.rsplit(".answer", 1)[0] + ".linkId", f"item {link!r} is answered twice")
                ok = False
            else:
                given[n] = (number, path)
        if not ok:
            return None
        length = max([inst.min_answers, *given])
        responses = tuple(given[n][0] if n in given else None for n in range(1, length + 1))
        for p in inst.validate(responses):
            index = int(p.path[len("$.items["):-1]) if p.path.startswith("$.items[") else None
            where = given[index + 1][1] if index is not None and index + 1 in given else ".item"
            self.problem(where, p.message)
            ok = False
        if ok and total is not None:
            result = inst.score(responses)
            if result.total != total[0]:
                self.problem(total[1], f"the total given ({total[0]}) is not the total of the items ({result.total})")
                ok = False
        return responses if ok else None

    def _answer(self, inst: Instrument, n: int | None, path: str, value: Any, kind: str) -> int | None:
        if kind == "valueDecimal" and n is None:  # a total, as LHC-Forms sends it: 8 or 8.0, not 8.5
            if _is_int(value) or (isinstance(value, float) and value.is_integer()):
                return int(value)
            self.problem(path, f"expected a whole-number total, got {_describe(value)}")
            return None
        if kind == "valueInteger":
            if not _is_int(value):
                self.problem(path, f"expected an integer, got {_describe(value)}")
                return None
            return int(value)
        answers = codes.answer_list(inst.name, n) if n is not None else None
        if kind == "valueCoding" and answers is not None:
            # a portal may leave out the system of a LOINC answer code (LA...): the code names it
            if isinstance(value, dict) and value.get("system", codes.LOINC) == codes.LOINC:
                code = value.get("code")
                number = answers.value(code) if isinstance(code, str) else None
                if number is not None:
                    return number
            got = value if not isinstance(value, dict) else f"code {value.get('code')!r} of system {value.get('system', '(none)')!r}"
            known = ", ".join(c.code for c in answers.answers)
            self.problem(path, f"expected a LOINC answer of list {answers.id} ({known}), got {got}")
            return None
        self.problem(path, f"expected valueInteger, got {kind}")
        return None


def _strip(link: str) -> str:
    return link.lstrip("/")


def _total_codes(inst: Instrument) -> set[str]:
    loinc = codes.instrument_loinc(inst)
    return {loinc.total} if loinc is not None and loinc.total else set()


def _canonicals(instruments: Mapping[str, Instrument]) -> set[str]:
    out = set()
    for i in instruments.values():
        loinc = codes.instrument_loinc(i)
        out.add(f"{codes.LOINC}/q/{loinc.panel}" if loinc is not None and loinc.panel else f".../Questionnaire/{i.name}")
    return out


def link_codes(questionnaire: Mapping[str, Any]) -> dict[str, str]:
    """``{linkId: LOINC code}`` of a Questionnaire's items that carry a LOINC ``code``."""
    out: dict[str, str] = {}
    todo = list(questionnaire.get("item") or [])
    while todo:
        item = todo.pop()
        if not isinstance(item, dict):
            continue
        todo += item.get("item") or []
        for c in item.get("code") or []:
            if isinstance(c, dict) and c.get("system", codes.LOINC) == codes.LOINC and isinstance(c.get("code"), str):
                if isinstance(item.get("linkId"), str):
                    out[_strip(item["linkId"])] = c["code"]
                break
    return out


def instrument_for_canonical(canonical: str, instruments: Mapping[str, Instrument]) -> Instrument | None:
    """The instrument a Questionnaire canonical names: by LOINC panel code or kapnotes name."""
    url = canonical.strip().split("|", 1)[0].rstrip("/")
    last = re.split(r"[/:]", url)[-1]
    for inst in instruments.values():
        loinc = codes.instrument_loinc(inst)
        if loinc is not None and loinc.panel and last == loinc.panel:
            return inst
    for inst in instruments.values():
        if last == inst.name and re.search(r"[/:]Questionnaire[/:]" + re.escape(inst.name) + "$", url):
            return inst
    return None


# --- placing responses ----------------------------------------------------------------------------------


@attrs.frozen
class ImportedMeasure:
    """A measure imported (or found already there)."""

    path: str
    source: str | None
    client_id: str
    session_id: str | None  #: None for an at-home measure of the course
    measure: MeasureAdministration
    course_id: str | None = None  #: the course of an at-home measure (no session)


@attrs.frozen
class ImportSummary:
    """What an import did: the measures added, and how many were already in the store."""

    measures: tuple[ImportedMeasure, ...]
    unchanged: int

    @property
    def added(self) -> int:
        return len(self.measures)

    @property
    def sessions(self) -> int:
        return len({m.session_id for m in self.measures if m.session_id is not None})

    @property
    def at_home(self) -> int:
        """Measures added to courses as at-home measures (no session)."""
        return sum(1 for m in self.measures if m.session_id is None)


class _Placer:
    """Finds each response's client and session in the store."""

    def __init__(self, store: Store, mrn_system: str | None, identifier_base: str | None) -> None:
        self.store = store
        self.mrn_system = mrn_system
        clinic = store.clinic()
        self.clinic_id = clinic.id if clinic is not None else "kapnotes"
        self.systems = Systems.for_clinic(self.clinic_id, identifier_base)
        self._patient_uuids: dict[str, str] | None = None
        self._sessions: dict[str, list[Session]] = {}
        self.problems: list[Problem] = []

    def client(self, ref: Ref) -> str | None:
        found: set[str] = set()
        if ref.reference is not None:
            rid = _ref_id(ref.reference)
            if rid in self._client_ids():
                found.add(rid)
            elif rid in self._uuids():
                found.add(self._uuids()[rid])
            elif not ref.sent:  # (a sent Patient's own reference: found by its MRN below)
                self.problems.append(Problem(f"{ref.path}.reference", f"no patient {ref.reference!r} in the store"))
                return None
        if ref.value is not None:
            if self.mrn_system is not None and ref.system != self.mrn_system:
                self.problems.append(
                    Problem(f"{ref.path}.identifier.system", f"expected the MRN system {self.mrn_system!r}, got {ref.system!r}")
                )
                return None
            by_mrn = self._by_mrn(ref.value)
            if len(by_mrn) != 1:
                what = "no patient" if not by_mrn else f"{len(by_mrn)} patients"
                self.problems.append(Problem(f"{ref.path}.identifier.value", f"{what} with MRN {ref.value!r}"))
                return None
            found |= set(by_mrn)
        if len(found) != 1:
            self.problems.append(Problem(ref.path, "the reference and the identifier name different patients"))
            return None
        return found.pop()

    def session(self, p: Parsed, client_id: str) -> Session | TreatmentCourse | None:
        """The session of ``p``; without an encounter and outside every session, the one course
        whose span holds its time (an at-home response), else None with the problem noted."""
        sessions = self.client_sessions(client_id)
        earlier = self._earlier_import(p, client_id, sessions)
        if p.encounter is not None:
            found = self._by_encounter(p.encounter, client_id, sessions)
            if found is not None and earlier is not None and earlier.id != found.id:
                self.problems.append(Problem(
                    f"{p.encounter.path}", f"corrects the measure imported into {earlier.id!r}, which a "
                    f"correction cannot move to session {found.id!r}: send it as a new response (another id)"))
                return None
            return found
        assert p.authored is not None
        own = self._exported_home(p, client_id)
        if own is not None:  # kapnotes' own export of an at-home measure: back to its course
            return own
        if earlier is not None:  # a correction: where the response went first, whatever its new time
            return self._still_in(p, earlier)
        hits = [s for s in sessions if _spans(s, sessions, p.authored)]
        path = f"{p.loc.path}.authored"
        if not hits:
            return self._course_at_home(p, client_id)
        if len(hits) > 1:
            ids = ", ".join(s.id for s in hits)
            self.problems.append(Problem(path, f"{len(hits)} sessions span {p.authored.isoformat()} ({ids}); give the encounter"))
            return None
        return hits[0]

    def _earlier_import(
        self, p: Parsed, client_id: str, sessions: list[Session]
    ) -> Session | TreatmentCourse | None:
        """Where an earlier version of this response was imported (matched by the portal's
        identifier or the response's id, as :func:`source_key` names it), if anywhere.

        A corrected or ``amended`` response replaces that measure even when its ``authored``
        time moved (R4: the time the answers were last changed) out of the session it went to;
        placed by its new time it would be a second measure beside the first, wrong one. A
        response known only by its content has no earlier version (a changed one is new)."""
        if p.identifier is None and not (isinstance(p.loc.resource.get("id"), str) and p.loc.resource.get("id")):
            return None
        tail = f"-{p.instrument.name}-fhir-{source_key(p)[:12]}"
        for s in sessions:
            if any(m.id == s.id + tail for m in s.measures):
                return s
        for course in self.store.courses_of(client_id):
            if any(m.id == course.id + tail for m in course.measures):
                return course
        return None

    def _still_in(self, p: Parsed, earlier: Session | TreatmentCourse) -> Session | TreatmentCourse | None:
        """``earlier`` for a correction of what was imported there; a correction of an at-home
        measure whose new time is outside its course is refused (it cannot be one of its
        measures, and placed elsewhere it would be a second measure beside the first)."""
        if isinstance(earlier, Session):
            return earlier
        assert p.authored is not None
        day = p.authored.date()
        if earlier.started_on <= day and (earlier.ended_on is None or day <= earlier.ended_on):
            return earlier
        self.problems.append(Problem(
            f"{p.loc.path}.authored",
            f"corrects the at-home measure of course {earlier.id!r} ({earlier.started_on} to "
            f"{earlier.ended_on or 'open'}), but its time {p.authored.isoformat()} is outside the course: "
            "correct it with a time in the course, or send it as a new response (another id)",
        ))
        return None

    def _exported_home(self, p: Parsed, client_id: str) -> TreatmentCourse | None:
        """The course holding the at-home measure whose kapnotes id the response's identifier
        gives (an exported one), whatever session its time falls in."""
        if p.identifier is None or p.identifier[0] != self.systems.measure:
            return None
        for course in self.store.courses_of(client_id):
            if any(m.id == p.identifier[1] for m in course.measures):
                return course
        return None

    def _course_at_home(self, p: Parsed, client_id: str) -> TreatmentCourse | None:
        """The course of an at-home response: the one course of the patient whose span
        (started_on to ended_on, or still open) holds the authored date."""
        assert p.authored is not None
        when = p.authored.isoformat()
        day = p.authored.date()
        courses = self.store.courses_of(client_id)
        hits = [c for c in courses if c.started_on <= day and (c.ended_on is None or day <= c.ended_on)]
        path = f"{p.loc.path}.authored"
        spans = ", ".join(f"{c.id} ({c.started_on} to {c.ended_on or 'open'})" for c in courses) or "none"
        if len(hits) != 1:
            what = "no session or course" if not hits else f"{len(hits)} courses"
            self.problems.append(Problem(
                path, f"{what} of patient {client_id!r} spans {when} (courses: {spans}); give the encounter"
            ))
            return None
        if p.by_clinician:
            self.problems.append(Problem(
                f"{p.loc.path}.author", f"authored by a practitioner at {when}, outside every session of patient "
                f"{client_id!r}: an at-home measure is the patient's own; give the encounter"
            ))
            return None
        return hits[0]

    def _by_encounter(self, ref: Ref, client_id: str, sessions: list[Session]) -> Session | None:
        wanted = _ref_id(ref.reference) if ref.reference is not None else ref.value
        path = f"{ref.path}.reference" if ref.reference is not None else f"{ref.path}.identifier.value"
        for s in sessions:
            if wanted in (s.id, resource_uuid(self.clinic_id, "Encounter", s.id)):
                return s
        try:
            _, other = self.store.session(str(wanted))
        except NotFoundError:
            self.problems.append(Problem(path, f"no session {wanted!r} in the store"))
            return None
        self.problems.append(Problem(path, f"session {other.id!r} is not a session of patient {client_id!r}"))
        return None

    def client_sessions(self, client_id: str) -> list[Session]:
        if client_id not in self._sessions:
            self._sessions[client_id] = self.store.client_sessions(client_id)
        return self._sessions[client_id]

    def _client_ids(self) -> set[str]:
        return set(self._uuids().values())

    def _uuids(self) -> dict[str, str]:
        if self._patient_uuids is None:
            self._patient_uuids = {resource_uuid(self.clinic_id, "Patient", c): c for c in self.store.client_ids()}
        return self._patient_uuids

    def _by_mrn(self, mrn: str) -> list[str]:
        try:
            rows = self.store.conn.execute("SELECT id FROM clients WHERE mrn = ? ORDER BY id", (mrn,)).fetchall()
            return [r[0] for r in rows]
        except sqlite3.Error:  # a store without the mrn column: read the clients
            return [c for c in self.store.client_ids() if self.store.client(c).mrn == mrn]


#: How long a draft session whose end is not recorded yet is taken to last, for placing a
#: response by its time (a decision of this importer, not a clinical fact: a dosing session with
#: its monitoring and discharge, the longest kind, is rarely longer).
OPEN_SESSION_SPAN = dt.timedelta(hours=4)


def _spans(s: Session, sessions: list[Session], at: dt.datetime) -> bool:
    """Whether a response authored ``at`` belongs to session ``s`` by its time: from its start
    to its end; for a **draft** whose end is not recorded yet (charting under way), its first
    :data:`OPEN_SESSION_SPAN`, ending before the next session starts. A signed session without
    an end spans its start only (it is over: nothing found later is its)."""
    if at < s.start:
        return False
    if s.end is not None:
        return at <= s.end
    if s.status is not NoteStatus.DRAFT:
        return at == s.start
    later = [o.start for o in sessions if o.start > s.start]
    return at < min([s.start + OPEN_SESSION_SPAN, *later]) or at == s.start


_REF_RE = re.compile(r"^(?:.*/)?([A-Z][A-Za-z]+)/([^/]+)(?:/_history/[^/]+)?$")


def _ref_parts(reference: str) -> tuple[str | None, str]:
    """``(resource type or None, id)`` of a literal reference (``Patient/x``, a URL, ``urn:uuid:``)."""
    if reference.startswith("urn:uuid:"):
        return None, reference[len("urn:uuid:"):]
    m = _REF_RE.match(reference.strip())
    if m is None:
        return None, reference.strip()
    return m.group(1), m.group(2)


#: The resource types of an author who is a clinician, not the patient.
_PRACTITIONERS = frozenset({"Practitioner", "PractitionerRole"})


def _by_practitioner(author: Any) -> bool:
    """Whether ``author`` (a Reference) is a practitioner: by its ``type``, else by the type of
    its reference, relative (``Practitioner/x``) or absolute (``https://.../Practitioner/x``)."""
    if not isinstance(author, dict):
        return False
    kind = author.get("type")
    if isinstance(kind, str) and kind in _PRACTITIONERS:
        return True
    reference = author.get("reference")
    return isinstance(reference, str) and _ref_parts(reference)[0] in _PRACTITIONERS


def _container(loc: Located) -> tuple[str | None, str]:
    """Where a resource was sent: its input and its Bundle (``$``, ``$[3]`` for a Bundle on line
    4 of NDJSON), or its input alone for a resource not in a Bundle (an NDJSON line)."""
    head, sep, _ = loc.path.partition(".entry[")
    return (loc.source, head if sep else "")


def _patient_keys(loc: Located) -> set[str]:
    """How a response sent with a Patient may refer to it: its entry's fullUrl, ``Patient/<id>``."""
    rid = loc.resource.get("id")
    return {k for k in (loc.full_url, f"Patient/{rid}" if isinstance(rid, str) and rid else None) if k}


def _subject_reference(resource: Any) -> str | None:
    subject = resource.get("subject") if isinstance(resource, dict) else None
    reference = subject.get("reference") if isinstance(subject, dict) else None
    return reference if isinstance(reference, str) else None


def _is_mrn(identifier: dict[str, Any]) -> bool:
    """Whether an Identifier is typed as a medical record number (v2-0203 ``MR``)."""
    kind = identifier.get("type")
    codings = kind.get("coding") if isinstance(kind, dict) else None
    return isinstance(codings, list) and any(
        isinstance(c, dict) and c.get("code") == "MR" and c.get("system") in (None, codes.IDENTIFIER_TYPE) for c in codings
    )


def _ref_id(reference: str) -> str:
    return _ref_parts(reference)[1]


def _measure(p: Parsed, target: Session | TreatmentCourse, systems: Systems) -> MeasureAdministration:
    """The measure of ``p`` in its session, or (``target`` a course) its at-home measure."""
    if p.identifier is not None and p.identifier[0] == systems.measure and valid_id(p.identifier[1]) is None:
        mid = p.identifier[1]
    else:
        mid = f"{target.id}-{p.instrument.name}-fhir-{source_key(p)[:12]}"
    rid = p.loc.resource.get("id")
    parts = [f"id {rid}" if isinstance(rid, str) and rid else None]
    if p.identifier is not None:  # the portal's own identifier, kept as sent
        system, value = p.identifier
        parts.append(f"identifier {system}|{value}" if system else f"identifier {value}")
    source = "; ".join(x for x in parts if x) or "without id or identifier"
    result = p.instrument.score(p.items)
    note = f"{IMPORTED_NOTE} ({source})"
    if not result.complete:
        c = result.completeness
        note += f"; incomplete: {c.answered} of {c.required} required items answered, no total"
    if isinstance(target, TreatmentCourse):
        assert p.authored is not None  # placed by its time
        return MeasureAdministration(
            id=mid, instrument=p.instrument.name, administered_at=p.authored, items=p.items,
            respondent=Respondent.CLIENT, context=MeasureContext.HOME, notes=note,
            extensions=Extensions(p.extensions),
        )
    return MeasureAdministration(
        id=mid,
        instrument=p.instrument.name,
        administered_at=p.authored or target.start,
        items=p.items,
        respondent=Respondent.CLINICIAN if p.by_clinician else Respondent.CLIENT,
        notes=note,
        extensions=Extensions(p.extensions),
    )


def source_key(p: Parsed) -> str:
    """What names a response across its corrections: the portal's identifier, else its id,
    else (a response with neither) its content."""
    rid = p.loc.resource.get("id")
    if p.identifier is not None:
        name = f"identifier|{p.identifier[0] or ''}|{p.identifier[1]}"
    elif isinstance(rid, str) and rid:
        name = f"id|{rid}"
    else:
        return p.digest
    return hashlib.sha256(name.encode("utf-8")).hexdigest()


def _replacing(old: MeasureAdministration, new: MeasureAdministration) -> MeasureAdministration:
    """``new`` in place of ``old`` (a correction or an amended response), the old answers kept
    in its notes: the earlier versions stay readable in the record, and the store's audit log
    has each write."""
    answers = ",".join("-" if v is None else str(v) for v in old.items)
    history = [line for line in (old.notes or "").split("\n") if line.startswith("replaces responses ")]
    line = f"replaces responses {answers} of {old.administered_at.isoformat()}"
    return evolve(new, notes="\n".join([new.notes or "", *history, line]))


def _same(a: MeasureAdministration, b: MeasureAdministration) -> bool:
    """The same response: its answers, time and extension values (of the plugins installed)."""
    return (a.instrument, a.items, a.administered_at) == (b.instrument, b.items, b.administered_at) and _declared(
        a.extensions
    ) == _declared(b.extensions)


def _declared(extensions: Any) -> dict[str, Any]:
    """The extension values a FHIR response can carry: an undeclared namespace has no URL, so it
    is not exported and cannot come back."""
    return {ns: v for ns, v in extensions.items() if not isinstance(v, UnknownExtension)}


# --- the API ----------------------------------------------------------------------------------------------


def import_questionnaire_responses(
    store: Store,
    resources: Any,
    *,
    actor: str,
    mrn_system: str | None = None,
    identifier_base: str | None = None,
) -> ImportSummary:
    """Add the measures of ``resources`` to their sessions, all or nothing.

    :param resources: a QuestionnaireResponse, a Bundle, a list of either, or
        :class:`Located` resources (as :func:`read_file` returns).
    :param actor: who imports (passed to the store, which records it in its audit log).
    :param mrn_system: accept ``subject.identifier`` of this system only.
    :param identifier_base: the ``identifier_base`` the record was exported with (to recognize
        exported measure ids).
    :raises InvalidError: a malformed resource (every problem, with its JSON path).
    :raises TargetError: a response whose patient or session is not found, or whose session is
        signed. Nothing is written in either case.
    """
    if not isinstance(actor, str) or not actor.strip():
        raise ValueError("actor: say who imports (a user or clinician id)")
    located = _as_located(resources)
    from kapnotes.plugins import registry

    instruments = {i.name: i for i in registry().instruments}
    extensions = {e.name: e for e in registry().extensions}
    # Questionnaires sent with the responses are read for their linkIds, not imported
    questionnaires = {
        loc.resource["url"].split("|", 1)[0]: loc.resource
        for loc in located
        if isinstance(loc.resource, dict) and loc.resource.get("resourceType") == "Questionnaire"
        and isinstance(loc.resource.get("url"), str)
    }
    # and Patients, for the identifiers a response's subject reference points to (by the entry's
    # fullUrl or the Patient's own id): a portal's Bundle carries its copy of the patient
    sent = [loc for loc in located if isinstance(loc.resource, dict) and loc.resource.get("resourceType") == "Patient"]
    keys = {id(loc): _patient_keys(loc) for loc in sent}
    # looked up only where the response is (its Bundle, else its file): portals reuse ids
    patients: dict[tuple[tuple[str | None, str], str], Located] = {}
    problems: list[Problem] = []
    for loc in sent:
        for k in keys[id(loc)]:
            other = patients.setdefault((_container(loc), k), loc)
            if other is not loc:
                problems.append(Problem(f"{loc.path}.resourceType", f"another Patient sent with it ({other.path}) "
                                        f"is also {k!r}: which one a response refers to is not known"))
    located = [loc for loc in located
               if not (isinstance(loc.resource, dict) and loc.resource.get("resourceType") in ("Questionnaire", "Patient"))]
    parsed: list[Parsed] = []
    subjects = {(_container(loc), _subject_reference(loc.resource)) for loc in located}
    for loc in sent:  # a Patient no response is about: a wrong file?
        if not {(_container(loc), k) for k in keys[id(loc)]} & subjects:
            problems.append(Problem(f"{loc.path}.resourceType", "a Patient is read only as the subject of a "
                                    "QuestionnaireResponse sent with it, and none refers to this one"))
    for loc in located:
        reader = _Reader(loc, instruments, questionnaires, extensions, patients)
        result = reader.read()
        problems += reader.problems
        if result is not None:
            parsed.append(result)
    if problems:
        raise _error(InvalidError, problems, located)
    return _place(store, parsed, located, actor, mrn_system, identifier_base)


def import_files(
    store: Store, paths: Sequence[Path], *, actor: str, mrn_system: str | None = None, identifier_base: str | None = None
) -> ImportSummary:
    """:func:`import_questionnaire_responses` of the resources in JSON or NDJSON files."""
    located: list[Located] = []
    problems: list[Problem] = []
    for path in paths:
        try:
            located += read_file(Path(path))
        except InvalidError as exc:
            problems += [Problem(f"{path}:{p.path}" if len(paths) > 1 else p.path, p.message) for p in exc.problems]
            if len(paths) == 1:
                raise
    if problems:
        raise InvalidError(problems)
    return import_questionnaire_responses(
        store, located, actor=actor, mrn_system=mrn_system, identifier_base=identifier_base
    )


def _as_located(resources: Any) -> list[Located]:
    if isinstance(resources, Located):
        return [resources]
    if isinstance(resources, list) and resources and all(isinstance(r, Located) for r in resources):
        return list(resources)
    if isinstance(resources, Iterable) and not isinstance(resources, (dict, list, str, bytes)):
        resources = list(resources)
    return locate(resources)


def _error(cls: type[InvalidError], problems: list[Problem], located: list[Located]) -> InvalidError:
    sources = {loc.source for loc in located}
    if len(sources) == 1:
        return cls(problems, source=next(iter(sources)))
    by_path = {loc.path: loc.source for loc in located}
    out = []
    for p in problems:
        src = next((s for path, s in by_path.items() if p.path.startswith(path) and s), None)
        out.append(Problem(f"{src}:{p.path}" if src else p.path, p.message))
    return cls(out)


def _place(
    store: Store,
    parsed: list[Parsed],
    located: list[Located],
    actor: str,
    mrn_system: str | None,
    identifier_base: str | None,
) -> ImportSummary:
    placer = _Placer(store, mrn_system, identifier_base)
    new: dict[str, list[tuple[Parsed, MeasureAdministration]]] = {}
    home: dict[str, list[MeasureAdministration]] = {}  # at-home measures by course
    added: list[ImportedMeasure] = []
    unchanged = 0
    for p in parsed:
        client_id = placer.client(p.subject)
        if client_id is None:
            continue
        s = placer.session(p, client_id)
        if s is None:
            continue
        try:
            m = _measure(p, s, placer.systems)
        except ModelError as exc:
            placer.problems += [pr.under(p.loc.path) for pr in exc.problems]
            continue
        if isinstance(s, TreatmentCourse):  # authored at home, between sessions of the course
            if any(_same(x, m) for x in s.measures if x.id == m.id):
                unchanged += 1
                continue
            pending_home = home.setdefault(s.id, [])
            if any(x.id == m.id for x in pending_home):
                placer.problems.append(Problem(p.loc.path, f"measure {m.id!r} of course {s.id!r} is imported twice"))
                continue
            earlier = next((x for x in s.measures if x.id == m.id), None)
            if earlier is not None:  # a correction, or an amended response
                m = _replacing(earlier, m)
            pending_home.append(m)
            added.append(ImportedMeasure(p.loc.path, p.loc.source, client_id, None, m, course_id=s.id))
            continue
        if any(_same(x, m) for x in s.measures if x.id == m.id):
            unchanged += 1  # already there, signed or not (a re-import of kapnotes' own export)
            continue
        if s.status is not NoteStatus.DRAFT:
            where = p.encounter.path if p.encounter is not None else f"{p.loc.path}.authored"
            placer.problems.append(
                Problem(
                    where,
                    f"session {s.id!r} is {s.status.value}: a signed note cannot change; record the "
                    "score in a new session or an addendum",
                )
            )
            continue
        pending = new.setdefault(s.id, [])
        if any(x.id == m.id for _, x in pending):
            placer.problems.append(Problem(p.loc.path, f"measure {m.id!r} of session {s.id!r} is imported twice"))
            continue
        existing = next((x for x in s.measures if x.id == m.id), None)
        if existing is not None:  # a correction, or an amended response: it replaces the earlier one
            m = _replacing(existing, m)
        pending.append((p, m))
        added.append(ImportedMeasure(p.loc.path, p.loc.source, client_id, s.id, m))
    if placer.problems:
        raise _error(TargetError, placer.problems, located)
    if added:
        _save(store, new, actor, home)
    return ImportSummary(tuple(added), unchanged)


def _save(
    store: Store,
    new: dict[str, list[tuple[Parsed, MeasureAdministration]]],
    actor: str,
    home: Mapping[str, list[MeasureAdministration]] | None = None,
) -> None:
    """One Document with the changed courses, saved in one transaction (``home``: at-home
    measures by course; a correction takes the earlier one's place)."""
    courses: dict[str, TreatmentCourse] = {}
    for cid, measures in (home or {}).items():
        course = store.course(cid)
        incoming = {m.id: m for m in measures}
        kept = tuple(incoming.pop(x.id, x) for x in course.measures)
        courses[cid] = evolve(course, measures=(*kept, *incoming.values()))
    for sid, items in new.items():
        if not items:
            continue
        course, _ = store.session(sid)
        course = courses.get(course.id, course)
        incoming = {m.id: m for _, m in items}
        sessions = tuple(
            evolve(s, measures=(
                *(incoming.pop(x.id, x) for x in s.measures),  # a correction takes the earlier one's place
                *incoming.values(),
            )) if s.id == sid else s
            for s in course.sessions
        )
        courses[course.id] = evolve(course, sessions=sessions)
    clients = tuple(store.client(cid) for cid in sorted({c.client_id for c in courses.values()}))
    doc = Document(
        clinic=store.clinic(),
        clinicians=tuple(store.clinicians().values()),
        clients=clients,
        courses=tuple(courses.values()),
    )
    store.save(doc, actor=actor)
