/**
 * What the compiler does for team grants, on plain YAML (no constructs): a listener that admits namespaces by
 * `kubernetes.io/metadata.name` never admits another namespace, not even one missing from the manifests; the
 * config carries the namespaces each listener admits; a hostname no listener serves is reported; and the grant
 * audit turns those into findings that name the grant to change.
 */
import { compileAll, configOf, gateway, httpRoute, listener, namespace, prefixRule, routeAccepted, service, where } from './fixtures';
import { compile } from '../../src/compiler';
import { auditGrants, GrantSpec } from '../../src/compiler/grant-audit';

const byName = (...names: string[]) => ({ namespaces: { from: 'Selector', selector: { matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'In', values: names }] } } });

/** A Gateway as a grant renders it: `web` (the platform's), and `web-pay.example.com` for namespace payments. */
const granted = () => gateway('gw', [
  listener('web', 80, 'HTTP'),
  listener('web-pay.example.com', 80, 'HTTP', { hostname: 'pay.example.com', allowedRoutes: { ...byName('payments'), kinds: [{ kind: 'HTTPRoute' }] } }),
]);

describe('listeners that admit namespaces by name', () => {
  test('never admit another namespace on assumption, even one whose labels are unknown (not in the manifests)', () => {
    // GIVEN: the namespace of the route is not among the objects (references mode "namespace" assumes unknown labels)
    const objects = [granted(), service('steal', 'unlisted'), httpRoute('steal', { parentRefs: [{ name: 'gw', namespace: 'infra', sectionName: 'web-pay.example.com' }], hostnames: ['pay.example.com'], rules: [prefixRule('/', 'steal')] }, { namespace: 'unlisted' })];

    // WHEN
    const r = compileAll(objects, { references: 'namespace' });

    // THEN
    expect(routeAccepted(r, 'HTTPRoute', 'steal', 'unlisted')).toBe('False/NotAllowedByListeners');
    expect(where(r, 'GET', 'http://pay.example.com/')).toBe('404');
  });

  test('a label selector still assumes the labels of a namespace missing from the manifests, unless its name requirement fails', () => {
    const sel = { namespaces: { from: 'Selector', selector: { matchLabels: { team: 'pay' }, matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'In', values: ['payments'] }] } } };
    const objects = (ns: string) => [gateway('gw', [listener('web', 80, 'HTTP', { allowedRoutes: sel })]), service('a', ns), httpRoute('r', { rules: [prefixRule('/', 'a')] }, { namespace: ns })];
    expect(routeAccepted(compileAll(objects('payments'), { references: 'namespace' }), 'HTTPRoute', 'r', 'payments')).toBe('True/Accepted');
    expect(routeAccepted(compileAll(objects('shop'), { references: 'namespace' }), 'HTTPRoute', 'r', 'shop')).toBe('False/NotAllowedByListeners');
  });

  test('a namespace carrying the labels of another team is not admitted: the name decides', () => {
    const r = compileAll([granted(), namespace('evil', { 'cdk8s-gateway.io/team': 'payments' }), service('a', 'evil'),
      httpRoute('r', { parentRefs: [{ name: 'gw', namespace: 'infra' }], hostnames: ['pay.example.com'], rules: [prefixRule('/', 'a')] }, { namespace: 'evil' })]);
    expect(routeAccepted(r, 'HTTPRoute', 'r', 'evil')).toBe('False/NotAllowedByListeners');
  });

  test('the refusal says which namespaces each listener admits, and who serves the hostname instead', () => {
    const r = compileAll([granted(), service('a', 'shop'),
      httpRoute('r', { parentRefs: [{ name: 'gw', namespace: 'infra' }], hostnames: ['pay.example.com'], rules: [prefixRule('/', 'a')] }, { namespace: 'shop' })]);
    const s = r.status.find((x) => x.kind === 'HTTPRoute')!;
    expect(s.parents![0].conditions[0].message).toBe(
      'HTTPRoute shop/r: no listener of Gateway infra/gw admits routes from namespace shop (web: admits namespace infra; web-pay.example.com: admits namespace payments); ' +
      'change allowedRoutes.namespaces or move the route');
  });
});

describe('the config carries what each listener admits', () => {
  test('allowedNamespaces: the namespaces named (Selector), the Gateway\'s (Same), absent for All', () => {
    const r = compileAll([
      gateway('gw', [
        listener('same', 80, 'HTTP'),
        listener('named', 81, 'HTTP', { allowedRoutes: byName('payments', 'billing') }),
        listener('all', 82, 'HTTP', { allowedRoutes: { namespaces: { from: 'All' } } }),
        listener('labelled', 83, 'HTTP', { allowedRoutes: { namespaces: { from: 'Selector', selector: { matchLabels: { exposed: 'yes' } } } } }),
      ]),
      namespace('blog', { exposed: 'yes' }), namespace('shop'),
    ]);
    const allowed = Object.fromEntries(configOf(r).ports.flatMap((p) => p.listeners).map((l) => [l.name, l.allowedNamespaces]));
    expect(allowed).toEqual({ same: ['infra'], named: ['billing', 'payments'], all: undefined, labelled: ['blog'] });
  });
});

