/**
 * nginx locations → HTTPRoute rules, per listener role: `http` (port 80, where ingress-nginx redirects TLS
 * hosts to https) and `https` (port 443). The rules reproduce ingress-nginx's choice of location whatever the
 * Gateway API precedence would pick: plain hosts use Exact and PathPrefix (nginx's exact/longest-prefix rules
 * agree with them), regex hosts use RegularExpression matches with lookaheads where the Gateway's order
 * (longer pattern first) would differ from nginx's (first match in its sorted list).
 */
import { CanaryConfig, CorsConfig } from './annotations';
import { Context } from './context';
import { BackendRefJson, FilterJson, MatchJson, RuleDraft, sameJson, Trace } from './drafts';
import { certificateFor, Location, needsRewrite, Server, Upstream } from './nginx-model';
import { escapeRegex, excludeLocation, isLiteral, locationRegex, searchRegex } from './pcre';
import { HTTP_METHODS } from '../spec/gateway-api';
import { MAX_ITEMS } from '../spec/limits';
import { CORS_ORIGIN, DNS_SUBDOMAIN, HEADER_NAME } from '../spec/patterns';

export type Role = 'http' | 'https';

const REDIRECT_CODES = new Set([301, 302, 303, 307, 308]);
/** ingress-nginx's defaults for the timeouts an annotation leaves out (seconds). */
const NGINX_CONNECT_TIMEOUT = 5;
const NGINX_READ_TIMEOUT = 60;

/** The rules of one server for one role, in nginx's location order. */
export function serverRules(ctx: Context, server: Server, role: Role): RuleDraft[] {
  const rules: RuleDraft[] = [];
  const appRoot = server.locations.find((l) => l.config.appRoot);
  if (appRoot) {
    rules.push({
      matches: [{ path: { type: 'Exact', value: '/' } }],
      filters: [{ type: 'RequestRedirect', requestRedirect: { path: { type: 'ReplaceFullPath', replaceFullPath: appRoot.config.appRoot }, statusCode: 302 } }],
      backendRefs: [],
      trace: [{ ingress: appRoot.config.ingress, what: 'app-root', text: `GET / redirects (302) to ${appRoot.config.appRoot}` }],
      comment: `app-root of ${appRoot.config.ingress}`,
      location: -1,
    });
    ctx.mark(appRoot.config.ingress, 'app-root', 'approximated', 'the Gateway keeps the query string of "/?..." in the redirect; nginx drops it');
  }
  if (!server.enforceRegex) rules.push(...autoRedirects(server));
  server.locations.forEach((loc, i) => {
    if (!server.enforceRegex && loc.splitFrom) return; // its Prefix sibling's PathPrefix covers it
    const matches = matchesFor(ctx, server, loc);
    if (!matches) return;
    rules.push(...locationRules(ctx, server, loc, i, role, matches));
  });
  if (server.enforceRegex) addExclusions(server, rules);
  return mergeAdjacent(rules);
}

/**
 * nginx answers 301 with a slash appended for `/foo` when `/foo/` is a location and `/foo` is not (a Prefix
 * path written with a trailing slash).
 */
function autoRedirects(server: Server): RuleDraft[] {
  const names = new Set(server.locations.map((l) => l.path));
  const out: RuleDraft[] = [];
  for (const l of server.locations) {
    if (l.path === '/' || !l.path.endsWith('/')) continue;
    const bare = l.path.slice(0, -1);
    if (names.has(bare) || !validGatewayPath(bare)) continue;
    out.push({
      matches: [{ path: { type: 'Exact', value: bare } }],
      filters: [{ type: 'RequestRedirect', requestRedirect: { path: { type: 'ReplaceFullPath', replaceFullPath: l.path }, statusCode: 301 } }],
      backendRefs: [],
      trace: l.source ? [{ ingress: l.source.ingress, what: featureOf(l, server), text: `${bare} redirects (301) to ${l.path}, as nginx does for a location ending in "/"` }] : [],
      comment: `nginx's slash redirect for location ${l.path}`,
      location: -1,
    });
  }
  return out;
}

