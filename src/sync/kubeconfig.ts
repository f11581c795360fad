/**
 * How sync reaches the API server: a kubeconfig file and context (`serve --kubeconfig`), or the pod's
 * ServiceAccount (in-cluster: KUBERNETES_SERVICE_HOST and the projected token, which is re-read as the
 * kubelet rotates it). Loading and authentication (tokens, client certificates, exec plugins such as
 * `aws eks get-token` or `gke-gcloud-auth-plugin`, OIDC) are @kubernetes/client-node's KubeConfig; the
 * requests themselves are kube-client.ts's.
 *
 * The only module that imports @kubernetes/client-node (ESM, loaded with a dynamic import so that the rest
 * of src/sync stays plain CommonJS for jest and jsii).
 */
import type * as tls from 'node:tls';

/** What a request to the API server needs: the server, TLS settings and (fresh) authentication headers. */
export interface ClusterAccess {
  /** `https://host:port` (no trailing slash). */
  readonly server: string;
  readonly tls: tls.ConnectionOptions;
  /** For messages: `context "kind-dev" of ~/.kube/config`, `the pod's ServiceAccount`. */
  readonly description: string;
  /** Authorization and impersonation headers, fresh for each request (tokens rotate, exec credentials expire). */
  headers(): Promise<Record<string, string>>;
}

export class KubeconfigError extends Error {}

export interface KubeconfigOptions {
  /** A kubeconfig file; absent: in-cluster (the pod's ServiceAccount). */
  readonly file?: string;
  /** A context of that file; absent: its current-context. */
  readonly context?: string;
}

export async function loadClusterAccess(o: KubeconfigOptions): Promise<ClusterAccess> {
  // bundled by esbuild into sync.js and cli.js (a dev dependency, as every bundled one)
  // eslint-disable-next-line import/no-extraneous-dependencies
  const { KubeConfig } = await import('@kubernetes/client-node/dist/config.js');
  const kc = new KubeConfig();
  let description: string;
  if (o.file) {
    try {
      kc.loadFromFile(o.file);
    } catch (e) {
      throw new KubeconfigError(`cannot read kubeconfig ${o.file}: ${(e as Error).message}`);
    }
    if (o.context) {
      if (!kc.getContextObject(o.context)) {
        throw new KubeconfigError(`kubeconfig ${o.file} has no context "${o.context}" (contexts: ${kc.getContexts().map((c) => c.name).join(', ') || 'none'})`);
      }
      kc.setCurrentContext(o.context);
    }
    description = `context "${kc.getCurrentContext()}" of ${o.file}`;
  } else {
    if (!process.env.KUBERNETES_SERVICE_HOST) {
      throw new KubeconfigError('not in a pod (KUBERNETES_SERVICE_HOST is not set): give --kubeconfig <file>');
    }
    kc.loadFromCluster();
    description = "the pod's ServiceAccount";
  }
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new KubeconfigError(`${description}: no cluster (the context names none, or the kubeconfig has no current-context)`);
  const server = cluster.server.replace(/\/+$/, '');
  if (!/^https:\/\//.test(server) && !cluster.skipTLSVerify) {
    throw new KubeconfigError(`${description}: server ${server} is not https (plain HTTP would send the credentials in the clear)`);
  }
  // certificates and keys once; headers per request (client-node refreshes tokens and exec credentials)
  const probe: { ca?: Buffer; cert?: Buffer; key?: Buffer; rejectUnauthorized?: boolean; servername?: string; headers?: Record<string, string> } = {};
  try {
    await kc.applyToHTTPSOptions(probe);
  } catch (e) {
    throw new KubeconfigError(`${description}: ${(e as Error).message}`);
  }
  const tlsOptions: tls.ConnectionOptions = {
    ...(probe.ca ? { ca: probe.ca } : {}),
    ...(probe.cert ? { cert: probe.cert } : {}),
    ...(probe.key ? { key: probe.key } : {}),
    ...(probe.rejectUnauthorized === false ? { rejectUnauthorized: false } : {}),
    ...(cluster.tlsServerName ? { servername: cluster.tlsServerName } : {}),
  };
  return {
    server,
    tls: tlsOptions,
    description,
    headers: async () => {
      const opts: { headers?: Record<string, string>; auth?: string } = {};
      await kc.applyToHTTPSOptions(opts);
      const h: Record<string, string> = { ...(opts.headers ?? {}) };
      if (opts.auth) h.Authorization = `Basic ${Buffer.from(opts.auth).toString('base64')}`;
      return h;
    },
  };
}
