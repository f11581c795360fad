/**
 * The ways a team tries to serve a hostname outside its grant, as fixtures every layer's tests share: synth
 * (test/constructs/grant-escapes.test.ts), `explain` and `serve` on the wire (test/cli/grant-escapes.test.ts),
 * and cluster mode, where the team applies `manifestsOf(app).team` with the grant's RBAC to an API server.
 *
 * The base app: Gateway `gateway-system/edge` (web :80 HTTP, websecure :443 HTTPS *.example.com), team `shop`
 * granted shop.example.com and *.shop.example.com (route `storefront` → Service storefront), team `payments`
 * granted pay.example.com for HTTPRoutes only (route `invoices`, /invoices → Service invoices). Each escape
 * is team shop's code (or payments' for the kind escape) trying to get `steal` (the Service `steal`) a
 * foreign hostname: none of them may be served, all of them must fail synth.
 *
 * For cluster mode: `manifestsOf(buildEscape(e, dir))` splits the YAML into what the platform applies (Gateway,
 * Namespaces, each team's Role and RoleBinding for groups shop-developers / payments-developers) and what team
 * code wrote; apply the second as the team's group, and expect what `refusedByRbac` names to be refused.
 */
import * as fs from 'node:fs';
import * as https from 'node:https';
import * as path from 'node:path';
import { ApiObject, App, Chart, Include, JsonPatch } from 'cdk8s';
import { selfSignedCert, TestCert } from './certs';
import { RunningEcho, startEchoServers } from './echo';
import { request, SimpleResponse } from './http';
import type { Spawned } from './processes';
import {
  AllowedListeners, AllowedRoutes, Backend, Gateway, GatewayClass, HttpMatch, HttpRoute, IRouteParent, Listener, ListenerSet,
  RouteKind, Team, TlsCertificate,
} from '../../src';

/** The app every escape starts from, with the handles each side holds. */
export interface GrantEscapeBase {
  readonly app: App;
  /** The platform's chart (namespace gateway-system) and Gateway: only platform code touches them. */
  readonly platform: Chart;
  readonly gateway: Gateway;
  /** What the teams were handed. */
  readonly shop: Team;
  readonly payments: Team;
  /** The teams' charts (namespaces shop and payments). */
  readonly shopChart: Chart;
  readonly paymentsChart: Chart;
  /** A scratch directory (for files an escape includes). */
  readonly dir: string;
}

/** A request that must not reach the escape's backend. */
export interface ForeignRequest {
  readonly scheme: 'http' | 'https';
  /** Host header and SNI. */
  readonly host: string;
  readonly path: string;
  /** The listener port (default 80 for http, 443 for https). */
  readonly port?: number;
}

export interface GrantEscape {
  /** How the team tries it: the regression test's name. */
  readonly name: string;
  /** Platform code the scenario needs before the team's (rare). */
  readonly platform?: (b: GrantEscapeBase) => void;
  /** The team's code. */
  readonly attempt: (b: GrantEscapeBase) => void;
  /** What synth must say: the route, the hostname, and the grant (and listener) that would have to change. */
  readonly synthError: RegExp;
  /** Requests that must not be served by the escape (default: pay.example.com/checkout over http and https). */
  readonly foreign?: ForeignRequest[];
  /**
   * Objects of the team that the API server refuses to the team's credentials (the grant's Role covers its own
   * namespace only): `serve`, which has no RBAC, is given the manifests without them.
   */
  readonly refusedByRbac?: (o: any) => boolean;
}

/** The Service every escape sends to: if any request reaches it, the escape worked. */
export const STEAL = Backend.fromServiceName('steal', { port: 8080 });
const stealRules = [{ matches: [HttpMatch.pathPrefix('/checkout')], backends: [STEAL] }];
const stealRulesJson = [{ matches: [{ path: { type: 'PathPrefix', value: '/checkout' } }], backendRefs: [{ name: 'steal', port: 8080 }] }];

