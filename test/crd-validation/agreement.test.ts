/**
 * The constructs' checks agree with the CRDs on generated values: whatever a construct accepts, the API
 * server accepts; and for paths (mirrored rule for rule) whatever the API server rejects, the construct
 * rejects with a message naming the field.
 */
import { App, Chart, Duration } from 'cdk8s';
import * as fc from 'fast-check';
import { describeWithCrds } from './crd-validator';
import { Backend, Gateway, HttpFilter, HttpMatch, HttpRoute, HttpRouteRule } from '../../src';

const backend = Backend.fromServiceName('api', { port: 8080 });

/** Renders a route with one rule; undefined when the construct refuses it (with the message). */
function render(rule: HttpRouteRule, hostnames?: string[]): { spec?: any; error?: string } {
  const app = new App();
  const chart = new Chart(app, 'c', { namespace: 'ns' });
  try {
    new HttpRoute(chart, 'r', { parentRefs: [{ parent: Gateway.fromGatewayName('gw') }], hostnames, rules: [rule] });
  } catch (e) {
    return { error: (e as Error).message };
  }
  return { spec: chart.toJson()[0] };
}

function rawRoute(spec: any): any {
  return { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute', metadata: { name: 'r', namespace: 'ns' }, spec };
}

const pathChars = fc.constantFrom('/', '/', '.', '%', '2', 'f', 'F', '#', 'a', 'a', 'Z', '0', ' ', '~', '?', '@', ':', '-', '_', '"', 'é');

describeWithCrds('constructs and CRDs agree', (validator) => {
  const crdErrors = (obj: any): string[] => validator.validate(obj, 'experimental');

  test('paths: the construct accepts exactly what the CRD accepts', () => {
    const seen = { accepted: 0, rejected: 0 };
    const paths = fc.tuple(fc.constantFrom('', '/', '/', '/'), fc.string({ unit: pathChars, minLength: 0, maxLength: 10 })).map(([a, b]) => a + b).filter((p) => p.length > 0);
    fc.assert(fc.property(paths, fc.boolean(), (path, exact) => {
      const match = exact ? HttpMatch.pathExact(path) : HttpMatch.pathPrefix(path);
      const { spec, error } = render({ matches: [match], backends: [backend] });
      const crd = crdErrors(rawRoute({ rules: [{ matches: [{ path: { type: exact ? 'Exact' : 'PathPrefix', value: path } }], backendRefs: [{ name: 'api', port: 8080 }] }] }));
      if (spec) {
        seen.accepted++;
        expect(crdErrors(spec)).toEqual([]);
      } else {
        seen.rejected++;
        expect(error).toMatch(/rules\[0\]\.matches\[0\]\.path /);
        expect(crd.length).toBeGreaterThan(0);
      }
    }), { numRuns: 300 });
    // both sides of the property were exercised
    expect(seen.accepted).toBeGreaterThan(20);
    expect(seen.rejected).toBeGreaterThan(20);
  });

  test('hostnames: whatever the construct accepts, the CRD accepts', () => {
    const hostChars = fc.oneof({ arbitrary: fc.constantFrom('a', 'b', '0', '.'), weight: 6 }, fc.constantFrom('-', '*', 'A', '_'));
    let accepted = 0;
    fc.assert(fc.property(fc.string({ unit: hostChars, minLength: 1, maxLength: 10 }), (hostname) => {
      const { spec, error } = render({ backends: [backend] }, [hostname]);
      if (spec) accepted++;
      if (spec) expect(crdErrors(spec)).toEqual([]);
      else expect(error).toMatch(/hostnames\[0\] /);
    }), { numRuns: 300 });
    expect(accepted).toBeGreaterThan(10);
  });

  test('header names and values: whatever the construct accepts, the CRD accepts', () => {
    // mostly valid characters, so that both outcomes are common
    const chars = fc.oneof({ arbitrary: fc.constantFrom('a', 'X', '-', '!', '~'), weight: 6 }, fc.constantFrom(' ', '\t', ':', '\n', '"', '\u007f'));
    let accepted = 0;
    const text = fc.string({ unit: chars, minLength: 1, maxLength: 6 });
    fc.assert(fc.property(text, text, (name, value) => {
      const filters = [HttpFilter.requestHeaders({ set: { [name]: value } })];
      const { spec } = render({ matches: [HttpMatch.header(name, value)], filters, backends: [backend] });
      if (spec) accepted++;
      if (spec) expect(crdErrors(spec)).toEqual([]);
    }), { numRuns: 300 });
    expect(accepted).toBeGreaterThan(10);
  });

  test('timeouts: every whole-millisecond duration renders in a form the CRD parses', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 400_000_000 }), fc.integer({ min: 0, max: 400_000_000 }), (a, b) => {
      const [backendMs, requestMs] = a <= b ? [a, b] : [b, a];
      const { spec, error } = render({ backends: [backend], timeout: Duration.millis(requestMs), backendTimeout: Duration.millis(backendMs) });
      expect(error).toBeUndefined();
      expect(crdErrors(spec)).toEqual([]);
    }), { numRuns: 300 });
  });

  test('weights: the construct accepts exactly the CRD range', () => {
    fc.assert(fc.property(fc.integer({ min: -5, max: 1_000_005 }), (weight) => {
      const { spec, error } = render({ backends: [Backend.fromServiceName('api', { port: 8080, weight })] });
      const inRange = weight >= 0 && weight <= 1_000_000;
      expect(spec !== undefined).toBe(inRange);
      if (spec) expect(crdErrors(spec)).toEqual([]);
      else expect(error).toMatch(/rules\[0\]\.backends\[0\]\.weight /);
    }), { numRuns: 200 });
  });
});
