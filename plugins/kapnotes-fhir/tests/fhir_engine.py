"""A real FHIR engine for the tests: Medplum's open-source packages, run by ``engine/engine.mjs``.

``engine/`` holds ``package.json`` and its committed ``package-lock.json``; ``make install`` runs
``npm ci`` there. A job is a whole piece of work (many resources to validate, or a sequence of
posts, searches and counts over one fresh ``MemoryRepository``). Each test process keeps the
engine running (``engine.mjs --serve``: a job per line, an answer per line) and sends it its jobs,
so node starts (about 1.5 s) once or twice per process, not once per job. Jobs that validate
against US Core go to an engine of their own: loading the profiles changes the engine's state,
and the other jobs get an engine that never loaded them, as they would in a process of their own.

The engine tests are skipped only when ``node`` is not on the machine (the reason is shown); a
machine with node but without the packages fails, naming the command that installs them.
"""

from __future__ import annotations

import atexit
import functools
import json
import os
import selectors
import shutil
import subprocess
import tempfile
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


class _Engine:
    """One ``engine.mjs --serve`` process: jobs in on its stdin, answers out on its stdout."""

    def __init__(self, node: str) -> None:
        self.stderr = tempfile.TemporaryFile()  # noqa: SIM115 - kept open as long as the engine runs
        self.proc = subprocess.Popen(
            [node, str(SCRIPT), "--serve"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=self.stderr, cwd=ENGINE_DIR,
        )

    def alive(self) -> bool:
        return self.proc.poll() is None

    def _failed(self, what: str) -> AssertionError:
        self.close()
        self.stderr.seek(0)
        err = self.stderr.read().decode(errors="replace")[-4000:]
        return AssertionError(f"the engine {what} ({self.proc.returncode}): {err}")

    def ask(self, job: dict[str, Any], timeout: float) -> dict[str, Any]:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        try:
            self.proc.stdin.write(json.dumps(job).encode("ascii") + b"\n")  # ASCII: no raw line break
            self.proc.stdin.flush()
        except BrokenPipeError:
            raise self._failed("exited") from None
        with selectors.DefaultSelector() as sel:
            sel.register(self.proc.stdout, selectors.EVENT_READ)
            if not sel.select(timeout):
                raise self._failed(f"gave no answer in {timeout:g} s")
        line = self.proc.stdout.readline()  # the whole answer: the engine writes it in one line
        if not line:
            raise self._failed("exited")
        answer: dict[str, Any] = json.loads(line)
        if "error" in answer:
            raise AssertionError(f"the engine failed: {answer['error'][-4000:]}")
        return answer

    def close(self) -> None:
        if self.alive():
            assert self.proc.stdin is not None
            self.proc.stdin.close()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


_ENGINES: dict[bool, _Engine] = {}  # by "loads US Core", for this process (not inherited by a fork)
_OWNER = os.getpid()


def _engine(us_core: bool) -> _Engine:
    node = _require()
    if os.getpid() != _OWNER:  # a forked child does not share the parent's pipes
        raise AssertionError("the FHIR engine is used from the process that started it only")
    engine = _ENGINES.get(us_core)
    if engine is None or not engine.alive():
        engine = _ENGINES[us_core] = _Engine(node)
    return engine


@atexit.register
def _close_engines() -> None:
    if os.getpid() == _OWNER:
        for engine in _ENGINES.values():
            engine.close()


def run(job: dict[str, Any], *, timeout: float = 300) -> dict[str, Any]:
    """Run one job in the engine and return its answer."""
    return _engine("profiles" in job).ask(job, timeout)


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
