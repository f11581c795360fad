/**
 * A model of how ingress-nginx serves a set of Ingresses: the servers (hosts) and locations it builds, in its
 * order and with its merge rules, and the decision it takes for a request. It follows the controller's code
 * (internal/ingress/controller/controller.go, store.go, template.go, location.go) and its Lua (lua_ingress,
 * balancer): the translation reads the servers, and `--verify` compares `decide()` with the compiled Gateway.
 *
 * What ingress-nginx does, in short:
 * - Ingresses are taken oldest first (equal timestamps: namespace/name descending); the first Ingress that
 *   names a host creates its server, with a root location `/` to its spec.defaultBackend or the default
 *   backend (404); the first to define a (path, pathType) on a host keeps it, except that `/` may replace the
 *   root placeholder. Server-level settings (TLS certificate, aliases, ssl-passthrough, client certificates)
 *   come from the first Ingress that sets them.
 * - ImplementationSpecific is Prefix. A Prefix path `/foo` becomes `location /foo/` plus `location = /foo`;
 *   Exact is `location = /foo`. When any location of a host uses use-regex or rewrite-target, every location
 *   of the host is `location ~* "^<path>"` (case-insensitive regex, anchored at the start only), tried in
 *   order of descending path length (ties: reverse string order), first match wins.
 * - Otherwise nginx picks an exact location, else (for a URI that is a prefix location minus its trailing
 *   slash) answers 301 with the slash appended, else the longest prefix.
 * - A canary Ingress's backend becomes the alternative of the main backend's upstream: every location that
 *   proxies to that Service port gets the canary, decided by header, then cookie, then weight.
 */
import { X509Certificate } from 'node:crypto';
import { CanaryConfig, LocationConfig, ParsedAnnotations } from './annotations';
import { Ingress, IngressBackend, keyOf, ObjectKey, Secret, Service } from './input';
import { nginxLocationMatcher, pcreToEcma, searchRegex } from './pcre';
import { hostnameMatches, isWildcard } from '../spec/hostname';

export const DEFAULT_SERVER = '_';

/** A Service port traffic goes to. `key` is ingress-nginx's upstream identity (the port as written). */
export interface Upstream {
  readonly namespace: string;
  readonly service: string;
  readonly port: number;
  readonly portName?: string;
  /** `ns/service:port` (the data plane's backend id). */
  readonly id: string;
  /** `ns-service-<port as written>` (ingress-nginx's upstream name). */
  readonly key: string;
}

/** Where an Ingress path came from. */
export interface PathSource {
  readonly ingress: string;
  readonly rule: number;
  readonly path: number;
}

export interface Location {
  /** The nginx location path (after the Prefix split: `/foo/`, and `/foo` for the exact copy). */
  path: string;
  /** `location = <path>` when the host is not in regex mode. */
  exact: boolean;
  readonly ingressPath: string;
  /** The path type ingress-nginx uses: Exact or Prefix (ImplementationSpecific is Prefix). */
  readonly pathType: 'Exact' | 'Prefix';
  /** The settings of the Ingress that defined this location (or created the server, for the root placeholder). */
  config: LocationConfig;
  upstream?: Upstream;
  /** The root placeholder: spec.defaultBackend of the server's first Ingress, or the default backend (404). */
  isDefBackend: boolean;
  source?: PathSource;
  /** Set on the `= /foo` copy of a Prefix `/foo`. */
  splitFrom?: Location;
}

export interface Server {
  /** The host, or `_` for rules without a host. */
  readonly hostname: string;
  /** The Ingress that created the server (its namespace owns the translated routes). */
  readonly owner: Ingress;
  aliases: string[];
  /** The Ingress whose server-alias the aliases come from. */
  aliasesFrom?: string;
  locations: Location[];
  enforceRegex: boolean;
  /** The Secret of its TLS certificate (from the first Ingress with a TLS entry for the host). */
  tlsSecret?: ObjectKey & { readonly ingress: string };
  /** Listed under TLS without a usable Secret: ingress-nginx serves its default (self-signed) certificate. */
  tlsDefault?: string;
  sslPassthrough: boolean;
  fromToWww: boolean;
  authTls?: { readonly secret: ObjectKey; readonly verifyClient: string; readonly ingress: string };
}

