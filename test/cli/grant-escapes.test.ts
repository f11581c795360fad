/**
 * Issue 13, where traffic is decided: the YAML of every escape in test/support/grant-escapes.ts (as it would be
 * written without synth's checks, which refuse it) served by `cdk8s-gateway serve` on real sockets, and asked of
 * `explain`. The foreign hostname never reaches the escape's backend (the gateway answers 404 itself), and the
 * teams' own routes keep working: the grant holds in the rendered Gateway API, not only in TypeScript.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { stringify } from 'yaml';
import { run as explainCmd } from '../../src/cli/explain';
import {
  buildEscape, expectForeignNotServed, expectTeamsServed, ForeignRequest, GRANT_ESCAPES, GrantEscape, manifestsOf, PAY_CHECKOUT, useEscapeBackends,
} from '../support/grant-escapes';
import { Spawned, startCli, tempDir } from '../support/processes';

process.env.CDK8S_GATEWAY_QUIET = '1';

const backends = useEscapeBackends();
const dir = tempDir('gw-escapes-wire-');

/** The escape's YAML, as the platform and the team would apply it (objects the team's RBAC refuses left out). */
function manifestsFile(escape: GrantEscape, name: string): string {
  const b = buildEscape(escape, fs.mkdtempSync(path.join(dir, 'app-')), backends.cert);
  const { platform, team } = manifestsOf(b);
  const applied = escape.refusedByRbac ? team.filter((o) => !escape.refusedByRbac!(o)) : team;
  const file = path.join(dir, `${name}.yaml`);
  fs.writeFileSync(file, [...platform, ...applied].map((o) => stringify(o)).join('---\n'));
  return file;
}

function ports(escape: GrantEscape): number[] {
  return [...new Set([80, 443, ...(escape.foreign ?? []).map((f) => f.port ?? (f.scheme === 'https' ? 443 : 80))])];
}

async function explain(file: string, r: ForeignRequest): Promise<{ code: number; json: any }> {
  let out = '';
  const o = jest.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => ((out += String(s)), true));
  const e = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
  try {
    const port = r.port ?? (r.scheme === 'https' ? 443 : 80);
    const code = await explainCmd(['--manifests', file, '--gateway', 'gateway-system/edge', '--output', 'json', 'GET', `${r.scheme}://${r.host}:${port}${r.path}`]);
    return { code, json: JSON.parse(out) };
  } finally {
    o.mockRestore();
    e.mockRestore();
  }
}

describe.each(GRANT_ESCAPES.map((e, i) => [e.name, e, i] as const))('%s: the foreign hostname is not served', (_name, escape, i) => {
  let file: string;
  let gw: Spawned;

  beforeAll(async () => {
    file = manifestsFile(escape, `escape-${i}`);
    gw = await startCli(['serve', '--manifests', file, '--gateway', 'gateway-system/edge', '--address', '127.0.0.1', '--admin-port', '0',
      ...ports(escape).flatMap((p) => ['--port-map', `${p}=0`]),
      '--backend', `shop/steal:8080=${backends.echoes.steal.target}`,
      '--backend', `shop/storefront:8080=${backends.echoes.storefront.target}`,
      '--backend', `payments/invoices:8080=${backends.echoes.invoices.target}`,
      '--backend', `payments/steal:8080=${backends.echoes.steal.target}`,
      '--backend', `gateway-system/steal:8080=${backends.echoes.steal.target}`,
      '--backend', `unlisted/steal:8080=${backends.echoes.steal.target}`,
      '--backend', `evil/steal:8080=${backends.echoes.steal.target}`]);
  });

  afterAll(async () => {
    await gw?.stop();
  });

  test('on the wire: the gateway answers the foreign requests itself, and never with the escape\'s backend', async () => {
    await expectForeignNotServed(gw, escape.foreign ?? PAY_CHECKOUT, backends.cert.cert);
  });

  test('on the wire: both teams\' own routes still work', async () => {
    await expectTeamsServed(gw, backends.cert.cert);
  });

  test('explain: no route of the escape matches, and its outcome is the wire\'s', async () => {
    for (const r of escape.foreign ?? PAY_CHECKOUT) {
      const { code, json } = await explain(file, r);
      expect({ request: r, code, route: json.route }).toEqual({ request: r, code: 1, route: undefined });
      // the wire's answer (the test above): a Host another listener owns than the SNI's is 421
      expect(json.code).toMatch(r.scheme === 'https' && r.host === 'example.com' ? /^GW_MISDIRECTED_REQUEST$/ : /^GW_NO_(ROUTE|LISTENER)$/);
    }
  });
});