/** The Gateway API matches of a location. */
function matchesFor(ctx: Context, server: Server, loc: Location): MatchJson[] | undefined {
  const ingress = loc.source?.ingress ?? loc.config.ingress;
  if (server.enforceRegex) {
    const re = locationRegex(loc.path, true);
    if ('error' in re) {
      ctx.fate(ingress, featureOf(loc, server), 'untranslatable', `the regex path ${loc.path}: ${re.error}; the location is left out`);
      return undefined;
    }
    return [{ path: { type: 'RegularExpression', value: re.source } }];
  }
  if (loc.exact) {
    if (!validGatewayPath(loc.path)) {
      ctx.fate(ingress, featureOf(loc, server), 'untranslatable', `the path "${loc.path}" is not a valid Gateway API path (no //, /./, /../, %2f or #); the location is left out`);
      return undefined;
    }
    return [{ path: { type: 'Exact', value: loc.path } }];
  }
  const prefix = loc.path === '/' ? '/' : loc.path.replace(/\/$/, '');
  if (!validGatewayPath(prefix)) {
    ctx.fate(ingress, featureOf(loc, server), 'untranslatable', `the path "${loc.path}" is not a valid Gateway API path prefix; the location is left out`);
    return undefined;
  }
  return [{ path: { type: 'PathPrefix', value: prefix } }];
}

/** The Gateway API's rules for path values (the CRD's CEL rules). */
export function validGatewayPath(p: string): boolean {
  return p.startsWith('/') && !/\/\/|\/\.\/|\/\.\.\/|%2f|%2F|#/.test(p) && !/\/\.\.?$/.test(p);
}

/** `spec.rules[r].http.paths[p] (host path)`: the Ingress feature a location came from. */
export function featureOf(l: Location, server: Server): string {
  const s = l.source;
  const host = server.hostname === '_' ? '(any host)' : server.hostname;
  return s ? `spec.rules[${s.rule}].http.paths[${s.path}] (${host} ${l.ingressPath})` : `spec.defaultBackend (${host})`;
}