export interface CanaryBackend {
  readonly upstream: Upstream;
  readonly policy: CanaryConfig;
  readonly ingress: string;
}

export interface RedirectServer {
  readonly from: string;
  readonly to: string;
  readonly server: Server;
}

/** What became of one Ingress path or feature (for the report). */
export interface PathFate {
  readonly ingress: string;
  readonly feature: string;
  readonly status: 'translated' | 'approximated' | 'untranslatable' | 'ignored';
  readonly text: string;
}

export interface NginxModel {
  /** Servers sorted by hostname (`_` first). */
  readonly servers: Server[];
  readonly byName: ReadonlyMap<string, Server>;
  readonly redirects: RedirectServer[];
  /** Upstream key → its canary (the first canary Ingress merged into it). */
  readonly alternatives: ReadonlyMap<string, CanaryBackend>;
  readonly fates: PathFate[];
  /** Host names with a certificate (servers and aliases), for ssl-redirect. */
  readonly certificates: ReadonlyMap<string, ObjectKey | 'default'>;
}

export interface ModelInput {
  /** In ingress-nginx's order (see nginxOrder). */
  readonly ingresses: readonly Ingress[];
  readonly annotations: ReadonlyMap<string, ParsedAnnotations>;
  readonly services: readonly Service[];
  readonly secrets: readonly Secret[];
}

