/**
 * `expect(tester.problems).toEqual([])` is the README's test that an app is correct, so it must hold for the apps the
 * project itself shows: the README's short example (its code blocks, read from README.md and run as written) and
 * every example under examples/. What the tester could only assume (Services and Secrets the apps do not declare) is
 * in `assumptions`, not in `problems`.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ApiObject, App } from 'cdk8s';
import * as ts from 'typescript';
import * as library from '../../src';
import { GatewayTester } from '../../src';
import { buildExample, exampleNames } from '../crd-validation/examples';
import { REPO_ROOT } from '../support/node-versions';

process.env.CDK8S_GATEWAY_QUIET = '1';
const README = fs.readFileSync(path.join(REPO_ROOT, 'README.md'), 'utf8');

/** The TypeScript code block that follows `heading` in the README. */
function readmeBlock(heading: string): string {
  const at = README.indexOf(heading);
  if (at < 0) throw new Error(`README.md has no "${heading}"`);
  const m = /```ts\n([\s\S]*?)```/.exec(README.slice(at));
  if (!m) throw new Error(`README.md has no ts block after "${heading}"`);
  return m[1];
}

/** Runs README code as written, `cdk8s-gateway` being this package; returns the values of `names` it declared. */
function runReadme(code: string, names: string[], scope: Record<string, unknown> = {}): Record<string, unknown> {
  const js = ts.transpileModule(`${code}\nreturn { ${names.join(', ')} };`, {
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2020 },
  }).outputText;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const req = (id: string): unknown => (id === 'cdk8s-gateway' ? library : require(id));
  const args = Object.keys(scope);
  // eslint-disable-next-line @typescript-eslint/no-implied-eval
  return new Function('require', 'exports', ...args, js)(req, {}, ...Object.values(scope)) as Record<string, unknown>;
}

test('the README\'s short example has no problems: its own expect(...problems).toEqual([]) holds', () => {
  // GIVEN the app of "A short example", synthesized into a temp dir as written (app.synth() included)
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'readme-example-'));
  const before = process.env.CDK8S_OUTDIR;
  process.env.CDK8S_OUTDIR = outdir;
  let app: App;
  try {
    app = runReadme(readmeBlock('## A short example'), ['app']).app as App;
  } finally {
    if (before === undefined) delete process.env.CDK8S_OUTDIR;
    else process.env.CDK8S_OUTDIR = before;
    fs.rmSync(outdir, { recursive: true, force: true });
  }
  const gateway = app.node.findAll().find((c) => ApiObject.isApiObject(c) && c.kind === 'Gateway')!;

  // WHEN the README's GatewayTester block runs against it (its expect calls are the assertions)
  runReadme(readmeBlock('In jest, an application team tests its routes without a cluster'), ['res'], { gateway, expect, GatewayTester });

  // THEN what the tester could not check is listed apart: the certificate Secret and the shop Services
  const assumptions = GatewayTester.of(gateway).assumptions;
  expect(assumptions).toEqual(expect.arrayContaining([
    expect.stringMatching(/Secret gateway-system\/example-com-tls is not in the manifests .*assumed to exist/),
    expect.stringMatching(/Service shop\/api is not in the manifests .*assumed to exist/),
    expect.stringMatching(/Service shop\/storefront is not in the manifests .*assumed to exist/),
  ]));
  expect(GatewayTester.of(gateway).problems.join('\n')).not.toMatch(/assumed/);
});

test.each(exampleNames())('examples/%s: every Gateway of the example has no problems', (name) => {
  const app = buildExample(name);
  const gateways = app.charts.flatMap((c) => c.toJson()).filter((o) => o.kind === 'Gateway').map((o) => `${o.metadata.namespace}/${o.metadata.name}`);
  expect(gateways.length).toBeGreaterThan(0);
  for (const gateway of gateways) {
    expect({ gateway, problems: GatewayTester.of(app.charts[0], { gateway }).problems }).toEqual({ gateway, problems: [] });
  }
});

test('a real problem still shows up in problems next to the assumptions', () => {
  // GIVEN the quickstart plus an HTTPRoute written by hand for a listener the Gateway does not have
  const app = buildExample('quickstart');
  new ApiObject(app.charts.find((c) => c.namespace === 'shop')!, 'stray', {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'HTTPRoute',
    metadata: { name: 'stray' },
    spec: { parentRefs: [{ name: 'edge', namespace: 'gateway-system', sectionName: 'admin' }], rules: [{ backendRefs: [{ name: 'api', port: 8080 }] }] },
  });

  // WHEN
  const tester = GatewayTester.of(app.charts[0], { gateway: 'gateway-system/edge' });

  // THEN
  expect(tester.problems).toEqual([expect.stringMatching(/^HTTPRoute shop\/stray: .*Accepted=False NoMatchingParent: .*no listener named "admin"/)]);
  expect(tester.assumptions).toContainEqual(expect.stringMatching(/Service shop\/api is not in the manifests/));
});
