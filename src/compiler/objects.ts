import { compareStrings } from './canonical-json';
import { Diagnostic, preview } from './diagnostics';
import { isRecord, own, Reader } from './reader';
import { GATEWAY_API_EXPERIMENTAL_GROUP, GATEWAY_API_GROUP, GATEWAY_KINDS, GatewayKind } from '../spec/gateway-api';
import { DNS_LABEL, isDnsSubdomain } from '../spec/patterns';
import { Problems } from '../spec/where';

const CORE_KINDS = ['Service', 'Secret', 'ConfigMap', 'Namespace'] as const;

/** The core Kubernetes kinds Gateway API objects refer to (backendRefs, certificateRefs, CA bundles, namespace selectors). */
export type CoreKind = (typeof CORE_KINDS)[number];
/** Every kind the compiler reads: the Gateway API kinds and the core kinds they refer to. */
export type KnownKind = GatewayKind | CoreKind;

const CLUSTER_SCOPED = new Set<string>(['GatewayClass', 'Namespace']);

/** One input object the compiler understood, with its metadata read and its body behind a Reader. */
export interface Obj {
  readonly kind: KnownKind;
  readonly apiVersion: string;
  /** '' for cluster-scoped kinds. */
  readonly namespace: string;
  readonly name: string;
  readonly generation?: number;
  readonly creationTimestamp?: string;
  readonly labels: Record<string, string>;
  readonly annotations: Record<string, string>;
  /** Position in the input list. */
  readonly index: number;
  readonly root: Reader;
  /** Problems found while reading this object's fields (reported as diagnostics once, at the end). */
  readonly problems: Problems;
}

/** The understood input, by kind, each list sorted by namespace/name (so later steps are order-independent). */
export class Store {
  private readonly byKind = new Map<KnownKind, Obj[]>();
  private readonly byKey = new Map<string, Obj>();

  public constructor(objs: Obj[]) {
    for (const o of [...objs].sort(compareObjs)) {
      const list = this.byKind.get(o.kind) ?? [];
      list.push(o);
      this.byKind.set(o.kind, list);
      this.byKey.set(key(o.kind, o.namespace, o.name), o);
    }
  }

  public all(kind: KnownKind): readonly Obj[] {
    return this.byKind.get(kind) ?? [];
  }

  public get(kind: KnownKind, namespace: string, name: string): Obj | undefined {
    return this.byKey.get(key(kind, CLUSTER_SCOPED.has(kind) ? '' : namespace, name));
  }

  /** Every object, for reporting problems at the end. */
  public *everything(): IterableIterator<Obj> {
    for (const list of this.byKind.values()) yield* list;
  }
}

function key(kind: string, namespace: string, name: string): string {
  return `${kind}\u0000${namespace}\u0000${name}`;
}

function compareObjs(a: Obj, b: Obj): number {
  return compareStrings(a.kind, b.kind) || compareStrings(a.namespace, b.namespace) || compareStrings(a.name, b.name);
}

/**
 * Reads the input list: keeps Gateway API objects and the core objects the compiler uses (Service, Secret,
 * ConfigMap, Namespace), flattens `v1 List` documents, and reports what it cannot use. Other Kubernetes
 * objects (Deployments...) are ignored silently: they are expected in a `dist/` directory.
 */
export function ingest(objects: readonly unknown[], diagnostics: Diagnostic[]): Store {
  const accepted: Obj[] = [];
  const flat: Array<{ value: unknown; index: number }> = [];
  objects.forEach((value, index) => {
    if (isRecord(value) && value.kind === 'List' && value.apiVersion === 'v1' && Array.isArray(value.items)) {
      for (const item of value.items) flat.push({ value: item, index });
    } else {
      flat.push({ value, index });
    }
  });

  for (const { value, index } of flat) {
    const obj = readObject(value, index, diagnostics);
    if (obj) accepted.push(obj);
  }

  // duplicates: keep one, chosen by content so the choice does not depend on input order
  const groups = new Map<string, Obj[]>();
  for (const o of accepted) {
    const k = key(o.kind, o.namespace, o.name);
    groups.set(k, [...(groups.get(k) ?? []), o]);
  }
  const unique: Obj[] = [];
  for (const group of groups.values()) {
    if (group.length === 1) {
      unique.push(group[0]);
      continue;
    }
    const sorted = [...group].sort((a, b) => compareStrings(JSON.stringify(a.root.value), JSON.stringify(b.root.value)));
    unique.push(sorted[0]);
    const o = sorted[0];
    for (const dup of group) {
      diagnostics.push({
        severity: 'error',
        object: { kind: dup.kind, apiVersion: dup.apiVersion, namespace: dup.namespace || undefined, name: dup.name, index: dup.index },
        field: 'metadata.name',
        value: dup.name,
        message:
          `${group.length} objects are named ${o.kind} ${o.namespace ? `${o.namespace}/` : ''}${o.name} (inputs ${group.map((g) => `#${g.index}`).join(', ')}); ` +
          'the API server would keep only one: rename or remove the others (the compiler used one of them)',
      });
    }
  }
  return new Store(unique);
}

