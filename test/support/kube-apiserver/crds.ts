import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { GATEWAY_API_GROUP as GATEWAY_GROUP, GATEWAY_KINDS, GATEWAY_RESOURCES, GatewayKind } from '../../../src/spec/gateway-api';
import { crdsDir } from '../shared-data';

const CLUSTER_SCOPED = new Set(['GatewayClass']);

/**
 * The Gateway API CustomResourceDefinitions of v1.6.1 (the experimental channel: it serves every kind sync
 * reads), read from ../shared/gateway-api/ (never copied into the repository). Apply them to the stand-in
 * API server to get the Gateway API kinds served, as `kubectl apply -f` of the release does in a cluster.
 * Without that directory, minimal CRDs (names, scope, versions, status subresource; no schema) stand in:
 * the stand-in server validates no schema anyway.
 */
export function gatewayApiCrds(channel: 'standard' | 'experimental' = 'experimental'): any[] {
  const dir = path.join(crdsDir(), channel);
  if (!fs.existsSync(dir)) return minimalCrds();
  const out: any[] = [];
  for (const f of fs.readdirSync(dir).filter((x) => x.endsWith('.yaml')).sort()) {
    for (const doc of parseAllDocuments(fs.readFileSync(path.join(dir, f), 'utf8'))) {
      const v = doc.toJSON();
      if (v?.kind === 'CustomResourceDefinition') out.push(v);
    }
  }
  return out;
}

function minimalCrds(): any[] {
  return Object.entries(GATEWAY_KINDS).map(([kind, versions]) => {
    const plural = GATEWAY_RESOURCES[kind as GatewayKind];
    return {
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: `${plural}.${GATEWAY_GROUP}` },
      spec: {
        group: GATEWAY_GROUP,
        names: { kind, plural, singular: kind.toLowerCase(), listKind: `${kind}List` },
        scope: CLUSTER_SCOPED.has(kind) ? 'Cluster' : 'Namespaced',
        versions: (versions as readonly string[]).map((name: string, i: number) => ({
          name, served: true, storage: i === 0, subresources: { status: {} },
        })),
      },
    };
  });
}
