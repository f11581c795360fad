/**
 * dist/ alone carries everything the synth step compiled from: `cdk8s-gateway compile`, `bundle` and `serve`
 * on the synthesized directory give the data plane the config the synth step shipped, the Gateway's
 * dataPlane options (clientCertificateHeader, clusterDomain) included, and the data plane's own objects in
 * dist/ are not mistaken for the user's.
 */
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { App, Chart } from 'cdk8s';
import { parseAllDocuments } from 'yaml';
import { Backend, CaCertificate, Gateway, GatewayClass, HttpMatch, HttpRoute, Listener, TlsCertificate } from '../../src';
import { request } from '../support/http';
import { CLI_JS, startCli, tempDir } from '../support/processes';

process.env.CDK8S_GATEWAY_QUIET = '1';
const run = promisify(execFile);

let dist: string;
let shipped: string;

function docs(text: string): any[] {
  return parseAllDocuments(text).map((d) => d.toJS()).filter((o) => o);
}

function configMapData(objects: any[], name: string): Record<string, string> {
  return objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === name && o.metadata.namespace === 'gateway-system').data;
}

beforeAll(() => {
  // GIVEN an app whose client CA and certificate are created outside it (by hand, by cert-manager)
  dist = tempDir('gw-dist-');
  const app = new App({ outdir: dist });
  const platform = new Chart(app, 'platform', { namespace: 'gateway-system' });
  const gateway = new Gateway(platform, 'edge', {
    gatewayClass: GatewayClass.nodeDataPlane(platform),
    listeners: [
      Listener.http({ name: 'web', port: 80 }),
      Listener.https({ name: 'websecure', port: 443, hostname: '*.example.com', certificates: [TlsCertificate.fromSecretName('example-com-tls')] }),
    ],
    clientCertificateValidation: { caCertificates: [CaCertificate.fromConfigMapName('client-ca')] },
    dataPlane: { clientCertificateHeader: 'X-Client-Cert', clusterDomain: 'corp.example', replicas: 1 },
  });
  new HttpRoute(platform, 'api', {
    parentRefs: [{ parent: gateway }],
    rules: [{ matches: [HttpMatch.pathPrefix('/api')], backends: [Backend.fromServiceName('api', { port: 8080 })] }],
  });
  app.synth();
  const objects = fs.readdirSync(dist).flatMap((f) => docs(fs.readFileSync(path.join(dist, f), 'utf8')));
  shipped = configMapData(objects, 'edge-dataplane-config')['config.json'];
});

test('the dataPlane options reach the shipped config through the Gateway\'s parameters ConfigMap', () => {
  expect(JSON.parse(shipped).options).toEqual({ clientCertificateHeader: 'x-client-cert', clusterDomain: 'corp.example' });
});

test('`compile --output config` on dist/ prints the shipped config byte for byte, with no error about the CA made outside the app', async () => {
  const { stdout, stderr } = await run(process.execPath, [CLI_JS, 'compile', '--manifests', dist, '--output', 'config']);
  expect(stdout).toBe(shipped);
  expect(stderr).not.toMatch(/^error/m);
  expect(stderr).toMatch(/warning: .*ConfigMap gateway-system\/client-ca is not in the manifests/);
});

test('`bundle` on dist/ renders the same config ConfigMap', async () => {
  const { stdout } = await run(process.execPath, [CLI_JS, 'bundle', '--manifests', dist, '-o', '-']);
  expect(configMapData(docs(stdout), 'edge-dataplane-config')['config.json']).toBe(shipped);
});

test('`serve` on dist/ runs the shipped config', async () => {
  const gw = await startCli(['serve', '--manifests', dist, '--port-map', '80=0', '--port-map', '443=0', '--admin-port', '0']);
  try {
    const res = await request(`http://127.0.0.1:${gw.adminPort}/config`);
    expect(JSON.parse(res.body)).toEqual(JSON.parse(shipped));
  } finally {
    await gw.stop();
  }
});
