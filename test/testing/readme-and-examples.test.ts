/**
 * `expect(tester.problems).toEqual([])` is the README's test that an app is correct, so it must hold for the apps the
 * project itself shows: the README's app (examples/cdk8s-app-readme, whose main.ts and main.test.ts the README shows
 * word for word), the short example of docs/ownership.md and the GatewayTester block of docs/serve-and-explain.md (run
 * as written), and every example under examples/. What the tester could only assume (Services and Secrets the apps do
 * not declare) is in `assumptions`, not in `problems`.
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
const README_APP = path.join(REPO_ROOT, 'examples', 'cdk8s-app-readme');

/** The code block of `lang` that follows `heading` in a markdown file of the repository. */
function docBlock(file: string, heading: string, lang = 'ts'): string {
  const text = fs.readFileSync(path.join(REPO_ROOT, file), 'utf8');
  const at = text.indexOf(heading);
  if (at < 0) throw new Error(`${file} has no "${heading}"`);
  const m = new RegExp(`\`\`\`${lang}\\n([\\s\\S]*?)\`\`\``).exec(text.slice(at));
  if (!m) throw new Error(`${file} has no ${lang} block after "${heading}"`);
  return m[1];
}

/**
 * Runs documented code as written, `cdk8s-gateway` being this package (and `modules` the other imports it
 * names); returns the values of `names` it declared.
 */
function runDoc(code: string, names: string[], scope: Record<string, unknown> = {}, modules: Record<string, unknown> = {}): Record<string, unknown> {
  const js = ts.transpileModule(`${code}\nreturn { ${names.join(', ')} };`, {
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2020 },
  }).outputText;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const req = (id: string): unknown => (id === 'cdk8s-gateway' ? library : id in modules ? modules[id] : require(id));
  const args = Object.keys(scope);
  // eslint-disable-next-line @typescript-eslint/no-implied-eval
  return new Function('require', 'exports', ...args, js)(req, {}, ...Object.values(scope)) as Record<string, unknown>;
}

/** Runs `f` with CDK8S_OUTDIR set to a temp dir (app.synth() in documented code writes there), then removes it. */
function inTempOutdir<T>(f: () => T): T {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'readme-example-'));
  const before = process.env.CDK8S_OUTDIR;
  process.env.CDK8S_OUTDIR = outdir;
  try {
    return f();
  } finally {
    if (before === undefined) delete process.env.CDK8S_OUTDIR;
    else process.env.CDK8S_OUTDIR = before;
    fs.rmSync(outdir, { recursive: true, force: true });
  }
}

test('the README shows examples/cdk8s-app-readme word for word (the app CI installs, synthesizes and tests)', () => {
  expect(docBlock('README.md', '### main.ts')).toBe(fs.readFileSync(path.join(README_APP, 'main.ts'), 'utf8'));
  expect(docBlock('README.md', '### Test a route without a cluster')).toBe(fs.readFileSync(path.join(README_APP, 'main.test.ts'), 'utf8'));
});

test('the README\'s main.test.ts passes against its main.ts, and its app has no problems', () => {
  // GIVEN the README's main.ts, run as written (cdk8s-plus-33 is the app's; the API it uses is the same in every major)
  const main = inTempOutdir(() => runDoc(docBlock('README.md', '### main.ts'), ['Platform', 'Shop', 'app'], {}, {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    'cdk8s-plus-33': require('cdk8s-plus-28'),
  }));
  let ran = 0;

  // WHEN its main.test.ts runs (its expect calls are the assertions)
  inTempOutdir(() => runDoc(docBlock('README.md', '### Test a route without a cluster'), [], {
    test: (_name: string, body: () => void) => { body(); ran++; }, expect,
  }, { './main': main }));

  // THEN it ran, and nothing was only assumed: the app declares the Service it routes to
  expect(ran).toBe(1);
  const platform = (main.app as App).node.findChild('platform');
  expect(GatewayTester.of(platform).assumptions).toEqual([]);
});

test('the short example of docs/ownership.md has no problems: the GatewayTester block of docs/serve-and-explain.md holds', () => {
  // GIVEN the app of "A short example", synthesized into a temp dir as written (app.synth() included)
  const app = inTempOutdir(() => runDoc(docBlock('docs/ownership.md', '## A short example'), ['app']).app as App);
  const gateway = app.node.findAll().find((c) => ApiObject.isApiObject(c) && c.kind === 'Gateway')!;

  // WHEN the documented GatewayTester block runs against it (its expect calls are the assertions)
  runDoc(docBlock('docs/serve-and-explain.md', 'In jest, an application team tests its routes without a cluster'), ['res'], { gateway, expect, GatewayTester });

  // THEN what the tester could not check is listed apart: the certificate Secret and the shop Services
  const assumptions = GatewayTester.of(gateway).assumptions;
  expect(assumptions).toEqual(expect.arrayContaining([
    expect.stringMatching(/Secret gateway-system\/example-com-tls is not in the manifests .*assumed to exist/),
    expect.stringMatching(/Service shop\/api is not in the manifests .*assumed to exist/),
    expect.stringMatching(/Service shop\/storefront is not in the manifests .*assumed to exist/),
  ]));
  expect(GatewayTester.of(gateway).problems.join('\n')).not.toMatch(/assumed/);
});

test('every code block of README.md and docs/*.md that imports cdk8s-gateway names only what the package exports', () => {
  const files = ['README.md', ...fs.readdirSync(path.join(REPO_ROOT, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];
  const unknown: string[] = [];
  for (const file of files) {
    const text = fs.readFileSync(path.join(REPO_ROOT, file), 'utf8');
    for (const m of text.matchAll(/import \{([^}]+)\} from 'cdk8s-gateway'/g)) {
      for (const name of m[1].split(',').map((n) => n.trim()).filter(Boolean)) if (!(name in library)) unknown.push(`${file}: ${name}`);
    }
  }
  expect(unknown).toEqual([]);
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
