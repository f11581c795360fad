/** UDPRoute: a UDP listener forwards datagrams (here DNS) to a Service. */
import { App, Chart } from 'cdk8s';
import { Backend, Gateway, GatewayClass, Listener, UdpRoute } from '../../src';

export function build(app: App): void {
  const chart = new Chart(app, 'udp', { namespace: 'dns' });
  const gateway = new Gateway(chart, 'dns-gateway', {
    gatewayClass: GatewayClass.nodeDataPlane(chart),
    listeners: [Listener.udp({ name: 'dns', port: 53 })],
  });
  new UdpRoute(chart, 'coredns', {
    parentRefs: [{ parent: gateway, sectionName: 'dns' }],
    backends: [Backend.fromServiceName('coredns', { port: 53 })],
  });
}
