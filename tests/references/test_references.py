"""The references registry: every citation resolves, nothing points outside the repository,
and docs/sources.md is generated from the registry."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from kapnotes import references
from kapnotes.references import MARKER_RE, REFERENCES, cite, markdown, reference

ROOT = Path(__file__).resolve().parents[2]
SCANNED = ("src", "plugins", "docs", "examples")
SUFFIXES = {".py", ".md", ".toml", ".json", ".txt"}
CITE_CALL_RE = re.compile(r"\bcite\(\s*((?:\"[^\"]+\"\s*,?\s*)+)")
#: Documents that exist only outside the repository: citing them leaves an auditor stranded.
OUTSIDE = ("DOMAIN.md", "DESIGN.md", "STYLE.md", "/work/shared", "../shared")


def _files() -> list[Path]:
    out = [ROOT / "README.md", ROOT / "CHANGELOG.md"]
    for top in SCANNED:
        for p in (ROOT / top).rglob("*"):
            if p.is_file() and p.suffix in SUFFIXES and ".venv" not in p.parts \
                    and "node_modules" not in p.parts and "__pycache__" not in p.parts:
                out.append(p)
    return out


def test_every_citation_marker_resolves():
    unknown = []
    for p in _files():
        text = p.read_text(encoding="utf-8", errors="replace")
        for m in MARKER_RE.finditer(text):
            if m.group(1) not in REFERENCES:
                unknown.append(f"{p.relative_to(ROOT)}: [ref:{m.group(1)}]")
        for m in CITE_CALL_RE.finditer(text):
            for key in re.findall(r"\"([^\"]+)\"", m.group(1)):
                if key not in REFERENCES:
                    unknown.append(f"{p.relative_to(ROOT)}: cite({key!r})")
    assert not unknown, "unresolved citation keys:\n" + "\n".join(unknown)


def test_no_citation_points_outside_the_repository():
    found = []
    for p in _files():
        if p.name == "CHANGELOG.md":
            continue  # the changelog may say that such citations were removed
        for n, line in enumerate(p.read_text(encoding="utf-8", errors="replace").splitlines(), 1):
            for doc in OUTSIDE:
                if doc in line:
                    found.append(f"{p.relative_to(ROOT)}:{n}: {doc}")
    assert not found, "citations of documents outside the repository:\n" + "\n".join(found)


def test_sources_page_is_generated_from_the_registry():
    page = (ROOT / "docs" / "sources.md").read_text(encoding="utf-8")
    assert page == markdown(), "docs/sources.md is stale: python -m kapnotes.references > docs/sources.md"


def test_every_entry_is_complete_and_cited_somewhere():
    texts = "\n".join(p.read_text(encoding="utf-8", errors="replace") for p in _files()
                      if p.name != "sources.md" and p.name != "references.py")
    uncited = [k for k in REFERENCES if f"[ref:{k}]" not in texts and f'"{k}"' not in texts]
    assert not uncited, f"registry entries nothing cites: {uncited}"
    for r in REFERENCES.values():
        assert r.authors.strip() and r.title.strip() and r.issuer.strip() and r.identifier.strip()
        assert r.checked.strip(), r.key
        assert r.status in ("verified", "single source", "not verified")


def test_cite_renders_the_marker_and_refuses_an_unknown_key():
    text = cite("kroenke-2001", note="item 9 > 0")
    assert text.startswith("Kroenke K, Spitzer RL, Williams JBW. The PHQ-9")
    assert text.endswith("[ref:kroenke-2001]: item 9 > 0")
    assert "(single source) [ref:rxnorm]" in cite("rxnorm")
    with pytest.raises(KeyError, match="no-such-paper"):
        cite("no-such-paper")
    with pytest.raises(KeyError, match="no-such-paper"):
        reference("no-such-paper")


def test_the_difficulty_item_and_cssrs_codes_are_recorded():
    loinc = references.reference("loinc").checked
    assert "69722-7" in loinc and "93373-9" in loinc and "93374-7" in loinc


def test_clinical_page_is_generated_from_the_code():
    from kapnotes.clinical_docs import markdown as clinical

    page = (ROOT / "docs" / "clinical.md").read_text(encoding="utf-8")
    assert page == clinical(), "docs/clinical.md is stale: python -m kapnotes.clinical_docs > docs/clinical.md"


def test_the_clinical_page_lists_every_rule_code_with_severity_and_every_default():
    from kapnotes.rules.builtin import BUILTIN_RULES, CODES
    from kapnotes.rules.config import ClinicConfig, leaf_keys

    page = (ROOT / "docs" / "clinical.md").read_text(encoding="utf-8")
    listed = {c for r in BUILTIN_RULES for c in r.codes}
    assert listed == set(CODES)
    for code, (severity, _what) in CODES.items():
        assert f"| `{code}` | {severity.value} |" in page, code
    for key in leaf_keys():
        assert f"| `{key}` | " in page, key
    assert str(ClinicConfig.default().monitoring.moaas_at_most) in page
