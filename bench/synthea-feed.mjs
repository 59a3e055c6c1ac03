#!/usr/bin/env node
// Builds an NDJSON feed from the Synthea transaction Bundles of ../shared/corpus,
// as a Bulk Data export would deliver it: one resource per line, urn:uuid
// references rewritten to Type/id, the corpus repeated COPIES times with an id
// suffix per copy (so ids stay unique and references resolve within a copy).
// Usage: node bench/synthea-feed.mjs CORPUS_DIR COPIES OUT.ndjson
import fs from 'node:fs';
import path from 'node:path';

const [dir, copiesArg, out] = process.argv.slice(2);
if (!dir || !copiesArg || !out) {
  console.error('usage: synthea-feed.mjs CORPUS_DIR COPIES OUT.ndjson');
  process.exit(2);
}
const copies = Number(copiesArg);
const files = fs.readdirSync(dir).filter((f) => f.endsWith('.json')).sort();
const bundles = files.map((f) => JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')));
const fd = fs.openSync(out, 'w');
let n = 0;
for (let c = 0; c < copies; c++) {
  const suffix = copies > 1 ? `-c${c}` : '';
  for (const b of bundles) {
    const refs = new Map();
    for (const e of b.entry || []) {
      if (e.fullUrl && e.resource) refs.set(e.fullUrl, `${e.resource.resourceType}/${e.resource.id}${suffix}`);
    }
    const rewrite = (v) => {
      if (Array.isArray(v)) return v.map(rewrite);
      if (v && typeof v === 'object') {
        const o = {};
        for (const [k, x] of Object.entries(v)) {
          o[k] = k === 'reference' && typeof x === 'string' && refs.has(x) ? refs.get(x) : rewrite(x);
        }
        return o;
      }
      return v;
    };
    const lines = [];
    for (const e of b.entry || []) {
      if (!e.resource) continue;
      const r = rewrite(e.resource);
      r.id = `${r.id}${suffix}`;
      lines.push(JSON.stringify(r));
      n++;
    }
    fs.writeSync(fd, lines.join('\n') + '\n');
  }
}
fs.closeSync(fd);
console.error(`${n} resources written to ${out}`);
