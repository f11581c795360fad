import { assumedExternal, Context, note } from './context';
import { describe, Obj } from './objects';
import { isRecord, own, Reader } from './reader';
import type { DataPlaneOptions } from '../config/dataplane-config';
import { DNS_SUBDOMAIN, HEADER_NAME } from '../spec/patterns';

/** The data-plane options when no parametersRef (GatewayClass or Gateway `spec.infrastructure`) sets them. */
export const DEFAULT_OPTIONS: DataPlaneOptions = { clusterDomain: 'cluster.local' };

/** The option keys a parameters ConfigMap may set, with their validation. */
const KEYS: Record<keyof DataPlaneOptions, { readonly pattern: RegExp; readonly what: string }> = {
  clusterDomain: { pattern: DNS_SUBDOMAIN, what: 'a DNS suffix such as cluster.local' },
  clientCertificateHeader: { pattern: HEADER_NAME, what: 'an HTTP header name such as x-client-cert' },
};

/** Options read from a parametersRef, or why the referent is invalid (GatewayClass InvalidParameters). */
export type OptionsResult = { readonly options: Partial<DataPlaneOptions> } | { readonly error: string };

/**
 * Reads data-plane options from a parametersRef (Gateway `spec.infrastructure.parametersRef`, or GatewayClass
 * `spec.parametersRef` for defaults). The referent must be a core ConfigMap; its data holds either one key
 * `options.json` with a JSON object, or one key per option (`clusterDomain`, `clientCertificateHeader`).
 * Unknown keys are reported as warnings and ignored, so newer manifests still compile.
 */
export function readOptions(ctx: Context, owner: Obj, ref: Reader, defaultNamespace: string | undefined): OptionsResult {
  if (ref.missing) return { options: {} };
  const group = ref.at('group').str() ?? '';
  const kind = ref.at('kind').str() ?? '';
  const name = ref.at('name').str() ?? '';
  const namespace = ref.at('namespace').str() || defaultNamespace;
  const where = `${describe(owner)}: ${ref.path}`;
  if (group !== '' || kind !== 'ConfigMap') {
    return { error: `${where} refers to ${group ? `${group}/` : ''}${kind} ${name}; this data plane reads its parameters from a core ConfigMap (group "", kind ConfigMap)` };
  }
  if (!namespace) return { error: `${where} needs a namespace (a GatewayClass is cluster-scoped)` };
  if (!name) return { error: `${where} has no name` };
  const found = ctx.core.configMap(namespace, name);
  if ('missing' in found) return { error: `${where}: ConfigMap ${namespace}/${name} does not exist` };
  if ('external' in found) {
    assumedExternal(ctx, owner, ref.path, 'ConfigMap', namespace, name);
    return { options: {} };
  }
  const cm = found.found;
  const data = cm.root.at('data').stringMap();
  let values: Record<string, unknown> = {};
  if (data['options.json'] !== undefined) {
    try {
      const parsed: unknown = JSON.parse(data['options.json']);
      if (!isRecord(parsed)) return { error: `ConfigMap ${namespace}/${name}: data["options.json"] must be a JSON object` };
      values = parsed;
    } catch (e) {
      return { error: `ConfigMap ${namespace}/${name}: data["options.json"] is not valid JSON (${(e as Error).message})` };
    }
  }
  for (const [k, v] of Object.entries(data)) if (k !== 'options.json') values[k] = v;
  const options: Record<string, string> = {};
  for (const [k, v] of Object.entries(values).sort(([a], [b]) => (a < b ? -1 : 1))) {
    const spec = own<{ pattern: RegExp; what: string }>(KEYS, k);
    if (!spec) {
      note(ctx, 'warning', cm, `data.${k}`, `unknown data-plane option "${k}" ignored (known: ${Object.keys(KEYS).join(', ')})`);
      continue;
    }
    if (typeof v !== 'string' || !spec.pattern.test(v)) {
      return { error: `ConfigMap ${namespace}/${name}: option ${k} must be ${spec.what}, got ${JSON.stringify(v)}` };
    }
    options[k] = k === 'clientCertificateHeader' ? v.toLowerCase() : v;
  }
  return { options };
}