describe('hostnames no listener serves', () => {
  test('an accepted route gets an UnservedHostname warning for each name none of its listeners serves', () => {
    const r = compileAll([granted(), service('a', 'payments'),
      httpRoute('r', { parentRefs: [{ name: 'gw', namespace: 'infra', sectionName: 'web-pay.example.com' }], hostnames: ['pay.example.com', 'shop.example.com'], rules: [prefixRule('/', 'a')] }, { namespace: 'payments' })]);
    expect(routeAccepted(r, 'HTTPRoute', 'r', 'payments')).toBe('True/Accepted');
    expect(r.diagnostics).toEqual([expect.objectContaining({
      severity: 'warning',
      code: 'UnservedHostname',
      field: 'spec.hostnames[1]',
      message: '"shop.example.com" is not served: no listener the route is attached to serves it (web-pay.example.com: pay.example.com)',
    })]);
  });

  test('no warning when a parent of the route is not compiled here (it may serve the name)', () => {
    const r = compileAll([granted(), service('a', 'payments'),
      httpRoute('r', { parentRefs: [{ name: 'gw', namespace: 'infra', sectionName: 'web-pay.example.com' }, { name: 'elsewhere', namespace: 'infra' }], hostnames: ['pay.example.com', 'shop.example.com'], rules: [prefixRule('/', 'a')] }, { namespace: 'payments' })]);
    expect(r.diagnostics.filter((d) => d.code === 'UnservedHostname')).toEqual([]);
  });
});

describe('the grant audit', () => {
  const spec: GrantSpec[] = [
    { team: 'shop', namespace: 'shop', gateway: { namespace: 'infra', name: 'gw' }, source: 'grantTeam("shop")', hostnames: ['shop.example.com'], routeKinds: ['HTTPRoute'], listeners: [{ name: 'web-shop.example.com', granted: 'web', hostname: 'shop.example.com' }] },
    { team: 'payments', namespace: 'payments', gateway: { namespace: 'infra', name: 'gw' }, source: 'grantTeam("payments")', hostnames: ['pay.example.com'], routeKinds: ['HTTPRoute'], listeners: [{ name: 'web-pay.example.com', granted: 'web', hostname: 'pay.example.com' }] },
  ];

  test('names the team\'s grant and the listener to change for a route refused by a granted listener', () => {
    const objects = [granted(), { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'GatewayClass', metadata: { name: 'node' }, spec: { controllerName: 'cdk8s-gateway.io/node-data-plane' } },
      httpRoute('r', { parentRefs: [{ name: 'gw', namespace: 'infra', sectionName: 'web-pay.example.com' }], hostnames: ['pay.example.com'], rules: [prefixRule('/', 'a')] }, { namespace: 'shop' })];
    const result = compile(objects);
    const [finding, ...rest] = auditGrants(result, { objects, grants: spec, madeBy: new Map() }).findings;
    expect(rest).toEqual([]);
    expect(finding).toMatchObject({ object: 'HTTPRoute shop/r', reason: 'NotAllowedByListeners', field: 'spec.parentRefs[Gateway infra/gw/web-pay.example.com]' });
    expect(finding.fix).toBe('listener "web-pay.example.com" is team "payments"\'s (pay.example.com on "web"); hostname "pay.example.com" is outside team "shop"\'s grant ' +
      '(shop.example.com) and granted to team "payments". Keep the route within team "shop"\'s grant (hostnames shop.example.com, listeners web-shop.example.com), ' +
      'or have the platform add "pay.example.com" to its hostnames in grantTeam("shop"), for listener web');
  });

  test('an object a team made in another namespace is a finding even when the compiler accepts it there', () => {
    const objects = [granted(), httpRoute('r', { parentRefs: [{ name: 'gw', namespace: 'infra', sectionName: 'web-pay.example.com' }], hostnames: ['pay.example.com'], rules: [prefixRule('/', 'a')] }, { namespace: 'payments' })];
    const result = compileAll([...objects, service('a', 'payments')]);
    expect(routeAccepted(result, 'HTTPRoute', 'r', 'payments')).toBe('True/Accepted');
    const findings = auditGrants(result, { objects, grants: spec, madeBy: new Map([[1, 'shop']]) }).findings;
    expect(findings.map((f) => [f.object, f.reason])).toEqual([['HTTPRoute payments/r', 'NotInTeamNamespace']]);
  });
});