function locationRules(ctx: Context, server: Server, loc: Location, index: number, role: Role, matches: MatchJson[]): RuleDraft[] {
  const c = loc.config;
  const ingress = c.ingress;
  const comment = `${server.enforceRegex ? `location ~* "^${loc.path}"` : loc.exact ? `location = ${loc.path}` : `location ${loc.path}`} (${loc.source ? `${loc.source.ingress}` : `root of ${server.hostname}`})`;
  const pathTrace: Trace[] = loc.source ? [{ ingress: loc.source.ingress, what: featureOf(loc, server), text: '' }] : [];
  const base = (trace: Trace[]): Omit<RuleDraft, 'filters' | 'backendRefs'> => ({ matches, trace: [...pathTrace, ...trace], comment, location: index });

  if (c.redirect) {
    const r = redirectFromUrl(c.redirect.url, c.redirect.code);
    if ('error' in r) {
      ctx.mark(ingress, c.redirect.annotation, 'untranslatable', r.error);
    } else {
      if (r.approximation) ctx.mark(ingress, c.redirect.annotation, 'approximated', r.approximation);
      const code = c.redirect.annotation.replace('redirect', 'redirect-code');
      return [{
        ...base([{ ingress, what: c.redirect.annotation, text: `redirects (${c.redirect.code}) to ${c.redirect.url}` }, { ingress, what: code, text: `statusCode ${c.redirect.code}` }]),
        filters: [r.filter],
        backendRefs: [],
      }];
    }
  }
  if (role === 'http' && (c.forceSslRedirect || (c.sslRedirect && certificateFor(ctx.model, server.hostname) !== undefined))) {
    const what = c.forceSslRedirect ? 'force-ssl-redirect' : 'ssl-redirect';
    if (!c.preserveTrailingSlash) {
      const why = 'the Gateway redirects http://host/a/ to https://host/a/; ingress-nginx drops the trailing slash (https://host/a) unless preserve-trailing-slash: "true"';
      if (ctx.finding(ingress, what)) ctx.mark(ingress, what, 'approximated', why);
      else ctx.fate(ingress, `https redirect of ${server.hostname}`, 'approximated', why);
    } else {
      ctx.mark(ingress, 'preserve-trailing-slash', 'translated');
    }
    return [{
      ...base([{ ingress, what, text: 'http requests redirect (308) to https' }]),
      filters: [{ type: 'RequestRedirect', requestRedirect: { scheme: 'https', statusCode: 308 } }],
      backendRefs: [],
    }];
  }
  if (!loc.upstream) return [];

  const trace: Trace[] = [];
  const filters: FilterJson[] = [];
  let ruleMatches = matches;
  const extraRules: RuleDraft[] = [];
  // rewrite-target and upstream-vhost: one URLRewrite
  const urlRewrite: Record<string, unknown> = {};
  if (needsRewrite(loc)) {
    const rw = rewriteFor(ctx, server, loc, index);
    if (rw.redirect) {
      trace.push({ ingress, what: 'rewrite-target', text: `redirects (302) to ${c.rewriteTarget}` });
      return [{ ...base(trace), filters: [rw.redirect], backendRefs: [] }];
    }
    if (rw.path) {
      urlRewrite.path = rw.path;
      trace.push({ ingress, what: 'rewrite-target', text: rw.text! });
    }
    if (rw.matches) ruleMatches = rw.matches;
    if (rw.exactRule) extraRules.push({ ...rw.exactRule, trace: [...pathTrace, { ingress, what: 'rewrite-target', text: rw.exactRule.comment }], location: index });
  } else if (c.rewriteTarget) {
    ctx.mark(ingress, 'rewrite-target', 'translated');
    trace.push({ ingress, what: 'rewrite-target', text: 'equals the path: no rewrite' });
  }
  if (c.useRegex) trace.push({ ingress, what: 'use-regex', text: 'regular expression path match (case-insensitive, from the start)' });
  if (c.upstreamVhost) {
    urlRewrite.hostname = c.upstreamVhost;
    trace.push({ ingress, what: 'upstream-vhost', text: `URLRewrite hostname ${c.upstreamVhost}` });
  }
  if (Object.keys(urlRewrite).length > 0) filters.push({ type: 'URLRewrite', urlRewrite });
  if (c.xForwardedPrefix) {
    filters.push({ type: 'RequestHeaderModifier', requestHeaderModifier: { set: [{ name: 'X-Forwarded-Prefix', value: c.xForwardedPrefix }] } });
    trace.push({ ingress, what: 'x-forwarded-prefix', text: `RequestHeaderModifier sets X-Forwarded-Prefix: ${c.xForwardedPrefix}` });
  }
  if (c.mirrorTarget) {
    const m = serviceFromUrl(ctx, c.mirrorTarget, loc.upstream.namespace);
    if ('error' in m) {ctx.mark(ingress, 'mirror-target', 'untranslatable', m.error);} else if (m.path !== '$request_uri' && m.path !== '/$request_uri') {
      ctx.mark(ingress, 'mirror-target', 'untranslatable', `the mirror path "${m.path}" is not the request's ($request_uri): a RequestMirror sends the request as it is`);
    } else {
      filters.push({ type: 'RequestMirror', requestMirror: { backendRef: backendRef(m, loc.upstream.namespace) } });
      trace.push({ ingress, what: 'mirror-target', text: `RequestMirror to Service ${m.namespace}/${m.name}:${m.port}` });
      if (m.https) ctx.mark(ingress, 'mirror-target', 'approximated', 'the mirror URL is https: add a BackendTLSPolicy for the mirror Service');
      if (ctx.finding(ingress, 'mirror-request-body')?.status === 'translated') trace.push({ ingress, what: 'mirror-request-body', text: 'the mirror gets the body' });
    }
  }
  if (c.cors) {
    const cors = corsFilter(ctx, ingress, c.cors);
    if (cors) {
      filters.push(cors);
      trace.push({ ingress, what: 'enable-cors', text: 'CORS filter' });
      for (const k of ['cors-allow-origin', 'cors-allow-methods', 'cors-allow-headers', 'cors-expose-headers', 'cors-allow-credentials', 'cors-max-age']) {
        if (ctx.finding(ingress, k)) trace.push({ ingress, what: k, text: `CORS ${k.slice(5)}` });
      }
    }
  }
  if (c.externalAuth) {
    const auth = externalAuthFilter(ctx, ingress, c.externalAuth, loc.upstream.namespace);
    if (auth) {
      filters.push(auth);
      trace.push({ ingress, what: 'auth-url', text: `ExternalAuth (experimental channel) to ${c.externalAuth.url}` });
      if (c.externalAuth.responseHeaders.length) trace.push({ ingress, what: 'auth-response-headers', text: `allowedResponseHeaders ${c.externalAuth.responseHeaders.join(', ')}` });
    }
  }
  const extras: Pick<RuleDraft, 'timeouts' | 'retry' | 'sessionPersistence'> = {};
  if (c.timeouts) {
    const total = (c.timeouts.connect ?? NGINX_CONNECT_TIMEOUT) + (c.timeouts.read ?? NGINX_READ_TIMEOUT);
    extras.timeouts = { backendRequest: duration(total) };
    const why = `backendRequest ${duration(total)} = connect (${c.timeouts.connect ?? `${NGINX_CONNECT_TIMEOUT}, nginx's default`}) + read ` +
      `(${c.timeouts.read ?? `${NGINX_READ_TIMEOUT}, nginx's default`}): a silent backend gets 504 after the same time, but nginx's read and send ` +
      'timeouts limit the time between two reads or writes, while backendRequest limits the whole exchange';
    for (const k of ['proxy-connect-timeout', 'proxy-read-timeout', 'proxy-send-timeout']) {
      if (ctx.finding(ingress, k)) {
        ctx.mark(ingress, k, 'approximated', why);
        trace.push({ ingress, what: k, text: `timeouts.backendRequest ${duration(total)}` });
      }
    }
  }
  if (c.retry) {
    const r = retryFor(ctx, ingress, c.retry);
    if (r) {
      extras.retry = r;
      for (const k of ['proxy-next-upstream', 'proxy-next-upstream-tries']) {
        if (ctx.finding(ingress, k)) trace.push({ ingress, what: k, text: `retry (experimental channel): attempts ${r.attempts}${r.codes?.length ? `, codes ${r.codes.join(',')}` : ''}` });
      }
    }
  }
  if (c.affinity) {
    extras.sessionPersistence = {
      sessionName: c.affinity.cookieName,
      type: 'Cookie',
      ...(c.affinity.maxAge ? { absoluteTimeout: duration(c.affinity.maxAge), cookieConfig: { lifetimeType: 'Permanent' } } : { cookieConfig: { lifetimeType: 'Session' } }),
    };
    trace.push({ ingress, what: 'affinity', text: `sessionPersistence (experimental channel): cookie ${c.affinity.cookieName}` });
    for (const k of ['session-cookie-name', 'session-cookie-max-age', 'session-cookie-expires']) if (ctx.finding(ingress, k)) trace.push({ ingress, what: k, text: 'sessionPersistence' });
    if (c.affinity.path) ctx.mark(ingress, 'session-cookie-path', 'approximated', 'sessionPersistence has no cookie path: the implementation chooses it');
    if (ctx.finding(ingress, 'affinity-mode')?.status === 'translated') trace.push({ ingress, what: 'affinity-mode', text: 'balanced (the default)' });
  }
  recordProtocol(ctx, loc.upstream, ingress, c);
  if (c.backendProtocol !== 'HTTP') trace.push({ ingress, what: 'backend-protocol', text: `${c.backendProtocol} to ${loc.upstream.id}` });

  const main = backendRef(loc.upstream, undefined);
  const alt = ctx.model.alternatives.get(loc.upstream.key);
  const rule = (m: MatchJson[], refs: BackendRefJson[], t: Trace[]): RuleDraft =>
    ({ matches: m, filters, backendRefs: refs, ...extras, trace: [...pathTrace, ...trace, ...t], comment, location: index });
  if (!alt) return [...extraRules.map((r) => ({ ...r, filters: [...r.filters, ...filters.filter((f) => f.type !== 'URLRewrite')], backendRefs: [main], ...extras })), rule(ruleMatches, [main], [])];

  recordProtocol(ctx, alt.upstream, ingress, c);
  const canary = backendRef(alt.upstream, undefined);
  const canaryRules = canaryRulesFor(alt.policy, alt.ingress, ruleMatches, main, canary);
  // the exact rule of a rewrite keeps the canary split too
  const exact = extraRules.flatMap((r) => canaryRulesFor(alt.policy, alt.ingress, r.matches, main, canary)
    .map((cr) => ({ ...r, matches: cr.matches, backendRefs: cr.backendRefs, filters: [...r.filters, ...filters.filter((f) => f.type !== 'URLRewrite')], ...extras })));
  return [...exact, ...canaryRules.map((cr) => rule(cr.matches, cr.backendRefs, cr.trace))];
}

/** Header rules, then cookie rules, then the weighted split: the order ingress-nginx's Lua checks them. */
function canaryRulesFor(p: CanaryConfig, ingress: string, matches: MatchJson[], main: BackendRefJson, canary: BackendRefJson): Array<Pick<RuleDraft, 'matches' | 'backendRefs' | 'trace'>> {
  const out: Array<Pick<RuleDraft, 'matches' | 'backendRefs' | 'trace'>> = [];
  const withHeader = (name: string, type: 'Exact' | 'RegularExpression', value: string): MatchJson[] =>
    matches.map((m) => ({ ...m, headers: [...(m.headers ?? []), { type, name, value }] }));
  if (p.header) {
    if (p.headerValue) {
      out.push({ matches: withHeader(p.header, 'Exact', p.headerValue), backendRefs: [canary], trace: [{ ingress, what: 'canary-by-header-value', text: `${p.header}: ${p.headerValue} goes to the canary` }] });
      out[out.length - 1].trace.push({ ingress, what: 'canary-by-header', text: `header ${p.header}` });
    } else if (p.headerPattern) {
      const re = searchRegex(p.headerPattern);
      if (!('error' in re)) {
        out.push({ matches: withHeader(p.header, 'RegularExpression', re.source), backendRefs: [canary], trace: [{ ingress, what: 'canary-by-header-pattern', text: `${p.header} matching ${p.headerPattern} goes to the canary` }, { ingress, what: 'canary-by-header', text: `header ${p.header}` }] });
      }
    } else {
      out.push({ matches: withHeader(p.header, 'Exact', 'always'), backendRefs: [canary], trace: [{ ingress, what: 'canary-by-header', text: `${p.header}: always goes to the canary` }] });
      out.push({ matches: withHeader(p.header, 'Exact', 'never'), backendRefs: [main], trace: [{ ingress, what: 'canary-by-header', text: `${p.header}: never stays on the main backend` }] });
    }
  }
  if (p.cookie) {
    const cookie = (v: string) => `(?:.*;)?\\s*${escapeRegex(p.cookie!)}=${v}\\s*(?:;.*)?`;
    out.push({ matches: withHeader('Cookie', 'RegularExpression', cookie('always')), backendRefs: [canary], trace: [{ ingress, what: 'canary-by-cookie', text: `cookie ${p.cookie}=always goes to the canary` }] });
    out.push({ matches: withHeader('Cookie', 'RegularExpression', cookie('never')), backendRefs: [main], trace: [{ ingress, what: 'canary-by-cookie', text: `cookie ${p.cookie}=never stays on the main backend` }] });
  }
  const w = Math.min(p.weight, p.weightTotal);
  const split = [{ ...main, weight: p.weightTotal - w }, { ...canary, weight: w }];
  const t: Trace[] = [{ ingress, what: 'canary', text: `canary ${canary.namespace ? `${canary.namespace}/` : ''}${canary.name}:${canary.port}` }];
  t.push({ ingress, what: 'canary-weight', text: `weights ${p.weightTotal - w}/${w}` });
  t.push({ ingress, what: 'canary-weight-total', text: `total ${p.weightTotal}` });
  out.push({ matches, backendRefs: split, trace: t });
  return out;
}

/** `rewrite "(?i)<path>" <target> break;` as a URLRewrite, when the Gateway API can say it. */
function rewriteFor(ctx: Context, server: Server, loc: Location, index: number): {
  path?: Record<string, string>; text?: string; matches?: MatchJson[]; redirect?: FilterJson; exactRule?: Omit<RuleDraft, 'trace' | 'location'>;
} {
  const ingress = loc.config.ingress;
  const target = loc.config.rewriteTarget!;
  if (!target.includes('$')) {
    if (/^https?:\/\//i.test(target)) {
      const r = redirectFromUrl(target, 302);
      if ('error' in r) {
        ctx.mark(ingress, 'rewrite-target', 'untranslatable', r.error);
        return {};
      }
      return { redirect: r.filter };
    }
    if (target.includes('?')) {
      ctx.mark(ingress, 'rewrite-target', 'untranslatable', `"${target}" sets query arguments: a URLRewrite changes the path only`);
      return {};
    }
    if (!target.startsWith('/')) {
      ctx.mark(ingress, 'rewrite-target', 'untranslatable', `"${target}" does not start with "/"`);
      return {};
    }
    return { path: { type: 'ReplaceFullPath', replaceFullPath: target }, text: `URLRewrite ReplaceFullPath ${target}` };
  }
  // captures: the strip-a-prefix forms say the same as ReplacePrefixMatch on a PathPrefix
  const a = /^(.*)\(\/\|\$\)\(\.\*\)$/.exec(loc.path);
  const b = /^(.*)\/\(\.\*\)$/.exec(loc.path);
  const c = /^(.*)\/\?\(\.\*\)$/.exec(loc.path);
  const form = a ? { lit: a[1], ref: /^(.*)\$\{?2\}?$/.exec(target), exact: true, kind: 'a' }
    : c ? { lit: c[1], ref: /^(.*)\$\{?1\}?$/.exec(target), exact: true, kind: 'c' }
      : b ? { lit: b[1], ref: /^(.*)\$\{?1\}?$/.exec(target), exact: false, kind: 'b' } : undefined;
  const t = form?.ref?.[1];
  if (!form || t === undefined || !isLiteral(form.lit) || !form.lit || !validGatewayPath(form.lit) || form.lit.endsWith('/') || !t.endsWith('/') || t.includes('$') || t.includes('?') || !t.startsWith('/')) {
    ctx.mark(ingress, 'rewrite-target', 'untranslatable', `the rewrite of "${loc.path}" to "${target}" uses capture groups a URLRewrite cannot express ` +
      '(only "<prefix>(/|$)(.*)" to "<path>/$2", "<prefix>/?(.*)" and "<prefix>/(.*)" to "<path>/$1" strip a prefix): requests reach the backend unrewritten');
    return {};
  }
  const lit = form.lit;
  const reasons: string[] = [];
  if (/[A-Za-z]/.test(lit)) reasons.push(`nginx matched ${lit} in any letter case (~*); the PathPrefix is case-sensitive`);
  if (form.kind === 'b') reasons.push(`the bare path ${lit} (no trailing slash) now reaches this rule too; nginx's location needed "${lit}/"`);
  if (form.kind === 'c') reasons.push(`nginx's "${loc.path}" also took paths that continue the last segment (${lit}x rewrote to /x); the PathPrefix takes whole segments only`);
  const lower = lit.toLowerCase();
  const overlapping = server.locations.slice(0, index).filter((m) => {
    const prefix = (/^[^\\^$.|?*+()[\]{}]*/.exec(m.path)?.[0] ?? '').toLowerCase();
    return prefix.startsWith(lower) || lower.startsWith(prefix);
  });
  if (overlapping.length) {
    reasons.push(`a PathPrefix goes before every regex match, while nginx tried ${overlapping.map((m) => `"^${m.path}"`).join(', ')} first`);
  }
  if (reasons.length) ctx.mark(ingress, 'rewrite-target', 'approximated', reasons.join('; '));
  const replace = t === '/' ? '/' : t.replace(/\/$/, '');
  const matches: MatchJson[] = [{ path: { type: 'PathPrefix', value: lit } }];
  const exactRule = t !== '/' && form.exact
    ? {
      matches: [{ path: { type: 'Exact' as const, value: lit } }],
      filters: [{ type: 'URLRewrite', urlRewrite: { path: { type: 'ReplaceFullPath', replaceFullPath: t }, ...(loc.config.upstreamVhost ? { hostname: loc.config.upstreamVhost } : {}) } }],
      backendRefs: [],
      comment: `${lit} itself rewrites to ${t}`,
    }
    : undefined;
  return { path: { type: 'ReplacePrefixMatch', replacePrefixMatch: replace }, text: `PathPrefix ${lit} with URLRewrite ReplacePrefixMatch ${replace}`, matches, exactRule };
}

/** A RequestRedirect for an absolute URL (permanent-redirect, temporal-redirect, rewrite to a URL). */
export function redirectFromUrl(url: string, code: number): { filter: FilterJson; approximation?: string } | { error: string } {
  if (!REDIRECT_CODES.has(code)) return { error: `status ${code}: a RequestRedirect answers 301, 302, 303, 307 or 308` };
  const m = /^(https?):\/\/([^/:?#$]+)(?::(\d+))?(.*)$/i.exec(url);
  if (!m) return { error: `"${url}" is not an absolute http(s) URL` };
  const [, scheme, hostname, port, rest] = m;
  if (!DNS_SUBDOMAIN.test(hostname.toLowerCase())) return { error: `the host of "${url}" is not a DNS name a RequestRedirect accepts` };
  const redirect: Record<string, unknown> = { scheme: scheme.toLowerCase(), hostname, statusCode: code };
  if (port) redirect.port = Number(port);
  if (rest === '$request_uri') return { filter: { type: 'RequestRedirect', requestRedirect: redirect } };
  if (rest.includes('$')) return { error: `"${url}" uses nginx variables other than a trailing $request_uri` };
  if (/[?#]/.test(rest)) return { error: `"${url}" has a query or fragment: a RequestRedirect sets scheme, host, port and path only` };
  redirect.path = { type: 'ReplaceFullPath', replaceFullPath: rest || '/' };
  return {
    filter: { type: 'RequestRedirect', requestRedirect: redirect },
    approximation: 'the Gateway\'s Location keeps the request\'s query string; nginx\'s is the URL as written',
  };
}

/** A Service named by an in-cluster URL (auth-url, mirror-target). */
export function serviceFromUrl(ctx: Context, url: string, namespace: string):
  { namespace: string; name: string; port: number; path: string; https: boolean } | { error: string } {
  const m = /^(https?):\/\/([^/:?#$]+)(?::(\d+))?(.*)$/i.exec(url);
  if (!m) return { error: `"${url}" is not an absolute http(s) URL` };
  const [, scheme, host, port, path] = m;
  const https = scheme.toLowerCase() === 'https';
  const labels = host.toLowerCase().replace(/\.$/, '').split('.');
  let svc: { namespace: string; name: string } | undefined;
  if (labels.length === 1) svc = { namespace, name: labels[0] };
  else if (labels.length >= 3 && labels[2] === 'svc' && (labels.length === 3 || labels.slice(3).join('.') === 'cluster.local')) svc = { namespace: labels[1], name: labels[0] };
  else if (labels.length === 2 && ctx.service(labels[1], labels[0])) svc = { namespace: labels[1], name: labels[0] };
  if (!svc) return { error: `${host} is not a Service of the cluster (<service>.<namespace>.svc): Gateway API filters send to Services only` };
  return { ...svc, port: port ? Number(port) : https ? 443 : 80, path: path || '/', https };
}

function backendRef(u: Upstream | { namespace: string; name: string; port: number }, routeNamespace: string | undefined): BackendRefJson {
  const name = 'service' in u ? u.service : u.name;
  return { name, ...(routeNamespace === undefined || u.namespace !== routeNamespace ? { namespace: u.namespace } : {}), port: u.port };
}

const CORS_METHODS = new Set([...HTTP_METHODS, '*']);

function corsFilter(ctx: Context, ingress: string, c: CorsConfig): FilterJson | undefined {
  const badOrigins = c.allowOrigins.filter((o) => !CORS_ORIGIN.test(o));
  const badMethods = c.allowMethods.filter((m) => !CORS_METHODS.has(m));
  const badHeaders = [...c.allowHeaders, ...c.exposeHeaders].filter((h) => !HEADER_NAME.test(h));
  if (badOrigins.length) ctx.mark(ingress, 'cors-allow-origin', 'untranslatable', `origins ${badOrigins.join(', ')} are not "*" or http(s)://host[:port]: left out`);
  if (badMethods.length) ctx.mark(ingress, 'cors-allow-methods', 'untranslatable', `methods ${badMethods.join(', ')} are not HTTP methods: left out`);
  if (badHeaders.length) ctx.mark(ingress, 'cors-allow-headers', 'untranslatable', `header names ${badHeaders.join(', ')} are not valid: left out`);
  const origins = c.allowOrigins.filter((o) => CORS_ORIGIN.test(o));
  if (origins.length === 0) {
    ctx.mark(ingress, 'enable-cors', 'untranslatable', 'no valid origin remains');
    return undefined;
  }
  const methods = c.allowMethods.filter((m) => CORS_METHODS.has(m));
  // "*" already covers every other name (the CRD refuses "*" next to names)
  const names = (list: string[]) => {
    const ok = [...new Set(list.filter((h) => HEADER_NAME.test(h)))];
    return ok.includes('*') ? ['*'] : ok;
  };
  return {
    type: 'CORS',
    cors: {
      allowOrigins: origins.includes('*') ? ['*'] : origins,
      ...(methods.length ? { allowMethods: methods.includes('*') ? ['*'] : [...new Set(methods)] } : {}),
      ...(names(c.allowHeaders).length ? { allowHeaders: names(c.allowHeaders) } : {}),
      ...(names(c.exposeHeaders).length ? { exposeHeaders: names(c.exposeHeaders) } : {}),
      allowCredentials: c.allowCredentials,
      maxAge: Math.max(1, c.maxAge),
    },
  };
}

function externalAuthFilter(ctx: Context, ingress: string, a: { url: string; responseHeaders: string[] }, namespace: string): FilterJson | undefined {
  const s = serviceFromUrl(ctx, a.url, namespace);
  if ('error' in s) {
    ctx.mark(ingress, 'auth-url', 'untranslatable', s.error);
    return undefined;
  }
  ctx.mark(ingress, 'auth-url', 'approximated', 'nginx passes 401 and 403 from the auth service and answers 500 for other failures; the ExternalAuth filter returns the auth ' +
    'service\'s answer for anything but 200, and forwards a smaller default set of request headers to it' + (s.https ? '; the auth URL is https: add a BackendTLSPolicy for its Service' : ''));
  const bad = a.responseHeaders.filter((h) => !HEADER_NAME.test(h));
  if (bad.length) ctx.mark(ingress, 'auth-response-headers', 'untranslatable', `header names ${bad.join(', ')} are not valid: left out`);
  return {
    type: 'ExternalAuth',
    externalAuth: {
      protocol: 'HTTP',
      backendRef: backendRef(s, namespace),
      http: {
        ...(s.path && s.path !== '/' ? { path: s.path } : {}),
        ...(a.responseHeaders.length ? { allowedResponseHeaders: a.responseHeaders.filter((h) => HEADER_NAME.test(h)) } : {}),
      },
    },
  };
}

const RETRY_CODES: Record<string, number> = {
  http_500: 500, http_502: 502, http_503: 503, http_504: 504, http_403: 403, http_404: 404, http_429: 429,
};

function retryFor(ctx: Context, ingress: string, r: { tries?: number; conditions?: string[] }): RuleDraft['retry'] | undefined {
  const conditions = r.conditions ?? ['error', 'timeout'];
  if (conditions.includes('off')) {
    if (ctx.finding(ingress, 'proxy-next-upstream-tries')) ctx.mark(ingress, 'proxy-next-upstream-tries', 'translated');
    return { attempts: 0 };
  }
  const tries = r.tries ?? 3;
  if (tries === 0) {
    ctx.mark(ingress, 'proxy-next-upstream-tries', 'untranslatable', '0 means "no limit" in nginx; a retry needs a number of attempts');
    return undefined;
  }
  const codes = conditions.map((x) => RETRY_CODES[x]).filter((x): x is number => x !== undefined);
  const unknown = conditions.filter((x) => !RETRY_CODES[x] && x !== 'error' && x !== 'timeout');
  const why = ['retry is experimental-channel', 'connection errors and timeouts are retried as the implementation decides (nginx: "error timeout" by default)'];
  if (unknown.length) why.push(`${unknown.join(', ')} ${NO_RETRY}`);
  for (const k of ['proxy-next-upstream', 'proxy-next-upstream-tries']) if (ctx.finding(ingress, k)) ctx.mark(ingress, k, unknown.length ? 'untranslatable' : 'approximated', why.join('; '));
  return { attempts: Math.max(0, tries - 1), ...(codes.length ? { codes: [...new Set(codes)].sort((x, y) => x - y) } : {}) };
}
const NO_RETRY = 'have no equivalent retry condition';

/** Records how a Service port is spoken to; the first Ingress wins, conflicts are reported. */
function recordProtocol(ctx: Context, u: Upstream, ingress: string, c: Location['config']): void {
  const prev = ctx.protocols.get(u.id);
  if (!prev) {
    ctx.protocols.set(u.id, { upstream: u, protocol: c.backendProtocol, ingress, proxySsl: c.proxySsl });
    return;
  }
  if (prev.protocol !== c.backendProtocol) {
    ctx.mark(ingress, 'backend-protocol', 'untranslatable', `${u.id} is spoken to as ${prev.protocol} by ${prev.ingress}; the Gateway API sets the protocol per Service port, so one of them wins`);
  }
}

/** Seconds as a Gateway API duration, the way the constructs write it (`2m10s`). */
export function duration(seconds: number): string {
  if (seconds === 0) return '0s';
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  return `${h ? `${h}h` : ''}${m ? `${m}m` : ''}${s ? `${s}s` : ''}`;
}

/**
 * On a regex host, the Gateway orders regex matches by length (then header count, then rule order); nginx
 * by its sorted list. Where a later nginx location would be tried first here, it gets a lookahead that
 * refuses what the earlier location takes.
 */
function addExclusions(server: Server, rules: RuleDraft[]): void {
  const excluded = new Map<number, Set<number>>();
  for (let changed = true; changed;) {
    changed = false;
    const entries = rules.flatMap((r, ri) => r.matches.map((m, mi) => ({ r, ri, mi, m }))).filter((e) => e.m.path.type === 'RegularExpression' && e.r.location >= 0);
    const before = (a: typeof entries[number], b: typeof entries[number]) =>
      b.m.path.value.length - a.m.path.value.length || (b.m.headers?.length ?? 0) - (a.m.headers?.length ?? 0) || a.ri - b.ri || a.mi - b.mi;
    for (const a of entries) {
      for (const b of entries) {
        if (a.r.location >= b.r.location || before(b, a) >= 0) continue;
        // b (later in nginx) goes first here: b must refuse what a's location takes
        const set = excluded.get(b.r.location) ?? new Set<number>();
        if (set.has(a.r.location)) continue;
        set.add(a.r.location);
        excluded.set(b.r.location, set);
        const ex = excludeLocation(server.locations[a.r.location].path, true);
        if ('error' in ex) continue;
        for (const r of rules) {
          if (r.location !== b.r.location) continue;
          r.matches = r.matches.map((m) => (m.path.type === 'RegularExpression' ? { ...m, path: { type: 'RegularExpression', value: `${ex.source}${m.path.value}` } } : m));
        }
        changed = true;
      }
    }
  }
}

const outcome = (r: RuleDraft) => [r.filters, r.backendRefs, r.timeouts, r.retry, r.sessionPersistence];

/** Neighbouring rules with the same filters, backends and settings become one rule with all their matches. */
function mergeAdjacent(rules: RuleDraft[]): RuleDraft[] {
  const out: RuleDraft[] = [];
  for (const r of rules) {
    const p = out[out.length - 1];
    // a ReplacePrefixMatch needs its rule's one PathPrefix match
    const prefixRewrite = (x: RuleDraft) => x.filters.some((f) => f.type === 'URLRewrite' && (f.urlRewrite as { path?: { type: string } }).path?.type === 'ReplacePrefixMatch');
    if (p && !prefixRewrite(p) && p.matches.length + r.matches.length <= MAX_ITEMS.matches &&
      sameJson(outcome(p), outcome(r))) {
      p.matches = [...p.matches, ...r.matches];
      p.trace = [...p.trace, ...r.trace];
      p.comment = `${p.comment}; ${r.comment}`;
      continue;
    }
    out.push({ ...r });
  }
  return out;
}
