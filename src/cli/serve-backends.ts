import type { DataPlaneConfig } from '../config/dataplane-config';

/**
 * `serve --backend` entries that no route of the served Gateway uses (a typo in the namespace, name or port is
 * the usual cause): one warning each, naming the entry and the Services the routes do use.
 */
export function unusedBackendWarnings(mapped: Iterable<string>, config: DataPlaneConfig): string[] {
  const used = Object.values(config.backends).map((b) => `${b.namespace}/${b.name}:${b.port}`);
  const usedSet = new Set(used);
  const list = used.length > 0 ? [...usedSet].sort().join(', ') : 'none';
  const out: string[] = [];
  for (const key of mapped) {
    if (usedSet.has(key)) continue;
    out.push(`warning: --backend ${key}: no route of Gateway ${config.gateway.namespace}/${config.gateway.name} uses this Service port ` +
      `(the routes use: ${list}); check the namespace, name and port`);
  }
  return out;
}
