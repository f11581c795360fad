import { compileAll, gateway, HTTP_ALL, httpRoute, listener, prefixRule, service } from './fixtures';
import { formatSynthFinding, synthReport } from '../../src/compiler';

test('a route that is not Accepted is a synth error naming object, field, reason, value and fix', () => {
  // GIVEN a route whose hostname no listener serves
  const r = compileAll([gateway('edge', [listener('web', 80, 'HTTP', { hostname: 'shop.example.com', allowedRoutes: { namespaces: { from: 'All' } } })]), service('a'), httpRoute('storefront', { parentRefs: [{ name: 'edge', namespace: 'infra' }], hostnames: ['admin.example.com'], rules: [prefixRule('/', 'a')] })]);
  // WHEN
  const findings = synthReport(r);
  // THEN
  expect(findings).toEqual([
    expect.objectContaining({
      severity: 'error',
      object: 'HTTPRoute default/storefront',
      field: 'spec.parentRefs[Gateway infra/edge]',
      condition: 'Accepted=False',
      reason: 'NoMatchingListenerHostname',
    }),
  ]);
  expect(formatSynthFinding(findings[0])).toMatch(
    /^HTTPRoute default\/storefront: spec\.parentRefs\[Gateway infra\/edge\]: Accepted=False NoMatchingListenerHostname: .*hostnames admin\.example\.com match no hostname of the listeners that admit namespace default \(web: shop\.example\.com\)\. Fix: use a hostname the listener serves/,
  );
});

test('ResolvedRefs False is an error; PartiallyInvalid is a warning', () => {
  const r = compileAll([
    gateway('gw', [HTTP_ALL]),
    service('a'),
    // a regular expression that does not compile is this implementation's limit, not the CRD's: the route is partly served
    httpRoute('r', { rules: [prefixRule('/', 'a'), prefixRule('/x', 'missing'), { matches: [{ path: { type: 'RegularExpression', value: '(' } }] }] }),
  ]);
  const byCondition = Object.fromEntries(synthReport(r).map((f) => [f.condition, [f.severity, f.reason]]));
  expect(byCondition).toEqual({ 'ResolvedRefs=False': ['error', 'BackendNotFound'], 'PartiallyInvalid=True': ['warning', 'UnsupportedValue'] });
});

test('a conflicted listener is an error on its Gateway; an accepted app has no findings', () => {
  const bad = compileAll([gateway('gw', [listener('a', 80, 'HTTP'), listener('b', 80, 'TCP')])]);
  expect(synthReport(bad).filter((f) => f.severity === 'error').map((f) => `${f.field} ${f.reason}`)).toEqual(
    expect.arrayContaining(['spec.listeners[a] ProtocolConflict', 'spec.listeners[b] ProtocolConflict']),
  );
  const good = compileAll([gateway('gw', [HTTP_ALL]), service('a'), httpRoute('r', { rules: [prefixRule('/', 'a')] })]);
  expect(synthReport(good)).toEqual([]);
});

test('input errors are findings too', () => {
  const r = compileAll([{ apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HttpRoute', metadata: { name: 'x' } }]);
  expect(synthReport(r).map(formatSynthFinding)).toEqual([expect.stringMatching(/unknown kind "HttpRoute".*did you mean "HTTPRoute".*Fix: correct the field/)]);
});
