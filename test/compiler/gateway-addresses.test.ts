/**
 * Cluster mode's Gateway addresses: the data-plane Service's (load-balancer ingress for a LoadBalancer, cluster
 * IPs otherwise) become `status.addresses`, and an accepted Gateway without any is Programmed=False with the
 * spec's reason AddressNotAssigned. At synth (the option off) nothing changes.
 */
import { cond, compileAll, gateway, HTTP_ALL, statusOf } from './fixtures';

function dataPlaneService(type: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { apiVersion: 'v1', kind: 'Service', metadata: { name: 'gw-dataplane', namespace: 'infra' }, spec: { type, ports: [{ port: 80 }], ...extra } };
}

const cluster = { dataPlaneAddresses: true };

test('no data-plane Service yet: Programmed=False AddressNotAssigned naming the Service, still Accepted and compiled', () => {
  const r = compileAll([gateway('gw', [HTTP_ALL])], cluster);
  const s = statusOf(r, 'Gateway', 'gw');
  expect(cond(s.conditions, 'Accepted')).toBe('True/Accepted');
  expect(cond(s.conditions, 'Programmed')).toBe('False/AddressNotAssigned');
  expect(s.conditions!.find((c) => c.type === 'Programmed')!.message).toMatch(/Service infra\/gw-dataplane does not exist/);
  expect(s.addresses).toBeUndefined();
  // the config is still generated: the pods serve while the address is being assigned
  expect(r.configs).toHaveLength(1);
});

test('a LoadBalancer without ingress yet: AddressNotAssigned (its cluster IP is not the Gateway\'s address); with ingress: Programmed and the addresses', () => {
  const pending = statusOf(compileAll([gateway('gw', [HTTP_ALL]), dataPlaneService('LoadBalancer', { clusterIP: '10.96.0.10' })], cluster), 'Gateway', 'gw');
  expect(cond(pending.conditions, 'Programmed')).toBe('False/AddressNotAssigned');
  expect(pending.conditions!.find((c) => c.type === 'Programmed')!.message).toMatch(/infra\/gw-dataplane \(LoadBalancer\) has no load-balancer ingress/);

  const svc = { ...dataPlaneService('LoadBalancer', { clusterIP: '10.96.0.10' }), status: { loadBalancer: { ingress: [{ ip: '203.0.113.7' }, { hostname: 'lb.example.com' }] } } };
  const ready = statusOf(compileAll([gateway('gw', [HTTP_ALL]), svc], cluster), 'Gateway', 'gw');
  expect(cond(ready.conditions, 'Programmed')).toBe('True/Programmed');
  expect(ready.addresses).toEqual([{ type: 'IPAddress', value: '203.0.113.7' }, { type: 'Hostname', value: 'lb.example.com' }]);
});

test('a ClusterIP or NodePort Service: its cluster IPs; a headless one has none', () => {
  const dual = statusOf(compileAll([gateway('gw', [HTTP_ALL]), dataPlaneService('ClusterIP', { clusterIP: '10.96.0.10', clusterIPs: ['10.96.0.10', 'fd00::10'] })], cluster), 'Gateway', 'gw');
  expect(cond(dual.conditions, 'Programmed')).toBe('True/Programmed');
  expect(dual.addresses).toEqual([{ type: 'IPAddress', value: '10.96.0.10' }, { type: 'IPAddress', value: 'fd00::10' }]);
  const nodePort = statusOf(compileAll([gateway('gw', [HTTP_ALL]), dataPlaneService('NodePort', { clusterIP: '10.96.0.11' })], cluster), 'Gateway', 'gw');
  expect(nodePort.addresses).toEqual([{ type: 'IPAddress', value: '10.96.0.11' }]);
  const headless = statusOf(compileAll([gateway('gw', [HTTP_ALL]), dataPlaneService('ClusterIP', { clusterIP: 'None' })], cluster), 'Gateway', 'gw');
  expect(cond(headless.conditions, 'Programmed')).toBe('False/AddressNotAssigned');
});

test('a Gateway that is not accepted stays Programmed=False Invalid; at synth (option off) no address is asked for', () => {
  const invalid = gateway('gw', [HTTP_ALL], { spec: { addresses: [{ type: 'example.com/odd', value: 'x' }] } });
  expect(cond(statusOf(compileAll([invalid], cluster), 'Gateway', 'gw').conditions, 'Programmed')).toBe('False/Invalid');
  const synth = statusOf(compileAll([gateway('gw', [HTTP_ALL])]), 'Gateway', 'gw');
  expect(cond(synth.conditions, 'Programmed')).toBe('True/Programmed');
  expect(synth.addresses).toBeUndefined();
});
