/**
 * `cdk8s-gateway status --kubeconfig`: what the pods wrote, printed as `compile --output text` prints what it
 * computes, plus the routes not attached and why.
 */
import { spawn } from 'node:child_process';
import { startStatusPod } from './status-fixture';
import { formatStatus } from '../../src/cli/format-status';
import { compile } from '../../src/compiler';
import { gatewayClass } from '../compiler/fixtures';
import { gatewayApiCrds, KubeApiServer } from '../support/kube-apiserver';
import { CLI_JS, tempDir } from '../support/processes';

const NS = 'gateway-system';
const V1 = 'gateway.networking.k8s.io/v1';

test('prints the written status as compile prints the computed one, and the routes not attached and why', async () => {
  const api = await KubeApiServer.start();
  api.apply(gatewayApiCrds());
  const objects = [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } },
    gatewayClass(),
    { apiVersion: V1, kind: 'Gateway', metadata: { name: 'edge', namespace: NS }, spec: { gatewayClassName: 'node', listeners: [{ name: 'web', port: 80, protocol: 'HTTP', hostname: '*.example.com' }] } },
    { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: NS }, spec: { ports: [{ port: 80 }] } },
    { apiVersion: V1, kind: 'HTTPRoute', metadata: { name: 'shop', namespace: NS }, spec: { parentRefs: [{ name: 'edge' }], rules: [{ backendRefs: [{ name: 'web', port: 80 }] }] } },
    // a hostname the listener does not serve: not accepted, with the spec's reason
    { apiVersion: V1, kind: 'HTTPRoute', metadata: { name: 'elsewhere', namespace: NS }, spec: { parentRefs: [{ name: 'edge' }], hostnames: ['shop.other.org'], rules: [{ backendRefs: [{ name: 'web', port: 80 }] }] } },
    // a parent that is not ours: no status from this controller at all
    { apiVersion: V1, kind: 'HTTPRoute', metadata: { name: 'orphan', namespace: NS }, spec: { parentRefs: [{ name: 'nope' }], rules: [{ backendRefs: [{ name: 'web', port: 80 }] }] } },
  ];
  api.apply(objects);
  const pod = await startStatusPod(api, { namespace: NS, name: 'edge' });
  try {
    const expected = formatStatus(compile(objects, { references: 'strict', dataPlaneAddresses: true }).status.filter((s) => s.name !== 'orphan'));
    const kubeconfig = api.writeKubeconfig(tempDir('gw-kc-'));
    let out = '';
    let code: number | null = null;
    for (let i = 0; i < 100; i++) {
      // the CLI runs asynchronously: the status writer runs in this process
      await new Promise((r) => setTimeout(r, 50));
      if (!api.get(V1, 'HTTPRoute', NS, 'elsewhere')?.status?.parents) continue;
      const r = await new Promise<{ out: string; code: number | null }>((resolve) => {
        const p = spawn(process.execPath, [CLI_JS, 'status', '--kubeconfig', kubeconfig, '-n', NS]);
        let s = '';
        p.stdout.on('data', (d: Buffer) => (s += d.toString()));
        p.on('close', (c) => resolve({ out: s, code: c }));
      });
      out = r.out;
      code = r.code;
      if (out.startsWith(expected)) break;
    }
    expect(out.slice(0, expected.length)).toBe(expected);
    expect(code).toBe(1);
    expect(out).toContain('HTTPRoute gateway-system/elsewhere (parent gateway-system/edge): NoMatchingListenerHostname');
    expect(out).toMatch(/HTTPRoute gateway-system\/orphan: not attached: no status from cdk8s-gateway.io\/node-data-plane for its parentRefs \(Gateway gateway-system\/nope\)/);
  } finally {
    pod.stop();
    await api.close();
  }
}, 30_000);
