/**
 * Ingress (+ ingress-nginx annotations) → Gateway API objects, the report, and the model `--verify` uses.
 * Pure: no I/O (the CLI and the construct read the files).
 */
import { parseAnnotations, ParsedAnnotations } from './annotations';
import { Context, DEFAULT_GATEWAY, MigrateOptions } from './context';
import { ingressClassOf, keyOf, nginxOrder, ObjectKey, readInput, selectIngresses } from './input';
import { buildModel, NginxModel, PathFate } from './nginx-model';
import { manifests } from './objects';
import { buildReport, IngressReport, MigrationReport } from './report';
import { translate, Translation } from './translate';

export interface MigrationOptions extends MigrateOptions {
  /** Only Ingresses of this class (and class-less ones when it is the default class). */
  readonly ingressClass?: string;
  /** `file#document` of each input object, for messages. */
  readonly sources?: readonly string[];
  /** The Gateway's name when `gateway` is not given (its namespace is then chosen as without it). @default ingress */
  readonly gatewayName?: string;
}

export interface Migration {
  /** The Gateway API objects (and the input's Services), in apply order. */
  readonly objects: Array<Record<string, unknown>>;
  readonly report: MigrationReport;
  readonly translation: Translation;
  /** ingress-nginx's view of the Ingresses (what `verify` asks). */
  readonly model: NginxModel;
  readonly context: Context;
}

/** Translates the Ingresses among `objects`. Never throws on input: problems are in the report. */
export function migrateIngresses(objects: readonly unknown[], options: MigrationOptions = {}): Migration {
  const input = readInput(objects, options.sources);
  const { selected, skipped } = selectIngresses(input, options.ingressClass);
  const ordered = nginxOrder(selected);
  const annotations = new Map<string, ParsedAnnotations>(ordered.map((i) => [keyOf(i), parseAnnotations(i)]));
  const problems = [...input.problems];
  for (const cls of new Set(selected.map(ingressClassOf).filter((c): c is string => !!c))) {
    const ic = input.classes.find((c) => c.name === cls);
    if (ic?.controller && ic.controller !== 'k8s.io/ingress-nginx') {
      problems.push(`IngressClass ${cls} belongs to ${ic.controller}, not ingress-nginx: its Ingresses are translated with ingress-nginx's semantics`);
    }
  }
  const model = buildModel({ ingresses: ordered, annotations, services: input.services, secrets: input.secrets });
  const gateway = options.gateway ?? defaultGateway(model, annotations, options);
  const ctx = new Context(model, annotations, input.services, { ...options, gateway });
  const translation = translate(ctx);
  const out = manifests(ctx, translation);
  const fates = mergeFates([...model.fates, ...ctx.fates]);
  const reports: IngressReport[] = [
    ...ordered.map((ing) => ({
      ingress: keyOf(ing),
      source: ing.source,
      selected: true,
      annotations: annotations.get(keyOf(ing))!.findings,
      features: fates.filter((f) => f.ingress === keyOf(ing)),
    })),
    ...skipped.map(({ ingress, reason }) => ({
      ingress: keyOf(ingress), source: ingress.source, selected: false, skipped: reason, annotations: [], features: [],
    })),
  ];
  const gatewayWide = fates.filter((f) => f.ingress === '');
  if (gatewayWide.length) reports.push({ ingress: '', source: 'the Gateway', selected: true, annotations: [], features: gatewayWide });
  const report = buildReport({ ingresses: reports, problems, objects: out, experimental: translation.experimental });
  return { objects: out, report, translation, model, context: ctx };
}

const SEVERITY: Record<PathFate['status'], number> = { ignored: 0, translated: 1, approximated: 2, untranslatable: 3 };

/** One line per (Ingress, feature): what the model made of it, then where it landed. */
function mergeFates(fates: PathFate[]): PathFate[] {
  const byKey = new Map<string, { ingress: string; feature: string; status: PathFate['status']; texts: string[] }>();
  for (const f of fates) {
    const key = `${f.ingress}\u0000${f.feature}`;
    const e = byKey.get(key) ?? { ingress: f.ingress, feature: f.feature, status: f.status, texts: [] };
    if (SEVERITY[f.status] > SEVERITY[e.status]) e.status = f.status;
    if (!e.texts.includes(f.text)) e.texts.push(f.text);
    byKey.set(key, e);
  }
  return [...byKey.values()].map((e) => ({ ingress: e.ingress, feature: e.feature, status: e.status, text: e.texts.join(' → ') }));
}

/**
 * Where the Gateway goes when --gateway is not given: this project's data plane mounts the Secrets a Gateway
 * names (certificates, client CAs, its client certificate) from the Gateway's own namespace, so when they all
 * live in one namespace the Gateway goes there; otherwise gateway-system (and the report says what to copy).
 */
function defaultGateway(model: NginxModel, annotations: ReadonlyMap<string, ParsedAnnotations>, options: MigrationOptions): ObjectKey {
  if (options.gatewayClass) return { ...DEFAULT_GATEWAY, name: options.gatewayName ?? DEFAULT_GATEWAY.name };
  const namespaces = new Set<string>();
  for (const c of model.certificates.values()) if (c !== 'default') namespaces.add(c.namespace);
  for (const s of model.servers) if (s.authTls) namespaces.add(s.authTls.secret.namespace);
  for (const a of annotations.values()) {
    if ((a.location.backendProtocol === 'HTTPS' || a.location.backendProtocol === 'GRPCS') && a.location.proxySsl?.secret) namespaces.add(a.location.proxySsl.secret.namespace);
  }
  const name = options.gatewayName ?? DEFAULT_GATEWAY.name;
  return { namespace: namespaces.size === 1 ? [...namespaces][0] : DEFAULT_GATEWAY.namespace, name };
}