/** The foreign requests most escapes aim at. */
export const PAY_CHECKOUT: ForeignRequest[] = [
  { scheme: 'https', host: 'pay.example.com', path: '/checkout' },
  { scheme: 'http', host: 'pay.example.com', path: '/checkout' },
];

/** The names the test certificate must cover. */
export const CERT_NAMES = ['*.example.com', 'example.com', '*.shop.example.com'];

/** The base app; with `cert`, the Gateway's certificate Secret is in it too (for `serve`). */
export function grantEscapeBase(dir: string, cert?: TestCert): GrantEscapeBase {
  const app = new App();
  const platform = new Chart(app, 'platform', { namespace: 'gateway-system' });
  const gateway = new Gateway(platform, 'edge', {
    gatewayClass: GatewayClass.nodeDataPlane(platform),
    listeners: [
      Listener.http({ name: 'web', port: 80 }),
      Listener.https({ name: 'websecure', port: 443, hostname: '*.example.com', certificates: [TlsCertificate.fromSecretName('example-com-tls')] }),
    ],
    allowedListeners: AllowedListeners.sameNamespace(),
  });
  if (cert) {
    new ApiObject(platform, 'example-com-tls', {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'example-com-tls' },
      type: 'kubernetes.io/tls',
      data: { 'tls.crt': Buffer.from(cert.cert).toString('base64'), 'tls.key': Buffer.from(cert.key).toString('base64') },
    } as any);
  }
  // with RBAC, so that in cluster mode each team applies its part with its own group's rights
  const shop = gateway.grantTeam('shop', {
    namespace: 'shop', hostnames: ['shop.example.com', '*.shop.example.com'], createNamespace: true, rbac: { group: 'shop-developers' },
  });
  const payments = gateway.grantTeam('payments', {
    namespace: 'payments', hostnames: ['pay.example.com'], routeKinds: [RouteKind.HTTP_ROUTE], createNamespace: true, rbac: { group: 'payments-developers' },
  });
  const shopChart = new Chart(app, 'shop', { namespace: 'shop' });
  const paymentsChart = new Chart(app, 'payments', { namespace: 'payments' });
  shop.httpRoute(shopChart, 'storefront', { rules: [{ backends: [Backend.fromServiceName('storefront', { port: 8080 })] }] });
  payments.httpRoute(paymentsChart, 'invoices', { rules: [{ matches: [HttpMatch.pathPrefix('/invoices')], backends: [Backend.fromServiceName('invoices', { port: 8080 })] }] });
  return { app, platform, gateway, shop, payments, shopChart, paymentsChart, dir };
}

/** The base app with one escape attempted. */
export function buildEscape(escape: GrantEscape, dir: string, cert?: TestCert): GrantEscapeBase {
  const b = grantEscapeBase(dir, cert);
  escape.platform?.(b);
  escape.attempt(b);
  return b;
}

/**
 * The app's objects as they would be written, without synth's checks (which refuse them): what the platform
 * applies, and what team code wrote (the objects of the team charts, and of charts without a namespace).
 */
export function manifestsOf(b: GrantEscapeBase): { platform: any[]; team: any[] } {
  const objects = b.app.node.findAll().filter((c): c is ApiObject => c instanceof ApiObject);
  const platform: any[] = [];
  const team: any[] = [];
  for (const o of objects) (Chart.of(o) === b.platform ? platform : team).push(o.toJson());
  return { platform, team };
}

const GATEWAY_REF = { name: 'edge', namespace: 'gateway-system' };