function readObject(value: unknown, index: number, diagnostics: Diagnostic[]): Obj | undefined {
  const fail = (message: string, field?: string, v?: unknown, kind?: string, apiVersion?: string, name?: string, namespace?: string): undefined => {
    diagnostics.push({ severity: 'error', object: { index, kind, apiVersion, name, namespace }, field, value: v, message });
    return undefined;
  };
  if (!isRecord(value)) {
    return fail(`is not a Kubernetes object (a map with apiVersion, kind and metadata), got ${preview(value, 40)}`);
  }
  const { apiVersion, kind } = value;
  if (typeof apiVersion !== 'string' || apiVersion === '') return fail('has no apiVersion: add e.g. `apiVersion: gateway.networking.k8s.io/v1`', 'apiVersion', apiVersion);
  if (typeof kind !== 'string' || kind === '') return fail('has no kind: add e.g. `kind: HTTPRoute`', 'kind', kind, undefined, apiVersion);
  const slash = apiVersion.lastIndexOf('/');
  const group = slash < 0 ? '' : apiVersion.slice(0, slash);
  const version = slash < 0 ? apiVersion : apiVersion.slice(slash + 1);
  const meta = value.metadata;
  const name = isRecord(meta) && typeof meta.name === 'string' ? meta.name : undefined;
  const ns = isRecord(meta) && typeof meta.namespace === 'string' ? meta.namespace : undefined;

  let known: KnownKind | undefined;
  if (group === GATEWAY_API_GROUP || group === GATEWAY_API_EXPERIMENTAL_GROUP) {
    const versions = own<readonly string[]>(GATEWAY_KINDS, kind);
    if (!versions || group !== GATEWAY_API_GROUP) {
      const suggestion = Object.keys(GATEWAY_KINDS).find((k) => k.toLowerCase() === kind.toLowerCase());
      return fail(
        `unknown kind "${kind}" in ${group}${suggestion ? `: did you mean "${suggestion}" (group ${GATEWAY_API_GROUP})?` : ` (known: ${Object.keys(GATEWAY_KINDS).join(', ')})`}`,
        'kind',
        kind,
        kind,
        apiVersion,
        name,
        ns,
      );
    }
    if (!versions.includes(version)) {
      return fail(`${kind} is not served at ${apiVersion}: use ${GATEWAY_API_GROUP}/${versions[0]}`, 'apiVersion', apiVersion, kind, apiVersion, name, ns);
    }
    known = kind as GatewayKind;
  } else if (group === '' && (CORE_KINDS as readonly string[]).includes(kind)) {
    if (version !== 'v1') return fail(`${kind} is served at apiVersion v1, not ${apiVersion}`, 'apiVersion', apiVersion, kind, apiVersion, name, ns);
    known = kind as CoreKind;
  } else {
    const suggestion = [...Object.keys(GATEWAY_KINDS), ...CORE_KINDS].find((k) => k.toLowerCase() === kind.toLowerCase() && k !== kind);
    if (suggestion) {
      diagnostics.push({
        severity: 'warning',
        object: { index, kind, apiVersion, name, namespace: ns },
        field: 'kind',
        value: kind,
        message: `ignored: kind "${kind}" is not one the gateway reads; did you mean "${suggestion}"?`,
      });
    }
    return undefined;
  }

  if (!isRecord(meta)) return fail('has no metadata: add metadata.name', 'metadata', meta, kind, apiVersion);
  if (name === undefined || name === '') return fail('has no metadata.name', 'metadata.name', meta.name, kind, apiVersion, undefined, ns);
  if (!isDnsSubdomain(name)) {
    return fail('metadata.name must be a lower-case DNS subdomain (a-z, 0-9, "-", "."; at most 253 characters)', 'metadata.name', name, kind, apiVersion, name, ns);
  }
  if (meta.namespace !== undefined && (typeof meta.namespace !== 'string' || !DNS_LABEL.test(meta.namespace))) {
    return fail('metadata.namespace must be a DNS label (a-z, 0-9, "-")', 'metadata.namespace', meta.namespace, kind, apiVersion, name);
  }
  const problems = new Problems();
  const root = Reader.root(problems, value);
  const generation = root.at('metadata').at('generation').int({ min: 0 });
  const created = root.at('metadata').at('creationTimestamp').str();
  if (created !== undefined && Number.isNaN(Date.parse(created))) {
    root.at('metadata').at('creationTimestamp').problem('must be an RFC 3339 timestamp such as 2024-01-02T03:04:05Z');
  }
  return {
    kind: known,
    apiVersion,
    namespace: CLUSTER_SCOPED.has(known) ? '' : (ns ?? 'default'),
    name,
    generation,
    creationTimestamp: created !== undefined && !Number.isNaN(Date.parse(created)) ? new Date(Date.parse(created)).toISOString() : undefined,
    labels: root.at('metadata').at('labels').stringMap(),
    annotations: root.at('metadata').at('annotations').stringMap(),
    index,
    root,
    problems,
  };
}

/** Compares two objects by the spec's tie-breaker: older creationTimestamp first, then namespace/name. */
export function compareAge(a: Obj, b: Obj): number {
  const ta = a.creationTimestamp ?? '';
  const tb = b.creationTimestamp ?? '';
  // objects without a timestamp were not yet created: they sort after every created one
  if (ta !== tb) return ta === '' ? 1 : tb === '' ? -1 : compareStrings(ta, tb);
  return compareStrings(a.namespace, b.namespace) || compareStrings(a.name, b.name);
}

/** `Kind ns/name` (or `Kind name` for cluster-scoped objects). */
export function describe(o: { readonly kind: string; readonly namespace: string; readonly name: string }): string {
  return `${o.kind} ${o.namespace ? `${o.namespace}/` : ''}${o.name}`;
}