/** Builds the servers and locations ingress-nginx would build. */
export function buildModel(input: ModelInput): NginxModel {
  const fates: PathFate[] = [];
  const fate = (ingress: string, feature: string, status: PathFate['status'], text: string) => fates.push({ ingress, feature, status, text });
  const anns = (ing: Ingress) => input.annotations.get(keyOf(ing))!;
  const upstreamOf = (ing: Ingress, b: IngressBackend, feature: string): Upstream | undefined => {
    if (!b.service) return undefined;
    const u = resolveUpstream(ing.namespace, b.service.name, b.service.port, input.services);
    if ('error' in u) {
      fate(keyOf(ing), feature, 'untranslatable', u.error);
      return undefined;
    }
    return u;
  };

  // --- createServers ----------------------------------------------------------------------------------------
  const servers = new Map<string, Server>();
  const first = input.ingresses.find((i) => !anns(i).canary) ?? input.ingresses[0];
  const defaultRoot: Location = { path: '/', exact: false, ingressPath: '/', pathType: 'Prefix', config: defaultConfig(), isDefBackend: true };
  if (first) {
    servers.set(DEFAULT_SERVER, {
      hostname: DEFAULT_SERVER, owner: first, aliases: [], locations: [defaultRoot], enforceRegex: false, sslPassthrough: false, fromToWww: false,
    });
  }
  for (const ing of input.ingresses) {
    const a = anns(ing);
    const key = keyOf(ing);
    if (a.canary) continue;
    let defUpstream: Upstream | undefined;
    if (ing.defaultBackend) {
      if (ing.defaultBackend.resource) {
        fate(key, 'spec.defaultBackend', 'untranslatable', `the resource backend ${ing.defaultBackend.resource.kind} ${ing.defaultBackend.resource.name}: ` +
          'Gateway API routes send traffic to Services only (ingress-nginx uses its default backend instead)');
      } else {
        defUpstream = upstreamOf(ing, ing.defaultBackend, 'spec.defaultBackend');
        const root = servers.get(DEFAULT_SERVER)!.locations[0];
        if (defUpstream && root.isDefBackend && ing.rules.length === 0 && !root.upstream) {
          // an Ingress with a backend and no rules is the catch-all
          // ingress-nginx keeps the catch-all's own redirect and rewrite settings (its TODO: they could break it)
          const d = defaultConfig();
          const config: LocationConfig = {
            ...a.location,
            redirect: undefined,
            fromToWww: false,
            rewriteTarget: undefined,
            sslRedirect: d.sslRedirect,
            forceSslRedirect: d.forceSslRedirect,
            preserveTrailingSlash: d.preserveTrailingSlash,
            appRoot: undefined,
            useRegex: false,
          };
          Object.assign(root, { upstream: defUpstream, config });
          fate(key, 'spec.defaultBackend', 'translated', 'serves every request no other host or path takes (the catch-all)');
        } else if (defUpstream && ing.rules.length === 0) {
          fate(key, 'spec.defaultBackend', 'ignored', `an older Ingress is already the catch-all (${servers.get(DEFAULT_SERVER)!.locations[0].config.ingress})`);
        }
      }
    }
    for (const rule of ing.rules) {
      const host = rule.host || DEFAULT_SERVER;
      if (servers.has(host)) continue;
      const root: Location = { path: '/', exact: false, ingressPath: '/', pathType: 'Prefix', config: a.location, isDefBackend: true, upstream: defUpstream };
      servers.set(host, {
        hostname: host, owner: ing, aliases: [], locations: [root], enforceRegex: false, sslPassthrough: a.server.sslPassthrough, fromToWww: false,
      });
      if (defUpstream) fate(key, `spec.defaultBackend on ${host}`, 'translated', `serves the paths of ${host} that no Ingress defines`);
    }
  }
  const secretOf = (ns: string, name: string) => input.secrets.find((s) => s.namespace === ns && s.name === name);
  for (const ing of input.ingresses) {
    const hosts = new Set(ing.rules.map((r) => r.host));
    ing.tls.forEach((t, i) => t.hosts.filter((h) => !hosts.has(h)).forEach((h) => fate(keyOf(ing), `spec.tls[${i}] (${h})`, 'ignored',
      `no rule of this Ingress names ${h}, so ingress-nginx configures no certificate for it from here`)));
  }
  for (const ing of input.ingresses) {
    const a = anns(ing);
    if (a.canary) continue;
    for (const rule of ing.rules) {
      const host = rule.host || DEFAULT_SERVER;
      const server = servers.get(host)!;
      if (server.aliases.length === 0 && a.server.aliases.length > 0) {
        server.aliases = [...a.server.aliases];
        server.aliasesFrom = keyOf(ing);
      } else if (a.server.aliases.length > 0) {fate(keyOf(ing), 'server-alias', 'ignored', `aliases of ${host} come from ${keyOf(server.owner)} (the first Ingress that sets them)`);}
      if (host === DEFAULT_SERVER || server.tlsSecret || server.tlsDefault || ing.tls.length === 0) continue;
      const name = tlsSecretName(host, ing, secretOf);
      if (name === undefined) continue;
      if (name === '') {
        server.tlsDefault = `${keyOf(ing)} lists ${host} under spec.tls without a secretName`;
        continue;
      }
      const secret = secretOf(ing.namespace, name);
      const cert = secret?.data['tls.crt'];
      if (cert && !certCovers(cert, host)) {
        server.tlsDefault = `the certificate in Secret ${ing.namespace}/${name} does not cover ${host}`;
        continue;
      }
      server.tlsSecret = { namespace: ing.namespace, name, ingress: keyOf(ing) };
    }
  }
  // aliases: not the host itself, not another server's name, once
  for (const s of servers.values()) {
    s.aliases = [...new Set(s.aliases)].filter((alias) => alias !== s.hostname && !servers.has(alias)).sort();
  }

  // --- getBackendServers: locations ------------------------------------------------------------------------
  const canaries: Ingress[] = [];
  for (const ing of input.ingresses) {
    const a = anns(ing);
    const key = keyOf(ing);
    if (a.canary) {
      canaries.push(ing);
      continue;
    }
    ing.rules.forEach((rule, r) => {
      const host = rule.host || DEFAULT_SERVER;
      const server = servers.get(host) ?? servers.get(DEFAULT_SERVER)!;
      if (!server.authTls && a.server.authTls && host !== DEFAULT_SERVER) server.authTls = { ...a.server.authTls, ingress: key };
      (rule.paths ?? []).forEach((p, j) => {
        const feature = `spec.rules[${r}].http.paths[${j}] (${host} ${p.path || '/'})`;
        if (!p.backend.service) {
          const res = p.backend.resource;
          fate(key, feature, 'untranslatable', `the resource backend ${res ? `${res.kind} ${res.name}` : '(none)'}: Gateway API routes send traffic to ` +
            'Services only; ingress-nginx skips this path and serves it from the default backend');
          return;
        }
        const upstream = upstreamOf(ing, p.backend, feature);
        if (!upstream) return;
        const path = p.path || '/';
        const pathType: 'Exact' | 'Prefix' = p.pathType === 'Exact' ? 'Exact' : 'Prefix';
        const same = server.locations.find((l) => l.path === path && l.pathType === pathType);
        if (same && !same.isDefBackend) {
          fate(key, feature, 'ignored', `${same.source?.ingress ?? 'an older Ingress'} defines ${pathType} ${path} on ${host} first (ingress-nginx keeps the oldest)`);
          return;
        }
        const source = { ingress: key, rule: r, path: j };
        if (same) {
          Object.assign(same, { upstream, isDefBackend: false, config: a.location, source });
        } else {
          server.locations.push({ path, exact: false, ingressPath: path, pathType, config: a.location, upstream, isDefBackend: false, source });
        }
        if (a.location.fromToWww) server.fromToWww = true;
        const typeText = !p.pathType ? 'no pathType (Prefix to ingress-nginx)' : p.pathType === 'ImplementationSpecific' ? 'ImplementationSpecific (Prefix, or a regex with use-regex, to ingress-nginx)' : p.pathType;
        fate(key, feature, 'translated', `${typeText} ${path} to ${upstream.id}`);
      });
    });
  }

  // --- canaries: mergeAlternativeBackends -----------------------------------------------------------------------
  const alternatives = new Map<string, CanaryBackend>();
  const mainExists = input.ingresses.some((i) => !anns(i).canary);
  for (const ing of canaries) {
    const key = keyOf(ing);
    const policy = anns(ing).canary!;
    if (!mainExists) {
      fate(key, 'canary', 'ignored', 'no main Ingress: ingress-nginx ignores canaries when every Ingress is a canary');
      continue;
    }
    if (ing.defaultBackend) fate(key, 'spec.defaultBackend', 'untranslatable', 'a canary default backend is not translated (write the canary on a path instead)');
    ing.rules.forEach((rule, r) => {
      const host = rule.host || DEFAULT_SERVER;
      (rule.paths ?? []).forEach((p, j) => {
        const feature = `spec.rules[${r}].http.paths[${j}] (${host} ${p.path || '/'})`;
        const server = servers.get(host);
        if (!server) {
          fate(key, feature, 'ignored', `no main Ingress serves ${host}: ingress-nginx drops the canary`);
          return;
        }
        const alt = p.backend.service ? upstreamOf(ing, p.backend, feature) : undefined;
        if (!alt) return;
        const path = p.path || '/';
        const pathType = p.pathType === 'Exact' ? 'Exact' : 'Prefix';
        const loc = server.locations.find((l) => l.path === path && l.pathType === pathType && l.upstream && !l.isDefBackend);
        if (!loc?.upstream) {
          fate(key, feature, 'ignored', `no main Ingress defines ${pathType} ${path} on ${host}: ingress-nginx drops the canary`);
          return;
        }
        if (loc.upstream.key === alt.key) {
          fate(key, feature, 'ignored', `the canary backend ${alt.id} is the main backend itself`);
          return;
        }
        const existing = alternatives.get(loc.upstream.key);
        if (existing) {
          if (existing.ingress !== key || existing.upstream.key !== alt.key) {
            fate(key, feature, 'ignored', `${loc.upstream.id} already has the canary ${existing.upstream.id} of ${existing.ingress} (ingress-nginx uses one canary per backend)`);
          }
          return;
        }
        alternatives.set(loc.upstream.key, { upstream: alt, policy, ingress: key });
        fate(key, feature, 'translated', `canary ${alt.id} for every location that proxies to ${loc.upstream.id}`);
      });
    });
  }

  // --- sort, split (updateServerLocations), regex mode -----------------------------------------------------
  for (const s of servers.values()) {
    // ingress-nginx sorts by path descending, then (stable) by length descending
    const sorted = s.locations.map((l, i) => ({ l, i })).sort((x, y) => (x.l.path > y.l.path ? -1 : x.l.path < y.l.path ? 1 : x.i - y.i));
    const byLength = sorted.map((x, i) => ({ l: x.l, i })).sort((x, y) => y.l.path.length - x.l.path.length || x.i - y.i).map((x) => x.l);
    const exactPaths = new Set(byLength.filter((l) => l.pathType === 'Exact').map((l) => l.path));
    const out: Location[] = [];
    for (const l of byLength) {
      if (l.path === '/' || l.pathType !== 'Prefix' || needsRewrite(l) || l.config.useRegex) {
        l.exact = l.pathType === 'Exact';
        out.push(l);
        continue;
      }
      const normalized = l.path.endsWith('/') ? l.path : `${l.path}/`;
      if (exactPaths.has(l.path)) {
        l.path = normalized;
        out.push(l);
        continue;
      }
      const copy: Location = { ...l, exact: true, splitFrom: l };
      l.path = normalized;
      out.push(l, copy);
    }
    s.locations = out;
    s.enforceRegex = out.some((l) => needsRewrite(l) || l.config.useRegex);
    for (const l of out) if (!s.enforceRegex && l.pathType === 'Exact') l.exact = true;
    if (!s.enforceRegex) {
      // Prefix /foo and Prefix /foo/ both become "location /foo/": nginx refuses the configuration
      const seen = new Map<string, Location>();
      for (const l of out) {
        const key = `${l.exact ? '=' : ''}${l.path}`;
        const earlier = seen.get(key);
        if (!earlier) {
          seen.set(key, l);
        } else if (l.source && earlier.source && !l.splitFrom) {
          fate(l.source.ingress, `spec.rules[${l.source.rule}].http.paths[${l.source.path}] (${s.hostname} ${l.ingressPath})`, 'untranslatable',
            `ingress-nginx would write "location ${key}" twice (also from ${earlier.source.ingress} ${earlier.ingressPath}), a configuration nginx refuses; ` +
            'the first one is kept here: remove one of the two paths');
        }
      }
    }
  }

  // --- redirect servers (from-to-www-redirect) ---------------------------------------------------------------
  const sortedServers = [...servers.values()].sort((a, b) => (a.hostname < b.hostname ? -1 : a.hostname > b.hostname ? 1 : 0));
  const redirects: RedirectServer[] = [];
  const targets = new Set<string>();
  for (const s of sortedServers) {
    if (!s.fromToWww || s.hostname === DEFAULT_SERVER) continue;
    const from = s.hostname.startsWith('www.') ? s.hostname.slice(4) : `www.${s.hostname}`;
    if (targets.has(s.hostname)) continue;
    if (servers.has(from)) {
      fate(s.owner.namespace + '/' + s.owner.name, 'from-to-www-redirect', 'ignored', `${from} is a host of its own, so ingress-nginx does not redirect it`);
      continue;
    }
    redirects.push({ from, to: s.hostname, server: s });
    targets.add(s.hostname);
  }

  const byName = new Map<string, Server>();
  for (const s of sortedServers) {
    byName.set(s.hostname, s);
    for (const alias of s.aliases) if (!byName.has(alias)) byName.set(alias, s);
  }
  const certificates = new Map<string, ObjectKey | 'default'>();
  for (const s of sortedServers) {
    const c = s.tlsSecret ?? (s.tlsDefault ? 'default' : undefined);
    if (!c) continue;
    for (const n of [s.hostname, ...s.aliases]) certificates.set(n, c);
  }
  for (const r of redirects) {
    const c = certificates.get(r.to);
    if (c && !certificates.has(r.from)) certificates.set(r.from, c);
  }
  return { servers: sortedServers, byName, redirects, alternatives, fates, certificates };
}

