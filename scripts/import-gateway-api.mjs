// Regenerates the L1 classes in src/imports/ from the Gateway API v1.6.1 experimental-channel CRDs
// (a superset of the standard channel). Upstream prose stays upstream: every `description` is
// stripped before `cdk8s import`, and only the v1 version of each kind is kept.
//
// CRDs are read from $GATEWAY_API_CRDS (a directory) or ../shared/gateway-api/v1.6.1/experimental.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments, stringify } from 'yaml';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const crdDir = resolve(process.env.GATEWAY_API_CRDS ?? join(root, '..', 'shared', 'gateway-api', 'v1.6.1', 'experimental'));
if (!existsSync(crdDir)) {
  console.error(`import: no CRD directory at ${crdDir}; set GATEWAY_API_CRDS to the v1.6.1 experimental CRDs`);
  process.exit(1);
}

function strip(node, inProperties = false) {
  if (Array.isArray(node)) return node.map((n) => strip(n));
  if (node && typeof node === 'object') {
    const out = {};
    for (const [k, v] of Object.entries(node)) {
      // a field literally called "description" inside `properties` is a schema, not prose
      if (k === 'description' && !inProperties && typeof v === 'string') continue;
      out[k] = strip(v, k === 'properties');
    }
    return out;
  }
  return node;
}

const work = mkdtempSync(join(tmpdir(), 'gwapi-import-'));
const files = readdirSync(crdDir).filter((f) => /^gateway\.networking\.k8s\.io_.*\.yaml$/.test(f)).sort();
const docs = [];
for (const f of files) {
  for (const doc of parseAllDocuments(readFileSync(join(crdDir, f), 'utf8'))) {
    const crd = doc.toJSON();
    if (crd?.kind !== 'CustomResourceDefinition') continue;
    crd.spec.versions = crd.spec.versions.filter((v) => v.name === 'v1');
    if (crd.spec.versions.length === 0) throw new Error(`${f}: no v1 version`);
    delete crd.metadata.annotations;
    docs.push(stringify(strip(crd)));
  }
}

// one multi-document file: `cdk8s import` takes a single spec and writes one module per API group
const spec = join(work, 'gateway-api-crds.yaml');
writeFileSync(spec, docs.join('---\n'));
const outdir = join(root, 'src', 'imports');
// the k8s submodule's readme (docs/api/k8s.md's introduction) is written by hand: keep it across imports
const readme = join(outdir, 'gateway.networking.k8s.io.README.md');
const readmeText = existsSync(readme) ? readFileSync(readme, 'utf8') : undefined;
rmSync(outdir, { recursive: true, force: true });
execFileSync(
  join(root, 'node_modules', '.bin', 'cdk8s'),
  ['import', '--no-save', '--check-upgrade=false', '-l', 'typescript', '-o', outdir, spec],
  { cwd: work, stdio: 'inherit' },
);
rmSync(work, { recursive: true, force: true });
if (readmeText !== undefined) writeFileSync(readme, readmeText);
console.log(`import: ${docs.length} CRDs from ${crdDir} → ${outdir}`);
