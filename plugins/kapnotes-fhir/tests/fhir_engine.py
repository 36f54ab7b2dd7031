"""A real FHIR engine for the tests: Medplum's open-source packages, run by ``engine/engine.mjs``.

``engine/`` holds ``package.json`` and its committed ``package-lock.json``; ``make install`` runs
``npm ci`` there. Each call is one node process that handles a whole job (many resources to
validate, or a sequence of posts, searches and counts over one ``MemoryRepository``), so the tests
start node a few times, not once per resource.

The engine tests are skipped only when ``node`` is not on the machine (the reason is shown); a
machine with node but without the packages fails, naming the command that installs them.
"""

from __future__ import annotations

import functools
import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

ENGINE_DIR = Path(__file__).parent / "engine"
SCRIPT = ENGINE_DIR / "engine.mjs"
NODE = shutil.which("node")


def _require() -> str:
    if NODE is None:
        pytest.skip("node is not installed: the real-FHIR-engine tests (Medplum) need node >= 20.19")
    if not (ENGINE_DIR / "node_modules" / "@medplum" / "fhir-router").is_dir():
        pytest.fail(f"the Medplum packages are not installed: run `npm ci` in {ENGINE_DIR} (make install does)")
    return NODE


def run(job: dict[str, Any], *, timeout: float = 300) -> dict[str, Any]:
    """Run one job in the engine and return its answer."""
    node = _require()
    proc = subprocess.run(
        [node, str(SCRIPT)], input=json.dumps(job).encode("utf-8"), capture_output=True,
        timeout=timeout, cwd=ENGINE_DIR, check=False,
    )
    if proc.returncode != 0:
        raise AssertionError(f"the engine failed ({proc.returncode}): {proc.stderr.decode(errors='replace')[-4000:]}")
    answer: dict[str, Any] = json.loads(proc.stdout)
    return answer


def validate(resources: list[dict[str, Any]], *, profiles: bool = False) -> list[list[dict[str, Any]]]:
    """The engine's errors for each resource (``profiles``: also against its ``meta.profile``)."""
    job: dict[str, Any] = {"validate": resources}
    if profiles:
        job["profiles"] = True
    return list(run(job)["validate"])


def loadable_profiles() -> set[str]:
    """The US Core profiles the engine can validate against (the rest it reports as not loaded)."""
    return set(run({"profiles": "list"})["profiles"])


def errors_by_resource(resources: list[dict[str, Any]], *, profiles: bool = False) -> dict[str, list[dict[str, Any]]]:
    """``{"Type/id": [error, ...]}`` for the resources the engine finds errors in."""
    out = {}
    for r, issues in zip(resources, validate(resources, profiles=profiles), strict=True):
        errs = [i for i in issues if i["severity"] in ("error", "fatal")]
        if errs:
            out[f"{r['resourceType']}/{r.get('id', '?')}"] = errs
    return out


def steps(*todo: dict[str, Any], plain: bool = False) -> list[Any]:
    """Run steps on one fresh repository: ``{"post": bundle, "transactions": bool}``,
    ``{"ingest": [resource, ...]}``, ``{"search": "Type?query"}``, ``{"counts": True}``,
    ``{"references": True}``, ``{"read": "Type"}``.

    The repository is Medplum's ``MemoryRepository`` with its ``identifier`` searches narrowed
    first to the resources holding the value (``engine.mjs`` says why and how); ``plain`` runs
    the steps on the ``MemoryRepository`` as Medplum ships it."""
    job: dict[str, Any] = {"steps": list(todo)}
    if plain:
        job["plain"] = True
    return list(run(job)["steps"])


DEFINITIONS = ENGINE_DIR / "node_modules" / "@medplum" / "definitions" / "dist" / "fhir" / "r4"


@functools.cache
def _definitions(name: str) -> dict[str, dict[str, Any]]:
    """Code systems and value sets of one of Medplum's packaged HL7 definition files, by URL."""
    _require()
    bundle = json.loads((DEFINITIONS / name).read_text(encoding="utf-8"))
    return {e["resource"]["url"]: e["resource"] for e in bundle.get("entry", []) if "url" in e.get("resource", {})}


def code_system(url: str) -> dict[str, str]:
    """``{code: display}`` of an HL7 code system as HL7 publishes it (Medplum's packaged copy):
    the tests check exported codes against the code systems themselves, not against our table."""
    for name in ("v3-codesystems.json", "v2-tables.json", "valuesets.json"):
        found = _definitions(name).get(url)
        if found is not None and found.get("resourceType") == "CodeSystem":
            out: dict[str, str] = {}
            todo = list(found.get("concept", []))
            while todo:
                c = todo.pop()
                out[c["code"]] = c.get("display", "")
                todo += c.get("concept", [])
            return out
    raise AssertionError(f"code system {url} is not in the packaged definitions")
