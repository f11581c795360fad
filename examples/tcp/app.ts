/** TCPRoute: a TCP listener forwards every connection to a Service, here split 50/50 across two pools. */
import { App, Chart } from 'cdk8s';
import { Backend, Gateway, GatewayClass, Listener, TcpRoute, TrafficSplit } from '../../src';

export function build(app: App): void {
  const chart = new Chart(app, 'tcp', { namespace: 'cache' });
  const gateway = new Gateway(chart, 'tcp-gateway', {
    gatewayClass: GatewayClass.nodeDataPlane(chart),
    listeners: [Listener.tcp({ name: 'redis', port: 6379 })],
  });
  new TcpRoute(chart, 'redis', {
    parentRefs: [{ parent: gateway, sectionName: 'redis' }],
    backends: TrafficSplit.percentages([
      { backend: Backend.fromServiceName('redis-a', { port: 6379 }), percent: 50 },
      { backend: Backend.fromServiceName('redis-b', { port: 6379 }), percent: 50 },
    ]),
  });
}
