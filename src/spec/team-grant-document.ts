/**
 * The team grant as a document: what the platform's app writes to `dist/grants/` at synth (one file per grant)
 * and a team's app, in its own repository, reads back with `Team.fromGrantFile()`. It is versioned like a
 * Kubernetes object (`apiVersion: cdk8s-gateway.io/v1alpha1`, `kind: TeamGrant`), and a reader refuses any
 * other version with what to do, rather than guessing at fields it does not know.
 *
 * Internal: not exported from src/index.ts (the public shape is `TeamGrantDocument` in src/constructs/).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { checkDnsLabel, checkDnsSubdomain, checkHostname, checkPort } from './checks';
import { GrantData } from './team-grant';
import { fail, failObject, Where } from './where';

/** The group and version of the document this code writes and reads. */
export const TEAM_GRANT_API_VERSION = 'cdk8s-gateway.io/v1alpha1';
export const TEAM_GRANT_KIND = 'TeamGrant';
/** The annotation naming the cdk8s-gateway version that wrote the document (`cdk8s-gateway 0.4.0`). */
export const TEAM_GRANT_GENERATOR_ANNOTATION = 'cdk8s-gateway.io/generator';
/** The folder of dist/ the documents are written to (kubectl apply -f dist/ does not descend into it). */
export const TEAM_GRANT_DIR = 'grants';

/** The Gateway as the team's app needs it: name, namespace, class, and its listeners a team may use (as rendered). */
export interface GrantGatewayData {
  readonly name: string;
  readonly namespace: string;
  readonly gatewayClassName: string;
  /** The granted listeners and the team's, as the Gateway renders them (Gateway API listener objects). */
  readonly listeners: readonly unknown[];
}

/** A grant read from a document: its rules' data and the Gateway to check the team's objects against at synth. */
export interface ImportedGrantData {
  readonly data: GrantData;
  readonly gateway: GrantGatewayData;
}

/** `cdk8s-gateway 0.4.0`: the package that writes the document. */
export function grantGenerator(): string {
  try {
    const pj = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'package.json'), 'utf8')) as { version?: string };
    return `cdk8s-gateway ${pj.version ?? 'unknown'}`;
  } catch {
    return 'cdk8s-gateway';
  }
}

/** The file name of a grant's document under dist/grants/: `<gateway namespace>.<gateway name>.<team>.json`. */
export function grantDocumentFileName(g: GrantData): string {
  return `${g.gateway.namespace}.${g.gateway.name}.${g.team}.json`;
}

/** The document of a grant. */
export function grantDocument(g: GrantData, gateway: GrantGatewayData): Record<string, unknown> {
  return {
    apiVersion: TEAM_GRANT_API_VERSION,
    kind: TEAM_GRANT_KIND,
    metadata: { name: g.team, annotations: { [TEAM_GRANT_GENERATOR_ANNOTATION]: grantGenerator() } },
    spec: {
      namespace: g.namespace,
      source: g.source,
      gateway: { name: gateway.name, namespace: gateway.namespace, gatewayClassName: gateway.gatewayClassName, listeners: gateway.listeners },
      hostnames: [...g.hostnames],
      routeKinds: [...g.routeKinds],
      grantedListeners: g.grantedListeners.map((l) => ({ ...l, routeKinds: [...l.routeKinds] })),
      teamListeners: g.teamListeners.map((l) => ({ ...l })),
      backendGrants: g.backendGrants.map((b) => ({ namespace: b.namespace, ...(b.serviceNames ? { serviceNames: [...b.serviceNames] } : {}) })),
    },
  };
}

