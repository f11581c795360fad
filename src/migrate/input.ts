/**
 * The objects `migrate` reads: networking.k8s.io/v1 Ingress and IngressClass, and the Services and Secrets
 * next to them. Plain data read defensively from parsed YAML; anything malformed is a problem that names the
 * object, the field and the value.
 */

export const NGINX_PREFIX = 'nginx.ingress.kubernetes.io/';
export const INGRESS_CLASS_ANNOTATION = 'kubernetes.io/ingress.class';
export const DEFAULT_CLASS_ANNOTATION = 'ingressclass.kubernetes.io/is-default-class';
export const NGINX_CONTROLLER = 'k8s.io/ingress-nginx';

export interface ObjectKey {
  readonly namespace: string;
  readonly name: string;
}

/** A Service port an Ingress backend names, by number or by name. */
export interface ServicePortRef {
  readonly number?: number;
  readonly name?: string;
}

export interface IngressBackend {
  readonly service?: { readonly name: string; readonly port: ServicePortRef };
  readonly resource?: { readonly apiGroup?: string; readonly kind: string; readonly name: string };
}

export interface IngressPath {
  readonly path: string;
  /** As written; ingress-nginx treats a missing type and ImplementationSpecific as Prefix. */
  readonly pathType: string;
  readonly backend: IngressBackend;
}

export interface IngressRule {
  /** '' when the rule names no host. */
  readonly host: string;
  /** Absent when the rule has no `http` section. */
  readonly paths?: IngressPath[];
}

export interface IngressTls {
  readonly hosts: string[];
  readonly secretName: string;
}

/** An Ingress as migrate uses it. */
export interface Ingress extends ObjectKey {
  /** `file#document` it came from, for messages. */
  readonly source: string;
  readonly creationTimestamp?: string;
  readonly annotations: Record<string, string>;
  readonly className?: string;
  readonly defaultBackend?: IngressBackend;
  readonly rules: IngressRule[];
  readonly tls: IngressTls[];
  /** networking.k8s.io/v1, or the older API it was converted from. */
  readonly apiVersion: string;
}

export interface ServicePort {
  readonly name?: string;
  readonly port: number;
  readonly targetPort?: number | string;
  readonly appProtocol?: string;
}

export interface Service extends ObjectKey {
  readonly ports: ServicePort[];
  readonly type?: string;
  /** The object as read, emitted again (with appProtocol where a backend-protocol needs it). */
  readonly raw: Record<string, unknown>;
}

export interface Secret extends ObjectKey {
  readonly data: Record<string, string>;
}

export interface IngressClass {
  readonly name: string;
  readonly controller?: string;
  readonly isDefault: boolean;
}

export interface MigrationInput {
  readonly ingresses: Ingress[];
  readonly classes: IngressClass[];
  readonly services: Service[];
  readonly secrets: Secret[];
  /** Objects of other kinds, counted in the report. */
  readonly otherKinds: Record<string, number>;
  /** Input problems: each names the object, the field and the value. */
  readonly problems: string[];
}

type Json = Record<string, unknown>;

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

function stringMap(v: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (!isObject(v)) return out;
  for (const [k, x] of Object.entries(v)) {
    // annotation values must be strings; YAML may have read an unquoted true or 100
    if (typeof x === 'string') out[k] = x;
    else if (typeof x === 'number' || typeof x === 'boolean') out[k] = String(x);
  }
  return out;
}

/**
 * Reads the objects migrate understands from parsed manifests. `sources[i]` names where `objects[i]` came
 * from. Ingresses of networking.k8s.io/v1beta1 and extensions/v1beta1 are read in their v1 shape.
 */
export function readInput(objects: readonly unknown[], sources: readonly string[] = []): MigrationInput {
  const ingresses: Ingress[] = [];
  const classes: IngressClass[] = [];
  const services: Service[] = [];
  const secrets: Secret[] = [];
  const otherKinds: Record<string, number> = {};
  const problems: string[] = [];
  const visit = (o: unknown, source: string) => {
    if (!isObject(o)) return;
    const kind = str(o.kind);
    if (kind === 'List' && Array.isArray(o.items)) {
      o.items.forEach((x, i) => visit(x, `${source} items[${i}]`));
      return;
    }
    const meta = isObject(o.metadata) ? o.metadata : {};
    const name = str(meta.name) ?? '';
    const namespace = str(meta.namespace) || 'default';
    const apiVersion = str(o.apiVersion) ?? '';
    switch (kind) {
      case 'Ingress':
        if (!name) {
          problems.push(`${source}: Ingress without metadata.name: skipped`);
          return;
        }
        ingresses.push(readIngress(o, { namespace, name, source, apiVersion }, problems));
        return;
      case 'IngressClass': {
        const spec = isObject(o.spec) ? o.spec : {};
        classes.push({ name, controller: str(spec.controller), isDefault: stringMap(meta.annotations)[DEFAULT_CLASS_ANNOTATION] === 'true' });
        return;
      }
      case 'Service': {
        const spec = isObject(o.spec) ? o.spec : {};
        const ports: ServicePort[] = (Array.isArray(spec.ports) ? spec.ports : []).filter(isObject).map((p) => ({
          name: str(p.name),
          port: typeof p.port === 'number' ? p.port : Number(p.port),
          targetPort: typeof p.targetPort === 'number' || typeof p.targetPort === 'string' ? p.targetPort : undefined,
          appProtocol: str(p.appProtocol),
        }));
        services.push({ namespace, name, ports, type: str(spec.type), raw: o });
        return;
      }
      case 'Secret':
        secrets.push({ namespace, name, data: stringMap(o.data) });
        return;
      default:
        if (kind) otherKinds[kind] = (otherKinds[kind] ?? 0) + 1;
    }
  };
  objects.forEach((o, i) => visit(o, sources[i] ?? `input #${i}`));
  return { ingresses, classes, services, secrets, otherKinds, problems };
}

