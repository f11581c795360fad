/**
 * `migrate --output ts` writes a cdk8s program that type-checks against this library, synthesizes (esbuild
 * bundles it, node runs it, as `cdk8s synth` would), and routes exactly like the `--output yaml` objects: every
 * request `--verify` derives from the Ingresses gets the same decision (route, rule, backends, rewrites, status)
 * from both compiled configs. (The configs differ in their listeners: the program's team grants render one
 * listener per granted hostname, which admits only the team's namespace.)
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { buildSync } from 'esbuild';
import * as ts from 'typescript';
import { parseAllDocuments } from 'yaml';
import { fixtureObjects } from './support';
import { compile } from '../../src/compiler';
import type { DataPlaneConfig } from '../../src/config/dataplane-config';
import { gatewayDecisions, migrateIngresses, Migration, typescriptProgram } from '../../src/migrate';
import { REPO_ROOT } from '../support/node-versions';

const FILES = ['affinity.yaml', 'canary.yaml', 'client-certs.yaml', 'external-auth.yaml', 'features.yaml', 'grpc.yaml', 'multi-tls.yaml',
  'path-matching.yaml', 'redirects.yaml', 'rewrite.yaml', 'semantics.yaml', 'untranslatable.yaml'];

// inside the repository, so that the bundled library finds its assets/ (the data plane) as it does from node_modules
const dir = path.join(REPO_ROOT, 'test-output', `migrate-ts-${process.pid}`);
const programs = new Map<string, { m: Migration; file: string; services: unknown[] }>();

beforeAll(() => {
  fs.mkdirSync(dir, { recursive: true });
  for (const f of FILES) {
    const { objects, sources } = fixtureObjects(f);
    const m = migrateIngresses(objects, { sources });
    const file = path.join(dir, `${f.replace('.yaml', '')}.ts`);
    fs.writeFileSync(file, typescriptProgram(m, { library: '../../src' }));
    programs.set(f, { m, file, services: objects.filter((o: any) => o.kind === 'Service' || o.kind === 'List') });
  }
});

afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

test('every program type-checks against the library (strict)', () => {
  const config = ts.getParsedCommandLineOfConfigFile(path.join(REPO_ROOT, 'tsconfig.json'), {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => undefined })!;
  const files = [...programs.values()].map((p) => p.file);
  const program = ts.createProgram(files, { ...config.options, noEmit: true, rootDir: REPO_ROOT, noUnusedLocals: true });
  const diagnostics = ts.getPreEmitDiagnostics(program)
    .map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n') + (d.file ? ` (${path.basename(d.file.fileName)})` : ''));
  expect(diagnostics).toEqual([]);
}, 120_000);


function configOf(objects: unknown[], gateway: { namespace: string; name: string }): DataPlaneConfig {
  const r = compile(objects, { allGateways: true });
  const c = r.configs.find((x) => x.gateway.namespace === gateway.namespace && x.gateway.name === gateway.name);
  if (!c) throw new Error(`no config for ${gateway.namespace}/${gateway.name}`);
  return c;
}

test.each(FILES)('%s: the program synthesizes, and its routing equals the YAML output\'s', (f) => {
  const p = programs.get(f)!;
  const js = p.file.replace(/\.ts$/, '.js');
  buildSync({ entryPoints: [p.file], bundle: true, platform: 'node', format: 'cjs', outfile: js, logLevel: 'error', external: ['cdk8s', 'constructs', 'cdk8s-plus-28'] });
  const outdir = path.join(dir, `${path.basename(js, '.js')}-dist`);
  const run = spawnSync(process.execPath, [js], { encoding: 'utf8', env: { ...process.env, CDK8S_OUTDIR: outdir, CDK8S_GATEWAY_QUIET: '1' } });
  expect(run.stderr).toBe('');
  expect(run.status).toBe(0);
  const synthesized = fs.readdirSync(outdir).filter((x) => x.endsWith('.yaml'))
    .flatMap((x) => parseAllDocuments(fs.readFileSync(path.join(outdir, x), 'utf8')).map((d) => d.toJS()));
  // the cluster's Services are there for both
  const fromTs = configOf([...synthesized, ...p.services.filter((s: any) => !synthesized.some((o: any) => o.kind === 'Service' && o.metadata.name === s.metadata?.name))], p.m.context.gateway);
  const fromYaml = configOf(p.m.objects, p.m.context.gateway);
  expect(fromYaml.httpRules.length + fromYaml.ports.length).toBeGreaterThan(1);
  const decisions = gatewayDecisions(p.m, fromYaml);
  expect(Object.keys(decisions).length).toBeGreaterThan(3);
  expect(gatewayDecisions(p.m, fromTs)).toEqual(decisions);
  expect(fromTs.httpRules).toEqual(fromYaml.httpRules);
  expect(fromTs.backends).toEqual(fromYaml.backends);
}, 60_000);