/** Reads a grant document (`source` names it in messages: the file, or `Team.fromGrant("shop")`), refusing other versions. */
export function readGrantDocument(source: string, raw: unknown): ImportedGrantData {
  const where = new Where(`TeamGrant document ${source}`);
  if (!isObject(raw)) failObject(where, `is ${raw === null ? 'null' : typeof raw}, not a TeamGrant document (a JSON object with apiVersion ${TEAM_GRANT_API_VERSION})`);
  const export_ = 'export the grant again from the platform\'s app (`cdk8s synth` writes dist/grants/<gateway namespace>.<gateway>.<team>.json) and use that file';
  if (raw.kind !== TEAM_GRANT_KIND) fail(where.at('kind'), raw.kind, `is not ${TEAM_GRANT_KIND}: this is not a team grant document; ${export_}`);
  const apiVersion = raw.apiVersion;
  if (apiVersion !== TEAM_GRANT_API_VERSION) {
    const by = isObject(raw.metadata) && isObject(raw.metadata.annotations) ? raw.metadata.annotations[TEAM_GRANT_GENERATOR_ANNOTATION] : undefined;
    const group = typeof apiVersion === 'string' && apiVersion.startsWith('cdk8s-gateway.io/');
    fail(where.at('apiVersion'), apiVersion, `is not a version this app's ${grantGenerator()} reads (it reads ${TEAM_GRANT_API_VERSION}); ` +
      (group ? `the document was written by ${typeof by === 'string' ? by : 'another cdk8s-gateway'}: use the same cdk8s-gateway version in this app ` +
        'as the platform\'s (upgrade it when the document is newer), or ask the platform team to export the grant with this app\'s version'
        : export_));
  }
  const metadata = object(where, raw, 'metadata');
  const team = string(where.at('metadata'), metadata, 'name');
  checkDnsLabel(where.at('metadata.name'), team);
  const spec = object(where, raw, 'spec');
  const at = where.at('spec');
  const namespace = string(at, spec, 'namespace');
  checkDnsLabel(at.at('namespace'), namespace);
  const gw = object(at, spec, 'gateway');
  const gwAt = at.at('gateway');
  const gateway: GrantGatewayData = {
    name: string(gwAt, gw, 'name'),
    namespace: string(gwAt, gw, 'namespace'),
    gatewayClassName: string(gwAt, gw, 'gatewayClassName'),
    listeners: list(gwAt, gw, 'listeners', (w, v) => {
      if (!isObject(v)) fail(w, v, 'must be a Gateway listener object');
      return v;
    }),
  };
  checkDnsSubdomain(gwAt.at('name'), gateway.name);
  checkDnsLabel(gwAt.at('namespace'), gateway.namespace);
  const hostnames = list(at, spec, 'hostnames', (w, v) => {
    const h = asString(w, v);
    checkHostname(w, h);
    return h;
  });
  const grantedListeners = list(at, spec, 'grantedListeners', (w, v) => {
    if (!isObject(v)) fail(w, v, 'must be an object');
    return { ...listenerData(w, v), routeKinds: list(w, v, 'routeKinds', asString) };
  });
  const teamListeners = list(at, spec, 'teamListeners', (w, v) => {
    if (!isObject(v)) fail(w, v, 'must be an object');
    return { ...listenerData(w, v), grantedListener: string(w, v, 'grantedListener') };
  });
  const backendGrants = list(at, spec, 'backendGrants', (w, v) => {
    if (!isObject(v)) fail(w, v, 'must be an object');
    const ns = string(w, v, 'namespace');
    checkDnsLabel(w.at('namespace'), ns);
    return { namespace: ns, ...(v.serviceNames !== undefined ? { serviceNames: list(w, v, 'serviceNames', asString) } : {}) };
  });
  const data: GrantData = {
    team,
    namespace,
    gateway: { name: gateway.name, namespace: gateway.namespace },
    source: string(at, spec, 'source'),
    hostnames,
    routeKinds: list(at, spec, 'routeKinds', asString),
    grantedListeners,
    teamListeners,
    backendGrants,
  };
  return { data, gateway };
}

function listenerData(where: Where, v: Record<string, unknown>) {
  const port = v.port;
  if (typeof port !== 'number') fail(where.at('port'), port, 'must be a port number');
  checkPort(where.at('port'), port);
  const hostname = v.hostname === undefined ? undefined : asString(where.at('hostname'), v.hostname);
  return { name: string(where, v, 'name'), port, protocol: string(where, v, 'protocol'), ...(hostname !== undefined ? { hostname } : {}) };
}

function isObject(v: unknown): v is Record<string, any> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function object(where: Where, o: Record<string, unknown>, key: string): Record<string, any> {
  const v = o[key];
  if (!isObject(v)) fail(where.at(key), v, 'must be an object');
  return v;
}

function asString(where: Where, v: unknown): string {
  if (typeof v !== 'string' || v === '') fail(where, v, 'must be a non-empty string');
  return v;
}

function string(where: Where, o: Record<string, unknown>, key: string): string {
  return asString(where.at(key), o[key]);
}

function list<T>(where: Where, o: Record<string, unknown>, key: string, item: (w: Where, v: unknown) => T): T[] {
  const v = o[key];
  if (!Array.isArray(v)) fail(where.at(key), v, 'must be a list');
  return v.map((x, i) => item(where.at(key).at(i), x));
}