/** The settings of the default server's root before any Ingress configures it. */
function defaultConfig(): LocationConfig {
  return { ingress: '', sslRedirect: true, forceSslRedirect: false, preserveTrailingSlash: false, useRegex: false, fromToWww: false, backendProtocol: 'HTTP' };
}

export function needsRewrite(l: Location): boolean {
  return l.config.rewriteTarget !== undefined && l.config.rewriteTarget !== '' && l.config.rewriteTarget !== l.path;
}

/** Resolves an Ingress backend's Service port (by number, or by name through the Service in the input). */
export function resolveUpstream(namespace: string, service: string, port: { number?: number; name?: string },
  services: readonly Service[]): Upstream | { error: string } {
  const svc = services.find((s) => s.namespace === namespace && s.name === service);
  const written = port.number !== undefined ? String(port.number) : port.name ?? '';
  const key = `${namespace}-${service}-${written}`;
  if (port.number !== undefined) {
    const sp = svc?.ports.find((p) => p.port === port.number);
    return { namespace, service, port: port.number, portName: sp?.name, id: `${namespace}/${service}:${port.number}`, key };
  }
  if (!svc) {
    return { error: `Service ${namespace}/${service} is not among the input, so its port "${port.name}" cannot be resolved to the number a Gateway API backendRef needs: add the Service to --manifests` };
  }
  const sp = svc.ports.find((p) => p.name === port.name);
  if (!sp) return { error: `Service ${namespace}/${service} has no port named "${port.name}" (ports: ${svc.ports.map((p) => p.name ?? p.port).join(', ')})` };
  return { namespace, service, port: sp.port, portName: sp.name, id: `${namespace}/${service}:${sp.port}`, key };
}

