/**
 * What `cdk8s synth` of each example writes, the way its main.ts runs it (App + build + synth, here into a
 * temp outdir): every Gateway of this project's class has its running data plane in dist/, with no call
 * beyond the example's own code.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App } from 'cdk8s';
import { parseAllDocuments } from 'yaml';
import { GatewayClass } from '../../src';
import { exampleNames, examplesDir } from '../crd-validation/examples';

process.env.CDK8S_GATEWAY_QUIET = '1';

function synthToDisk(name: string): any[] {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), `example-${name}-`));
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { build } = require(path.join(examplesDir, name, 'app')) as { build(app: App): void };
    const app = new App({ outdir });
    build(app);
    app.synth();
    return fs.readdirSync(outdir).filter((f) => f.endsWith('.yaml'))
      .flatMap((f) => parseAllDocuments(fs.readFileSync(path.join(outdir, f), 'utf8')).map((d) => d.toJS()));
  } finally {
    fs.rmSync(outdir, { recursive: true, force: true });
  }
}

test.each(exampleNames())('examples/%s: dist/ holds a running data plane for each of its Gateways', (name) => {
  // WHEN
  const objects = synthToDisk(name);

  // THEN
  const ours = new Set(objects.filter((o) => o.kind === 'GatewayClass' && o.spec.controllerName === GatewayClass.NODE_DATA_PLANE_CONTROLLER)
    .map((o) => o.metadata.name));
  const gateways = objects.filter((o) => o.kind === 'Gateway' && ours.has(o.spec.gatewayClassName));
  expect(gateways.length).toBeGreaterThan(0);
  for (const gw of gateways) {
    const ns = gw.metadata.namespace;
    const at = (kind: string, n: string) => objects.find((o) => o.kind === kind && o.metadata.name === n && o.metadata.namespace === ns);
    const deployment = at('Deployment', `${gw.metadata.name}-dataplane`);
    expect(deployment?.spec.template.spec.containers[0].command).toEqual(expect.arrayContaining(['node', '/opt/cdk8s-gateway/bundle/boot.js']));
    const config = JSON.parse(at('ConfigMap', `${gw.metadata.name}-dataplane-config`).data['config.json']);
    expect(config.gateway).toEqual({ namespace: ns, name: gw.metadata.name });
    expect(at('ConfigMap', `${gw.metadata.name}-dataplane-bundle`)?.binaryData['dataplane.js.gz']).toBeDefined();
    expect(at('Service', `${gw.metadata.name}-dataplane`)?.spec.ports.length).toBe(new Set(gw.spec.listeners.map((l: any) => l.port)).size);
  }
});
