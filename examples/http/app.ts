/**
 * HTTPRoute, feature by feature: matches on path, method, headers and query; header modifiers, URL
 * rewrite, mirroring, CORS, per-backend filters and timeouts.
 */
import { App, Chart, Duration } from 'cdk8s';
import {
  Backend, Gateway, GatewayClass, HttpFilter, HttpMatch, HttpMethod, HttpRoute, Listener, PathModifier,
  RedirectStatusCode,
} from '../../src';

export function build(app: App): void {
  const chart = new Chart(app, 'http', { namespace: 'web' });
  const gateway = new Gateway(chart, 'web-gateway', {
    gatewayClass: GatewayClass.nodeDataPlane(chart),
    listeners: [Listener.http({ name: 'http', port: 80 })],
  });
  const api = Backend.fromServiceName('api', { port: 8080 });

  new HttpRoute(chart, 'api', {
    parentRefs: [{ parent: gateway, sectionName: 'http' }],
    hostnames: ['api.example.com'],
    rules: [
      {
        name: 'v1-to-v2',
        matches: [HttpMatch.pathPrefix('/v1')],
        filters: [HttpFilter.urlRewrite({ path: PathModifier.prefix('/v2') })],
        backends: [api],
      },
      {
        name: 'reports',
        matches: [HttpMatch.pathExact('/reports').withMethod(HttpMethod.GET).withQueryParam('format', 'csv')],
        filters: [
          HttpFilter.requestHeaders({ set: { 'x-report-format': 'csv' }, remove: ['cookie'] }),
          HttpFilter.mirror(Backend.fromServiceName('reports-shadow', { port: 8080 }), { percent: 5 }),
        ],
        backends: [api],
        timeout: Duration.seconds(30),
        backendTimeout: Duration.seconds(10),
      },
      {
        name: 'browser',
        matches: [HttpMatch.pathPrefix('/public').withHeaderRegex('user-agent', '.*Mozilla.*')],
        filters: [HttpFilter.cors({
          allowOrigins: ['https://www.example.com', 'https://*.example.com'],
          allowMethods: ['GET', 'POST'],
          allowHeaders: ['content-type', 'authorization'],
          allowCredentials: true,
          maxAge: Duration.minutes(10),
        })],
        backends: [Backend.fromServiceName('api', {
          port: 8080,
          filters: [HttpFilter.responseHeaders({ add: { 'x-served-by': 'public' } })],
        })],
      },
      {
        name: 'moved',
        matches: [HttpMatch.pathPrefix('/old-docs')],
        filters: [HttpFilter.redirect({
          hostname: 'docs.example.com',
          path: PathModifier.prefix('/docs'),
          statusCode: RedirectStatusCode.PERMANENT_REDIRECT,
        })],
      },
    ],
  });
}