/**
 * ingress-nginx's extractTLSSecretName: the secretName of the TLS entry that lists the host; else the first
 * entry whose certificate (when the Secret is in the input) covers the host. undefined: no TLS for the host.
 */
function tlsSecretName(host: string, ing: Ingress, secretOf: (ns: string, name: string) => Secret | undefined): string | undefined {
  const lower = host.toLowerCase();
  for (const t of ing.tls) if (t.hosts.some((h) => h.toLowerCase() === lower)) return t.secretName;
  for (const t of ing.tls) {
    if (!t.secretName) continue;
    const cert = secretOf(ing.namespace, t.secretName)?.data['tls.crt'];
    if (cert && certCovers(cert, host)) return t.secretName;
  }
  return undefined;
}

/** True when the base64 PEM certificate's names cover `host` (wildcards as X.509 defines them). */
function certCovers(base64Pem: string, host: string): boolean {
  try {
    const cert = new X509Certificate(Buffer.from(base64Pem, 'base64'));
    return host.startsWith('*.') ? cert.checkHost(`x${host.slice(1)}`) !== undefined : cert.checkHost(host) !== undefined;
  } catch {
    return true; // unreadable here: assume it serves, as the cluster would tell
  }
}

// =============================================================================================================
// The decision
// =============================================================================================================