function readIngress(o: Json, m: ObjectKey & { source: string; apiVersion: string }, problems: string[]): Ingress {
  const meta = isObject(o.metadata) ? o.metadata : {};
  const spec = isObject(o.spec) ? o.spec : {};
  const where = `Ingress ${m.namespace}/${m.name} (${m.source})`;
  const v1 = m.apiVersion === 'networking.k8s.io/v1';
  if (!v1 && m.apiVersion !== 'networking.k8s.io/v1beta1' && m.apiVersion !== 'extensions/v1beta1') {
    problems.push(`${where}: apiVersion "${m.apiVersion}" is not an Ingress API; read as networking.k8s.io/v1`);
  }
  const backend = (b: unknown, at: string): IngressBackend | undefined => {
    if (!isObject(b)) return undefined;
    if (isObject(b.resource)) {
      return { resource: { apiGroup: str(b.resource.apiGroup), kind: str(b.resource.kind) ?? '', name: str(b.resource.name) ?? '' } };
    }
    // v1beta1: serviceName / servicePort
    if (typeof b.serviceName === 'string') {
      const sp = b.servicePort;
      return { service: { name: b.serviceName, port: typeof sp === 'number' ? { number: sp } : /^\d+$/.test(String(sp)) ? { number: Number(sp) } : { name: String(sp) } } };
    }
    if (isObject(b.service)) {
      const port = isObject(b.service.port) ? b.service.port : {};
      const ref: ServicePortRef = typeof port.number === 'number' ? { number: port.number } : typeof port.name === 'string' ? { name: port.name } : {};
      if (ref.number === undefined && ref.name === undefined) problems.push(`${where}: ${at}.service.port names neither a number nor a name`);
      return { service: { name: str(b.service.name) ?? '', port: ref } };
    }
    problems.push(`${where}: ${at} has neither service nor resource`);
    return undefined;
  };
  const rules: IngressRule[] = (Array.isArray(spec.rules) ? spec.rules : []).filter(isObject).map((r, i) => {
    const http = isObject(r.http) ? r.http : undefined;
    const paths = http
      ? (Array.isArray(http.paths) ? http.paths : []).filter(isObject).map((p, j): IngressPath => ({
        path: str(p.path) ?? '',
        pathType: str(p.pathType) ?? (v1 ? '' : 'ImplementationSpecific'),
        backend: backend(p.backend, `spec.rules[${i}].http.paths[${j}].backend`) ?? {},
      }))
      : undefined;
    return { host: str(r.host) ?? '', paths };
  });
  const tls: IngressTls[] = (Array.isArray(spec.tls) ? spec.tls : []).filter(isObject).map((t) => ({
    hosts: (Array.isArray(t.hosts) ? t.hosts : []).filter((h): h is string => typeof h === 'string'),
    secretName: str(t.secretName) ?? '',
  }));
  const defaultBackend = backend(spec.defaultBackend ?? spec.backend, 'spec.defaultBackend');
  return {
    namespace: m.namespace,
    name: m.name,
    source: m.source,
    apiVersion: m.apiVersion,
    creationTimestamp: str(meta.creationTimestamp),
    annotations: stringMap(meta.annotations),
    className: str(spec.ingressClassName),
    defaultBackend,
    rules,
    tls,
  };
}

/** The IngressClass an Ingress belongs to: spec.ingressClassName, else the legacy annotation. */
export function ingressClassOf(ing: Ingress): string | undefined {
  return ing.className ?? ing.annotations[INGRESS_CLASS_ANNOTATION];
}

/**
 * The Ingresses migrate translates. With a class name: those of that class, plus those naming no class when
 * that IngressClass is the cluster default. Without: every Ingress. The rest come back with the reason.
 */
export function selectIngresses(input: MigrationInput, ingressClass?: string):
{ selected: Ingress[]; skipped: Array<{ ingress: Ingress; reason: string }> } {
  if (!ingressClass) return { selected: [...input.ingresses], skipped: [] };
  const defaultClass = input.classes.find((c) => c.isDefault)?.name;
  const selected: Ingress[] = [];
  const skipped: Array<{ ingress: Ingress; reason: string }> = [];
  for (const ing of input.ingresses) {
    const cls = ingressClassOf(ing);
    if (cls === ingressClass || (cls === undefined && defaultClass === ingressClass)) selected.push(ing);
    else skipped.push({ ingress: ing, reason: cls === undefined ? `names no IngressClass and "${ingressClass}" is not the default class` : `its class is "${cls}", not "${ingressClass}"` });
  }
  return { selected, skipped };
}

/**
 * ingress-nginx's order of Ingresses: oldest creationTimestamp first; equal timestamps (manifests without one
 * are all equal) by "namespace/name" descending. The first Ingress to define a host or a path wins.
 */
export function nginxOrder(ingresses: readonly Ingress[]): Ingress[] {
  return [...ingresses].sort((a, b) => {
    const ta = a.creationTimestamp ? Date.parse(a.creationTimestamp) : 0;
    const tb = b.creationTimestamp ? Date.parse(b.creationTimestamp) : 0;
    if (ta !== tb) return ta - tb;
    const ka = `${a.namespace}/${a.name}`;
    const kb = `${b.namespace}/${b.name}`;
    return ka > kb ? -1 : ka < kb ? 1 : 0;
  });
}

/** `ns/name`. */
export function keyOf(o: ObjectKey): string {
  return `${o.namespace}/${o.name}`;
}