/** Every escape of issue 13, and every other one found since. */
export const GRANT_ESCAPES: GrantEscape[] = [
  {
    name: 'a factory route, then a JSON patch adding a foreign hostname',
    attempt: ({ shop, shopChart }) => {
      shop.httpRoute(shopChart, 'steal', { rules: stealRules }).apiObject.addJsonPatch(JsonPatch.add('/spec/hostnames/-', 'pay.example.com'));
    },
    synthError: /HTTPRoute shop\/steal: spec\.hostnames\[2\]: "pay\.example\.com" is not served: .*Fix: hostname "pay\.example\.com" is outside team "shop"'s grant \(shop\.example\.com, \*\.shop\.example\.com\) and granted to team "payments".*have the platform add "pay\.example\.com" to its hostnames in grantTeam\("shop"\) on Gateway gateway-system\/edge \(platform\/edge\/shop\), for listeners web, websecure/,
  },
  {
    name: 'a factory route, then a JSON patch replacing its hostnames',
    attempt: ({ shop, shopChart }) => {
      shop.httpRoute(shopChart, 'steal', { rules: stealRules }).apiObject.addJsonPatch(JsonPatch.replace('/spec/hostnames', ['pay.example.com']));
    },
    synthError: /HTTPRoute shop\/steal: spec\.parentRefs\[Gateway gateway-system\/edge\/websecure-shop\.example\.com\]: Accepted=False NoMatchingListenerHostname: .*hostnames pay\.example\.com match no hostname of the listeners that admit namespace shop \(websecure-shop\.example\.com: shop\.example\.com\).*Fix: hostname "pay\.example\.com" is outside team "shop"'s grant .*granted to team "payments".*add "pay\.example\.com" to its hostnames in grantTeam\("shop"\).*for listener websecure/,
  },
  {
    name: 'a factory route moved by a JSON patch of metadata.namespace into the platform\'s namespace',
    attempt: ({ shop, shopChart }) => {
      const r = shop.httpRoute(shopChart, 'steal', { rules: stealRules });
      r.apiObject.addJsonPatch(JsonPatch.replace('/metadata/namespace', 'gateway-system'), JsonPatch.replace('/spec/hostnames', ['pay.example.com']),
        JsonPatch.replace('/spec/parentRefs', [{ name: 'edge', sectionName: 'websecure' }]));
    },
    synthError: /HTTPRoute gateway-system\/steal: metadata\.namespace: HTTPRoute gateway-system\/steal was made by team "shop" .* but is in namespace "gateway-system"\. Fix: team "shop"'s objects stay in namespace shop \(grantTeam\("shop"\) on Gateway gateway-system\/edge \(platform\/edge\/shop\)\)/,
  },
  {
    name: 'a factory route moved by a JSON patch of metadata.namespace into the other team\'s namespace',
    attempt: ({ shop, shopChart }) => {
      const r = shop.httpRoute(shopChart, 'steal', { rules: stealRules });
      r.apiObject.addJsonPatch(JsonPatch.replace('/metadata/namespace', 'payments'), JsonPatch.replace('/spec/hostnames', ['pay.example.com']),
        JsonPatch.replace('/spec/parentRefs', [{ ...GATEWAY_REF, sectionName: 'websecure-pay.example.com' }]));
    },
    synthError: /HTTPRoute payments\/steal: metadata\.namespace: HTTPRoute payments\/steal was made by team "shop" .* but is in namespace "payments"/,
    // in namespace payments, on payments' listener, it would be a payments route: only RBAC keeps team shop from creating it
    refusedByRbac: (o) => o.metadata?.namespace === 'payments' && o.metadata?.name === 'steal',
  },
  {
    name: 'new HttpRoute on the team\'s own listener with a foreign hostname',
    attempt: ({ shop, shopChart }) => {
      new HttpRoute(shopChart, 'steal', { parentRefs: [{ parent: shop.gateway, sectionName: 'websecure-shop.example.com' }], hostnames: ['pay.example.com'], rules: stealRules });
    },
    synthError: /HTTPRoute shop\/steal: spec\.parentRefs\[Gateway gateway-system\/edge\/websecure-shop\.example\.com\]: Accepted=False NoMatchingListenerHostname: .*Fix: hostname "pay\.example\.com" is outside team "shop"'s grant.*for listener websecure/,
  },
  {
    name: 'new HttpRoute on the whole Gateway (no sectionName) with a foreign hostname',
    attempt: ({ shop, shopChart }) => {
      new HttpRoute(shopChart, 'steal', { parentRefs: [{ parent: shop.gateway }], hostnames: ['pay.example.com'], rules: stealRules });
    },
    synthError: /HTTPRoute shop\/steal: spec\.parentRefs\[Gateway gateway-system\/edge\]: Accepted=False NoMatchingListenerHostname: .*; websecure-pay\.example\.com serves pay\.example\.com and admits namespace payments.*Fix: hostname "pay\.example\.com" is outside team "shop"'s grant.*grantTeam\("shop"\).*for listeners web, websecure/,
  },
  {
    name: 'new HttpRoute on the granted listener itself (sectionName websecure)',
    attempt: ({ shop, shopChart }) => {
      new HttpRoute(shopChart, 'steal', { parentRefs: [{ parent: shop.gateway, sectionName: 'websecure' }], hostnames: ['pay.example.com'], rules: stealRules });
    },
    synthError: /HTTPRoute shop\/steal: spec\.parentRefs\[Gateway gateway-system\/edge\/websecure\]: Accepted=False NotAllowedByListeners: .*websecure: admits namespace gateway-system.*Fix: listener "websecure" is granted to team "shop" for its hostnames only, as "websecure-shop\.example\.com" \(shop\.example\.com\), "websecure-wildcard\.shop\.example\.com" \(\*\.shop\.example\.com\)/,
  },
  {
    name: 'new HttpRoute on the other team\'s listener (sectionName websecure-pay.example.com)',
    attempt: ({ shop, shopChart }) => {
      new HttpRoute(shopChart, 'steal', { parentRefs: [{ parent: shop.gateway, sectionName: 'websecure-pay.example.com' }], hostnames: ['pay.example.com'], rules: stealRules });
    },
    synthError: /HTTPRoute shop\/steal: spec\.parentRefs\[Gateway gateway-system\/edge\/websecure-pay\.example\.com\]: Accepted=False NotAllowedByListeners: .*websecure-pay\.example\.com: admits namespace payments.*Fix: listener "websecure-pay\.example\.com" is team "payments"'s \(pay\.example\.com on "websecure"\); hostname "pay\.example\.com" is outside team "shop"'s grant/,
  },
  {
    name: 'a raw ApiObject HTTPRoute in the team namespace',
    attempt: ({ shopChart }) => {
      new ApiObject(shopChart, 'raw', {
        apiVersion: 'gateway.networking.k8s.io/v1',
        kind: 'HTTPRoute',
        metadata: { name: 'steal' },
        spec: { parentRefs: [GATEWAY_REF], hostnames: ['pay.example.com'], rules: stealRulesJson },
      } as any);
    },
    synthError: /HTTPRoute shop\/steal: spec\.parentRefs\[Gateway gateway-system\/edge\]: Accepted=False NoMatchingListenerHostname: .*Fix: hostname "pay\.example\.com" is outside team "shop"'s grant/,
  },
  {
    name: 'an Include of YAML with the route',
    attempt: ({ shopChart, dir }) => {
      const file = path.join(dir, 'steal.yaml');
      fs.writeFileSync(file, [
        'apiVersion: gateway.networking.k8s.io/v1',
        'kind: HTTPRoute',
        'metadata: { name: steal, namespace: shop }',
        'spec:',
        '  parentRefs: [{ name: edge, namespace: gateway-system, sectionName: websecure-shop.example.com }]',
        '  hostnames: [pay.example.com]',
        '  rules: [{ matches: [{ path: { type: PathPrefix, value: /checkout } }], backendRefs: [{ name: steal, port: 8080 }] }]',
        '',
      ].join('\n'));
      new Include(shopChart, 'included', { url: file });
    },
    synthError: /HTTPRoute shop\/steal: spec\.parentRefs\[Gateway gateway-system\/edge\/websecure-shop\.example\.com\]: Accepted=False NoMatchingListenerHostname: .*Fix: hostname "pay\.example\.com" is outside team "shop"'s grant/,
  },
  {
    name: 'a factory route whose apiObject is patched onto the other team\'s listener',
    attempt: ({ shop, shopChart }) => {
      shop.httpRoute(shopChart, 'steal', { rules: stealRules }).apiObject.addJsonPatch(
        JsonPatch.replace('/spec/parentRefs', [{ ...GATEWAY_REF, sectionName: 'websecure-pay.example.com' }]),
        JsonPatch.replace('/spec/hostnames', ['pay.example.com']));
    },
    synthError: /HTTPRoute shop\/steal: spec\.parentRefs\[Gateway gateway-system\/edge\/websecure-pay\.example\.com\]: Accepted=False NotAllowedByListeners: .*Fix: listener "websecure-pay\.example\.com" is team "payments"'s/,
  },
  {
    name: 'a parentRef added later to a factory route, by JSON patch',
    attempt: ({ shop, shopChart }) => {
      shop.httpRoute(shopChart, 'steal', { rules: stealRules }).apiObject.addJsonPatch(
        JsonPatch.add('/spec/parentRefs/-', { ...GATEWAY_REF, sectionName: 'websecure-pay.example.com' }),
        JsonPatch.add('/spec/hostnames/-', 'pay.example.com'));
    },
    synthError: /HTTPRoute shop\/steal: spec\.parentRefs\[Gateway gateway-system\/edge\/websecure-pay\.example\.com\]: Accepted=False NotAllowedByListeners: .*Fix: listener "websecure-pay\.example\.com" is team "payments"'s/,
  },
  {
    name: 'a cross-namespace parentRef to a ListenerSet of the platform',
    platform: ({ platform, gateway }) => {
      new ListenerSet(platform, 'extra', { gateway, listeners: [Listener.http({ name: 'extra', port: 8080 })] });
    },
    attempt: ({ shopChart }) => {
      const extra: IRouteParent = { apiGroup: 'gateway.networking.k8s.io', kind: 'ListenerSet', name: 'extra', namespace: 'gateway-system' };
      new HttpRoute(shopChart, 'steal', { parentRefs: [{ parent: extra }], hostnames: ['pay.example.com'], rules: stealRules });
    },
    synthError: /HTTPRoute shop\/steal: spec\.parentRefs\[ListenerSet gateway-system\/extra\]: Accepted=False NotAllowedByListeners: .*extra: admits namespace gateway-system.*Fix: hostname "pay\.example\.com" is outside team "shop"'s grant/,
    foreign: [...PAY_CHECKOUT, { scheme: 'http', host: 'pay.example.com', path: '/checkout', port: 8080 }],
  },
  {
    name: 'a ListenerSet the team creates in its own namespace',
    attempt: ({ shop, shopChart }) => {
      const mine = new ListenerSet(shopChart, 'mine', {
        gateway: shop.gateway,
        listeners: [Listener.http({ name: 'pay', port: 80, hostname: 'pay.example.com', allowedRoutes: AllowedRoutes.sameNamespace() })],
      });
      new HttpRoute(shopChart, 'steal', { parentRefs: [{ parent: mine }], hostnames: ['pay.example.com'], rules: stealRules });
    },
    synthError: /ListenerSet shop\/mine: spec\.parentRef: ListenerSet shop\/mine adds listeners to Gateway gateway-system\/edge from namespace shop, which belongs to team "shop"\. Fix: a team's listeners come from its grant \(grantTeam\("shop"\)/,
  },
  {
    name: 'a Gateway the team creates in its own namespace with this project\'s class',
    attempt: ({ shopChart }) => {
      const mine = new Gateway(shopChart, 'mine', {
        gatewayClass: GatewayClass.nodeDataPlane(shopChart),
        listeners: [Listener.http({ name: 'web', port: 80, hostname: 'pay.example.com' })],
      });
      new HttpRoute(shopChart, 'steal', { parentRefs: [{ parent: mine }], hostnames: ['pay.example.com'], rules: stealRules });
    },
    synthError: /Gateway shop\/mine: metadata\.namespace: Gateway shop\/mine is declared in namespace shop, which belongs to team "shop"\. Fix: teams attach routes to the platform's Gateways through their grants/,
  },
  {
    name: 'a wildcard grant (*.shop.example.com) trying pay.example.com on its wildcard listener',
    attempt: ({ shop, shopChart }) => {
      new HttpRoute(shopChart, 'steal', { parentRefs: [{ parent: shop.gateway, sectionName: 'websecure-wildcard.shop.example.com' }], hostnames: ['pay.example.com'], rules: stealRules });
    },
    synthError: /HTTPRoute shop\/steal: spec\.parentRefs\[Gateway gateway-system\/edge\/websecure-wildcard\.shop\.example\.com\]: Accepted=False NoMatchingListenerHostname: .*Fix: hostname "pay\.example\.com" is outside team "shop"'s grant/,
  },
  {
    name: 'a wildcard grant (*.shop.example.com) trying the bare domain example.com',
    attempt: ({ shop, shopChart }) => {
      new HttpRoute(shopChart, 'steal', { parentRefs: [{ parent: shop.gateway }], hostnames: ['example.com'], rules: stealRules });
    },
    synthError: /HTTPRoute shop\/steal: spec\.parentRefs\[Gateway gateway-system\/edge\]: Accepted=False NoMatchingListenerHostname: .*Fix: hostname "example\.com" is outside team "shop"'s grant \(shop\.example\.com, \*\.shop\.example\.com\)/,
    foreign: [{ scheme: 'http', host: 'example.com', path: '/checkout' }, { scheme: 'https', host: 'example.com', path: '/checkout' }],
  },
  {
    name: 'a route kind the team was not granted (GRPCRoute from payments, granted HTTPRoute only)',
    attempt: ({ paymentsChart }) => {
      new ApiObject(paymentsChart, 'grpc', {
        apiVersion: 'gateway.networking.k8s.io/v1',
        kind: 'GRPCRoute',
        metadata: { name: 'steal' },
        spec: { parentRefs: [{ ...GATEWAY_REF, sectionName: 'websecure-pay.example.com' }], hostnames: ['pay.example.com'], rules: [{ backendRefs: [{ name: 'steal', port: 8080 }] }] },
      } as any);
    },
    synthError: /GRPCRoute payments\/steal: spec\.parentRefs\[Gateway gateway-system\/edge\/websecure-pay\.example\.com\]: Accepted=False NotAllowedByListeners: .*Fix: team "payments" may not create GRPCRoute \(granted: HTTPRoute\).*add GRPCRoute to its routeKinds in grantTeam\("payments"\)/,
    foreign: [{ scheme: 'https', host: 'pay.example.com', path: '/pkg.Svc/Method' }],
  },
  {
    name: 'a route from a namespace that is not in the manifests, on the other team\'s listener',
    attempt: ({ app }) => {
      new HttpRoute(new Chart(app, 'elsewhere'), 'steal', {
        metadata: { namespace: 'unlisted' },
        parentRefs: [{ parent: Gateway.fromGatewayName('edge', 'gateway-system'), sectionName: 'websecure-pay.example.com' }],
        hostnames: ['pay.example.com'],
        rules: stealRules,
      });
    },
    synthError: /HTTPRoute unlisted\/steal: spec\.parentRefs\[Gateway gateway-system\/edge\/websecure-pay\.example\.com\]: Accepted=False NotAllowedByListeners: .*Fix: namespace unlisted is granted to no team on Gateway gateway-system\/edge \(teams: shop in shop, payments in payments\)/,
  },
  {
    name: 'a namespace labelled as the other team\'s',
    attempt: ({ app }) => {
      const chart = new Chart(app, 'evil', { namespace: 'evil' });
      new ApiObject(chart, 'ns', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'evil', namespace: undefined, labels: { 'cdk8s-gateway.io/team': 'payments' } } })
        .addJsonPatch(JsonPatch.remove('/metadata/namespace'));
      new HttpRoute(chart, 'steal', {
        parentRefs: [{ parent: Gateway.fromGatewayName('edge', 'gateway-system'), sectionName: 'websecure-pay.example.com' }],
        hostnames: ['pay.example.com'],
        rules: stealRules,
      });
    },
    synthError: /HTTPRoute evil\/steal: spec\.parentRefs\[Gateway gateway-system\/edge\/websecure-pay\.example\.com\]: Accepted=False NotAllowedByListeners: .*Fix: namespace evil is granted to no team/,
  },
];