export interface ModelRequest {
  readonly scheme: 'http' | 'https';
  /** The Host header (no port). */
  readonly host: string;
  readonly method: string;
  readonly path: string;
  /** Without the `?`. */
  readonly query: string;
  /** Lower-case names. */
  readonly headers: Readonly<Record<string, string>>;
}

export type ModelOutcome =
  | {
    readonly kind: 'proxy';
    /** Backend ids and their shares (weights; compare as percentages). */
    readonly backends: ReadonlyArray<{ readonly id: string; readonly weight: number }>;
    /** The path (and query) the backend sees. */
    readonly path: string;
    /** The Host header the backend sees when upstream-vhost changes it. */
    readonly host?: string;
    /** Request headers ingress-nginx sets from annotations (x-forwarded-prefix). */
    readonly setHeaders: Readonly<Record<string, string>>;
    readonly why: string;
  }
  | { readonly kind: 'redirect'; readonly status: number; readonly location: string; readonly why: string }
  | { readonly kind: 'status'; readonly status: number; readonly why: string };

/** The nginx server a Host header reaches: exact names and aliases, then `*.` wildcards (longest), then `_`. */
export function serverFor(model: NginxModel, host: string): { server: Server; redirectTo?: string } | undefined {
  const h = host.toLowerCase();
  const redirect = model.redirects.find((r) => r.from === h);
  const exact = model.byName.get(h);
  if (exact && exact.hostname !== DEFAULT_SERVER) return { server: exact };
  if (redirect) return { server: redirect.server, redirectTo: redirect.to };
  let best: { name: string; server: Server } | undefined;
  for (const [name, s] of model.byName) {
    if (!isWildcard(name) || !hostnameMatches(name, h)) continue;
    if (!best || name.length > best.name.length) best = { name, server: s };
  }
  if (best) return { server: best.server };
  const def = model.byName.get(DEFAULT_SERVER);
  return def ? { server: def } : undefined;
}

