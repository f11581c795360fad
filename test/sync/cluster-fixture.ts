/**
 * A cluster for cluster-mode tests: the stand-in API server with the Gateway API CRDs, echo backends
 * ("pods") reachable through EndpointSlices, and helpers to write the objects a platform or team would
 * apply, and continuous load that records every answer.
 */
import * as http from 'node:http';
import * as path from 'node:path';
import { RunningEcho, startEchoServers } from '../support/echo';
import { request } from '../support/http';
import { gatewayApiCrds, KubeApiServer } from '../support/kube-apiserver';
import { startCli, Spawned, tempDir } from '../support/processes';

export const GW_NS = 'gateway-system';
export const GRANT_LABEL = 'gateway-access';

export interface Cluster {
  readonly api: KubeApiServer;
  readonly pods: RunningEcho[];
  readonly kubeconfig: string;
  readonly dir: string;
}

export async function startCluster(podCount: number): Promise<Cluster> {
  const api = await KubeApiServer.start();
  api.apply(gatewayApiCrds());
  const pods = await startEchoServers(...Array.from({ length: podCount }, (_, i) => `web-${i}`));
  const dir = tempDir('gw-cluster-');
  return { api, pods, kubeconfig: api.writeKubeconfig(dir), dir };
}

export function namespace(name: string, labels: Record<string, string> = {}): any {
  return { apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels } };
}

/** Gateway `edge`: one HTTP listener on port 80 for routes from namespaces labelled gateway-access=granted. */
export function gateway(): any {
  return {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'Gateway',
    metadata: { name: 'edge', namespace: GW_NS },
    spec: {
      gatewayClassName: 'cdk8s-gateway',
      listeners: [{
        name: 'web',
        port: 80,
        protocol: 'HTTP',
        allowedRoutes: { namespaces: { from: 'Selector', selector: { matchLabels: { [GRANT_LABEL]: 'granted' } } } },
      }],
    },
  };
}

export function service(ns: string, name: string): any {
  return { apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: ns }, spec: { ports: [{ name: 'http', port: 80, targetPort: 8080, protocol: 'TCP' }] } };
}

/** One EndpointSlice per pod (each echo listens on its own port, and a slice has one port per name). */
export function slice(ns: string, serviceName: string, pod: RunningEcho, conditions: Record<string, boolean> = { ready: true }): any {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name: `${serviceName}-${pod.name}`, namespace: ns, labels: { 'kubernetes.io/service-name': serviceName } },
    addressType: 'IPv4',
    ports: [{ name: 'http', port: pod.port, protocol: 'TCP' }],
    endpoints: [{ addresses: ['127.0.0.1'], conditions, targetRef: { kind: 'Pod', name: pod.name, namespace: ns } }],
  };
}

export function route(ns: string, name: string, prefix: string, backend = 'web', extra: Record<string, unknown> = {}): any {
  return {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'HTTPRoute',
    metadata: { name, namespace: ns },
    spec: {
      parentRefs: [{ name: 'edge', namespace: GW_NS }],
      rules: [{ matches: [{ path: { type: 'PathPrefix', value: prefix } }], backendRefs: [{ name: backend, port: 80 }], ...extra }],
    },
  };
}

/** `cdk8s-gateway serve --kubeconfig` for Gateway gateway-system/edge, listener port 80 on a free port. */
export function serveCluster(c: Cluster, kubeconfig = c.kubeconfig, extra: string[] = []): Promise<Spawned> {
  return startCli(['serve', '--kubeconfig', kubeconfig, '--gateway', `${GW_NS}/edge`, '--port-map', '80=0', '--admin-port', '0', '--no-access-log', ...extra]);
}

/** Polls GET `url` until `ok(status, body)`; resolves with the milliseconds it took. */
export async function until(url: string, ok: (status: number, body: any) => boolean, timeoutMs = 5000): Promise<number> {
  const start = Date.now();
  let last = '';
  for (;;) {
    try {
      const r = await request(url);
      if (ok(r.status, r.json)) return Date.now() - start;
      last = `${r.status} ${r.body.slice(0, 200)}`;
    } catch (e) {
      last = (e as Error).message;
    }
    if (Date.now() - start > timeoutMs) throw new Error(`${url}: condition not met within ${timeoutMs} ms; last answer: ${last}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

export interface LoadResult {
  readonly ok: number;
  /** Every answer other than 200, and every request error. */
  readonly failed: string[];
  /** Requests answered per pod (the echo's name). */
  readonly byPod: Map<string, number>;
}

/** `concurrency` clients sending GET `url` back to back over keep-alive connections until stop(). */
export function load(url: string, concurrency = 4): { stop(): Promise<LoadResult>; snapshot(): LoadResult } {
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  const result = { ok: 0, failed: [] as string[], byPod: new Map<string, number>() };
  let running = true;
  const one = () => new Promise<void>((resolve) => {
    const req = http.get(url, { agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        if (res.statusCode === 200) {
          result.ok++;
          const pod = JSON.parse(body).pod as string;
          result.byPod.set(pod, (result.byPod.get(pod) ?? 0) + 1);
        } else {
          result.failed.push(`${res.statusCode} ${body.slice(0, 200)}`);
        }
        resolve();
      });
      res.on('error', (e) => {
        result.failed.push(e.message);
        resolve();
      });
    });
    req.on('error', (e) => {
      result.failed.push(e.message);
      resolve();
    });
  });
  const workers = Array.from({ length: concurrency }, async () => {
    while (running) await one();
  });
  return {
    snapshot: () => ({ ok: result.ok, failed: [...result.failed], byPod: new Map(result.byPod) }),
    stop: async () => {
      running = false;
      await Promise.all(workers);
      agent.destroy();
      return result;
    },
  };
}

/** The pid of a process's children (`/proc/<pid>/task/<pid>/children`). */
export function childPids(pid: number): number[] {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const fs = require('node:fs') as typeof import('node:fs');
  const text = fs.readFileSync(path.join('/proc', String(pid), 'task', String(pid), 'children'), 'utf8');
  return text.trim().split(/\s+/).filter(Boolean).map(Number);
}