/** A request to the gateway's listener for `r`'s port, with Host (and SNI for https, trusting `ca`) set to its host. */
export function sendToGateway(gw: Spawned, r: ForeignRequest, ca: string): Promise<SimpleResponse> {
  const port = r.port ?? (r.scheme === 'https' ? 443 : 80);
  if (r.scheme === 'http') return request(gw.url(port, r.path), { host: r.host });
  return new Promise((resolve, reject) => {
    const req = https.request({
      host: '127.0.0.1', port: gw.ports.get(port), path: r.path, servername: r.host, ca, headers: { host: r.host }, agent: false,
    }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => { body += d; });
      res.on('end', () => {
        let json: any;
        try { json = JSON.parse(body); } catch { json = undefined; }
        resolve({ status: res.statusCode!, headers: res.headers, body, json });
      });
    });
    req.on('error', reject);
    req.end();
  });
}

/** On the wire: the gateway answers each foreign request itself (404, or 421 for a name its certificates do not cover). */
export async function expectForeignNotServed(gw: Spawned, foreign: ForeignRequest[], ca: string): Promise<void> {
  for (const r of foreign) {
    const res = await sendToGateway(gw, r, ca);
    expect({ request: r, pod: res.json?.pod }).toEqual({ request: r, pod: undefined });
    expect({ request: r, status: res.status }).toEqual({ request: r, status: r.scheme === 'https' && r.host === 'example.com' ? 421 : 404 });
  }
}