/** The location nginx picks for a URI, or an automatic slash redirect. */
export function pickLocation(server: Server, uri: string): Location | { autoRedirect: string } | undefined {
  if (server.enforceRegex) {
    for (const l of server.locations) {
      const re = nginxLocationMatcher(l.path, true);
      if (re?.test(uri)) return l;
    }
    return undefined;
  }
  const exact = server.locations.find((l) => l.exact && l.path === uri);
  if (exact) return exact;
  const prefixes = server.locations.filter((l) => !l.exact);
  if (!prefixes.some((l) => l.path === uri) && server.locations.some((l) => l.path === `${uri}/`)) return { autoRedirect: `${uri}/` };
  let best: Location | undefined;
  for (const l of prefixes) if (uri.startsWith(l.path) && (!best || l.path.length > best.path.length)) best = l;
  return best;
}

/** The certificate ingress-nginx finds for a host name: exact, else `*.` + the name without its first label. */
export function certificateFor(model: NginxModel, host: string): ObjectKey | 'default' | undefined {
  const h = host.toLowerCase().replace(/\.$/, '');
  const exact = model.certificates.get(h);
  if (exact) return exact;
  const dot = h.indexOf('.');
  return dot > 0 ? model.certificates.get(`*${h.slice(dot)}`) : undefined;
}

/** What ingress-nginx does with a request. */
export function decide(model: NginxModel, req: ModelRequest): ModelOutcome {
  const requestUri = `${req.path}${req.query ? `?${req.query}` : ''}`;
  const found = serverFor(model, req.host);
  if (!found) return { kind: 'status', status: 404, why: 'no Ingress: the default backend answers 404' };
  const { server } = found;
  if (found.redirectTo) {
    return { kind: 'redirect', status: 308, location: `${req.scheme}://${found.redirectTo}${stripSlash(requestUri)}`, why: `from-to-www-redirect: ${req.host} redirects to ${found.redirectTo}` };
  }
  const where = `server ${server.hostname}`;
  // server-level app-root
  if (req.path === '/') {
    const withRoot = server.locations.find((l) => l.config.appRoot);
    if (withRoot) return { kind: 'redirect', status: 302, location: `${req.scheme}://${req.host}${withRoot.config.appRoot}`, why: `app-root of ${withRoot.config.ingress}` };
  }
  const picked = pickLocation(server, req.path);
  if (!picked) return { kind: 'status', status: 404, why: `${where}: no location matches ${req.path}` };
  if ('autoRedirect' in picked) {
    return { kind: 'redirect', status: 301, location: `${req.scheme}://${req.host}${picked.autoRedirect}${req.query ? `?${req.query}` : ''}`, why: `${where}: nginx adds the trailing slash of location ${picked.autoRedirect}` };
  }
  const loc = picked;
  const c = loc.config;
  const locWhere = `${where} location ${server.enforceRegex ? '~* ^' : loc.exact ? '= ' : ''}${loc.path}`;
  if (c.redirect) {
    return { kind: 'redirect', status: c.redirect.code, location: interpolate(c.redirect.url, req), why: `${locWhere}: ${c.redirect.annotation} of ${c.ingress}` };
  }
  if (req.scheme === 'http' && (c.forceSslRedirect || (c.sslRedirect && certificateFor(model, req.host) !== undefined))) {
    const uri = c.preserveTrailingSlash ? requestUri : stripSlash(requestUri);
    return { kind: 'redirect', status: 308, location: `https://${req.host}${uri}`, why: `${locWhere}: ${c.forceSslRedirect ? 'force-ssl-redirect' : 'ssl-redirect (the host has a certificate)'}` };
  }
  if (!loc.upstream) return { kind: 'status', status: 404, why: `${locWhere}: the default backend answers 404` };
  // rewrite-target
  let path = requestUri;
  if (needsRewrite(loc)) {
    const rewritten = rewrite(loc.path, c.rewriteTarget!, req.path, req.query);
    if (rewritten.redirect) return { kind: 'redirect', status: 302, location: rewritten.redirect, why: `${locWhere}: rewrite-target to an absolute URL redirects` };
    path = rewritten.uri;
  }
  const setHeaders: Record<string, string> = {};
  if (c.xForwardedPrefix) setHeaders['x-forwarded-prefix'] = c.xForwardedPrefix;
  const main = loc.upstream;
  const alt = model.alternatives.get(main.key);
  let backends: Array<{ id: string; weight: number }> = [{ id: main.id, weight: 1 }];
  let why = `${locWhere} of ${c.ingress}`;
  if (alt) {
    const d = canaryDecision(alt.policy, req.headers);
    if (d === 'canary') {backends = [{ id: alt.upstream.id, weight: 1 }];} else if (d === 'main') {backends = [{ id: main.id, weight: 1 }];} else {
      const w = Math.min(alt.policy.weight, alt.policy.weightTotal);
      backends = [{ id: main.id, weight: alt.policy.weightTotal - w }, { id: alt.upstream.id, weight: w }].filter((b) => b.weight > 0);
    }
    if (backends.length === 0) backends = [{ id: main.id, weight: 1 }];
    why += `, canary ${alt.ingress}: ${d}`;
  }
  return { kind: 'proxy', backends, path, host: c.upstreamVhost, setHeaders, why };
}

