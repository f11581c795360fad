/**
 * Status writing in-process against the stand-in API server: one GatewaySync + StatusWriter per Gateway
 * (the pod's sync, without the data plane), and reading the status back in the compiler's shape.
 */
import type { ObjectStatus } from '../../src/compiler';
import { Logger } from '../../src/dataplane/ops/log';
import { CONTROLLER_NAME } from '../../src/spec/project';
import { GatewaySync } from '../../src/sync/gateway-sync';
import { KubeClient } from '../../src/sync/kube-client';
import { statusFromCluster } from '../../src/sync/status-documents';
import { StatusWriter, StatusWriterOptions } from '../../src/sync/status-writer';
import type { KubeApiServer } from '../support/kube-apiserver';
import { tempDir } from '../support/processes';

export interface StatusPod {
  readonly sync: GatewaySync;
  readonly writer: StatusWriter;
  readonly client: KubeClient;
  stop(): void;
}

/** A client of the stand-in (admin token unless given): the access a kubeconfig gives, without client-node (ESM, not for jest). */
export async function client(api: KubeApiServer, token = api.adminToken): Promise<KubeClient> {
  return new KubeClient({ server: api.url, tls: { ca: api.ca }, description: 'the stand-in', headers: async () => ({ authorization: `Bearer ${token}` }) });
}

/** sync + status writer for one Gateway, writing (active) from the start. */
export async function startStatusPod(
  api: KubeApiServer, gateway: { namespace: string; name: string }, writer: Partial<StatusWriterOptions> = {},
): Promise<StatusPod> {
  const c = await client(api);
  const log = new Logger('off');
  let w: StatusWriter | undefined;
  const sync = new GatewaySync(c, { gateway, dir: tempDir('gw-status-'), log, debounceMs: 5, maxDelayMs: 100, onCompiled: (r) => w?.update(r.status) });
  w = new StatusWriter(c, sync.cache, (kind) => sync.resourceOf(kind), {
    scope: { gateway, controllerName: CONTROLLER_NAME }, log, writesPerSecond: 1000, burst: 1000, ...writer,
  });
  w.setActive(true);
  void sync.start();
  const writerNow = w;
  return {
    sync,
    writer: writerNow,
    client: c,
    stop: () => {
      writerNow.stop();
      sync.stop();
      c.close();
    },
  };
}

/** Every object of the given kinds on the stand-in, as stored (status included). */
export function storedObjects(api: KubeApiServer, objects: readonly any[]): any[] {
  return objects.map((o) => api.get(o.apiVersion, o.kind, o.metadata?.namespace ?? '', o.metadata?.name)).filter(Boolean);
}

/** What the controller wrote, in the compiler's shape, without observedGeneration (the compiler's input had none). */
export function written(objects: readonly any[]): ObjectStatus[] {
  return strip(statusFromCluster(objects, CONTROLLER_NAME));
}

export function strip(statuses: readonly ObjectStatus[]): ObjectStatus[] {
  const refKey = (r: any) => `${r?.namespace}/${r?.name}/${r?.sectionName ?? ''}/${r?.port ?? ''}`;
  // the entries of several Gateways' leaders land in the order they were written: compared as sets
  const sorted = statuses.map((s) => ({
    ...s,
    ...(s.parents ? { parents: [...s.parents].sort((a, b) => (refKey(a.parentRef) < refKey(b.parentRef) ? -1 : 1)) } : {}),
    ...(s.ancestors ? { ancestors: [...s.ancestors].sort((a, b) => (refKey(a.ancestorRef) < refKey(b.ancestorRef) ? -1 : 1)) } : {}),
  }));
  return JSON.parse(JSON.stringify(sorted, (k, v) => (k === 'observedGeneration' || k === 'apiVersion' ? undefined : v)));
}