/** On the wire: both teams' own routes of the base app still work (backends named storefront-0 and invoices-0). */
export async function expectTeamsServed(gw: Spawned, ca: string): Promise<void> {
  expect((await sendToGateway(gw, { scheme: 'https', host: 'shop.example.com', path: '/' }, ca)).json?.pod).toBe('storefront-0');
  expect((await sendToGateway(gw, { scheme: 'http', host: 'cart.shop.example.com', path: '/cart' }, ca)).json?.pod).toBe('storefront-0');
  expect((await sendToGateway(gw, { scheme: 'https', host: 'pay.example.com', path: '/invoices/7' }, ca)).json?.pod).toBe('invoices-0');
}

/** The certificate and the echo backends (steal, storefront, invoices) every wire test of the escapes uses. */
export interface EscapeBackends {
  cert: TestCert;
  echoes: Record<'steal' | 'storefront' | 'invoices', RunningEcho>;
}

/** Starts the escapes' certificate and echo backends before a test file's tests and closes them after. */
export function useEscapeBackends(): EscapeBackends {
  const b = {} as EscapeBackends;
  beforeAll(async () => {
    b.cert = selfSignedCert(CERT_NAMES);
    const [steal, storefront, invoices] = await startEchoServers('steal-0', 'storefront-0', 'invoices-0');
    b.echoes = { steal, storefront, invoices };
  });
  afterAll(async () => {
    await Promise.all(Object.values(b.echoes ?? {}).map((e) => e.close()));
  });
  return b;
}