/** The canary Lua: header (always/never, a value or a pattern), then cookie (always/never), then weight. */
export function canaryDecision(p: CanaryConfig, headers: Readonly<Record<string, string>>): 'canary' | 'main' | 'weight' {
  if (p.header) {
    const v = headers[p.header.toLowerCase()];
    if (v !== undefined) {
      if (p.headerValue) {
        if (v === p.headerValue) return 'canary';
      } else if (p.headerPattern) {
        const re = searchRegex(p.headerPattern);
        if (!('error' in re) && new RegExp(`^(?:${re.source})$`).test(v)) return 'canary';
      } else if (v === 'always') {
        return 'canary';
      } else if (v === 'never') {
        return 'main';
      }
    }
  }
  if (p.cookie) {
    const c = cookieValue(headers.cookie, p.cookie);
    if (c === 'always') return 'canary';
    if (c === 'never') return 'main';
  }
  return 'weight';
}

/** The first value of a cookie in a Cookie header. */
export function cookieValue(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/** nginx `rewrite "(?i)<location path>" <target> break;` on the URI. */
export function rewrite(locationPath: string, target: string, uri: string, query: string): { uri: string; redirect?: string } {
  const c = pcreToEcma(locationPath, true);
  if ('error' in c) return { uri: `${uri}${query ? `?${query}` : ''}` };
  const m = new RegExp(c.source).exec(uri);
  if (!m) return { uri: `${uri}${query ? `?${query}` : ''}` };
  const replaced = target.replace(/\$(\d+|\{\d+\}|[A-Za-z_][A-Za-z0-9_]*)/g, (whole, ref: string) => {
    const k = ref.replace(/[{}]/g, '');
    if (/^\d+$/.test(k)) return m[Number(k)] ?? '';
    return m.groups?.[k] ?? whole;
  });
  if (/^https?:\/\//.test(replaced)) return { uri, redirect: query && !replaced.includes('?') ? `${replaced}?${query}` : replaced };
  const q = replaced.indexOf('?');
  if (q < 0) return { uri: `${replaced}${query ? `?${query}` : ''}` };
  // new arguments; the old ones follow unless the replacement ends with "?"
  const base = replaced.slice(0, q);
  const args = replaced.slice(q + 1);
  if (args === '') return { uri: base };
  return { uri: `${base}?${args}${query ? `&${query}` : ''}` };
}

/** ingress-nginx drops one trailing slash from the request URI in its own redirects. */
function stripSlash(requestUri: string): string {
  return requestUri.endsWith('/') ? requestUri.slice(0, -1) : requestUri;
}

/** The nginx variables a redirect URL may use. */
function interpolate(url: string, req: ModelRequest): string {
  const requestUri = `${req.path}${req.query ? `?${req.query}` : ''}`;
  const vars: Record<string, string> = {
    request_uri: requestUri, uri: req.path, args: req.query, query_string: req.query, host: req.host, http_host: req.host, scheme: req.scheme,
  };
  return url.replace(/\$(\{([a-z_]+)\}|[a-z_]+)/g, (whole, a: string, b?: string) => vars[b ?? a] ?? whole);
}
