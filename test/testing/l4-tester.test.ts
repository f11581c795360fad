/**
 * The testing API and `explain` for gRPC calls, TLS server names and TCP/UDP ports, asked about the
 * examples/grpc, tls, tcp and udp apps as a team would in its own unit tests.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App, Testing } from 'cdk8s';
import { build as grpcExample } from '../../examples/grpc/app';
import { build as tcpExample } from '../../examples/tcp/app';
import { build as tlsExample } from '../../examples/tls/app';
import { build as udpExample } from '../../examples/udp/app';
import { run as explain } from '../../src/cli/explain';
import { GatewayTester, TestTransport } from '../../src/testing/gateway-tester';

function tester(build: (app: App) => void): GatewayTester {
  const app = Testing.app();
  build(app);
  return GatewayTester.of(app);
}

describe('gRPC calls (examples/grpc)', () => {
  const t = tester(grpcExample);
  const call = (method: string, metadata?: Record<string, string>) =>
    t.grpc({ service: 'shop.cart.v1.Cart', method, authority: 'grpc.example.com', tls: true, metadata });

  test('an exact method goes to its rule, with the rule filters', () => {
    const r = call('AddItem');
    expect(r.route).toEqual({ kind: 'GRPCRoute', namespace: 'cart', name: 'cart' });
    expect(r.ruleName).toBe('writes');
    expect(r.backends.map((b) => b.service)).toEqual(['cart-writer']);
    expect(r.filters.map((f) => f.type)).toEqual(['RequestHeaderModifier']);
    expect(r.grpcStatus).toBeUndefined();
  });

  test('metadata selects the beta rule; other methods of the service split 80/20', () => {
    expect(call('ListItems', { 'x-beta': 'on' }).ruleName).toBe('beta');
    expect(call('ListItems').backends.map((b) => [b.service, b.percent])).toEqual([['cart-v1', 80], ['cart-v2', 20]]);
  });

  test('an unknown service gets UNIMPLEMENTED from the gateway, and the h2c port does not exist', () => {
    const r = t.grpc({ service: 'shop.orders.v1.Orders', method: 'Get', authority: 'grpc.example.com', tls: true });
    // a gRPC call's error is a trailers-only response: HTTP 200 carrying the grpc-status, as the wire answers
    expect(r).toMatchObject({ outcome: 'GW_NO_ROUTE', statusCode: 200, grpcStatus: 12 });
    // nothing listens on port 80: the connection is refused, no gateway answers (a client library reports UNAVAILABLE itself)
    const h2c = t.grpc({ service: 'shop.cart.v1.Cart', method: 'AddItem', authority: 'grpc.example.com' });
    expect(h2c).toMatchObject({ outcome: 'GW_NO_LISTENER', refused: true });
    expect(h2c.grpcStatus).toBeUndefined();
  });
});

describe('TLS server names (examples/tls)', () => {
  const t = tester(tlsExample);

  test('a name a passthrough TLSRoute covers goes to its backend, untouched', () => {
    const r = t.connection({ port: 443, serverName: 'pg.db.example.com' });
    expect(r).toMatchObject({ outcome: 'GW_ROUTED', refused: false, mode: 'Passthrough', listener: 'passthrough', route: { kind: 'TLSRoute', name: 'postgres' } });
    expect(r.backends).toEqual([expect.objectContaining({ service: 'postgres', port: 5432, percent: 100 })]);
  });

  test('a name the listener accepts but no TLSRoute covers, or no name at all, is refused', () => {
    expect(t.connection({ port: 443, serverName: 'mysql.db.example.com' })).toMatchObject({ outcome: 'GW_UNKNOWN_SERVER_NAME', refused: true });
    const none = t.connection({ port: 443 });
    expect(none).toMatchObject({ outcome: 'GW_UNKNOWN_SERVER_NAME', refused: true });
    expect(none.notes[0]).toMatch(/no listener of port 443 accepts no server name \(SNI\)/);
  });

  test('a Terminate listener decrypts and forwards to its TLSRoute backend', () => {
    expect(t.connection({ port: 8443, serverName: 'queue.example.com' })).toMatchObject({ mode: 'Terminate', route: { name: 'queue' }, backends: [expect.objectContaining({ service: 'rabbitmq' })] });
  });
});

test('TCP and UDP ports (examples/tcp, examples/udp)', () => {
  const tcp = tester(tcpExample).connection({ port: 6379 });
  expect(tcp).toMatchObject({ mode: 'TCP', route: { kind: 'TCPRoute', name: 'redis' } });
  expect(tcp.backends.map((b) => [b.service, b.percent])).toEqual([['redis-a', 50], ['redis-b', 50]]);
  const udp = tester(udpExample);
  expect(udp.connection({ port: 53, transport: TestTransport.UDP })).toMatchObject({ mode: 'UDP', route: { kind: 'UDPRoute', name: 'coredns' } });
  const wrongTransport = udp.connection({ port: 53 });
  expect(wrongTransport).toMatchObject({ outcome: 'GW_NO_LISTENER', refused: true });
  expect(wrongTransport.notes[0]).toMatch(/nothing listens on TCP port 53 \(ports: 53\/UDP \(UDP\)\)/);
});

describe('cdk8s-gateway explain with grpcs://, tls://, tcp:// and udp:// URLs', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gw-explain-l4-'));
  for (const [name, build] of [['grpc', grpcExample], ['tls', tlsExample], ['udp', udpExample]] as const) {
    const app = new App({ outdir: path.join(dir, name) });
    build(app);
    app.synth();
  }
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  async function capture(args: string[]): Promise<{ code: number; out: string }> {
    let out = '';
    const write = process.stdout.write;
    process.stdout.write = ((s: string) => {
      out += s;
      return true;
    }) as typeof process.stdout.write;
    try {
      return { code: await explain(args), out };
    } finally {
      process.stdout.write = write;
    }
  }

  test('a gRPC call: rule, match and backends', async () => {
    const r = await capture(['--manifests', path.join(dir, 'grpc'), 'grpcs://grpc.example.com/shop.cart.v1.Cart/RemoveItem']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/route: {4}GRPCRoute cart\/cart/);
    expect(r.out).toMatch(/match: {4}Exact \/shop\.cart\.v1\.Cart\/RemoveItem, POST/);
    const unknown = await capture(['--manifests', path.join(dir, 'grpc'), 'grpcs://grpc.example.com/shop.x.v1.X/Y']);
    expect(unknown.code).toBe(1);
    expect(unknown.out).toMatch(/GW_NO_ROUTE → gRPC 12 UNIMPLEMENTED \(HTTP 200, trailers-only\)/);
  });

  test('a TLS server name, and a UDP port', async () => {
    const tls = await capture(['--manifests', path.join(dir, 'tls'), 'tls://pg.db.example.com:443']);
    expect(tls.code).toBe(0);
    expect(tls.out).toMatch(/mode: {7}Passthrough\nroute: {6}TLSRoute data\/postgres\nbackends:\n {2}- data\/postgres:5432 weight 1 \(100%\)/);
    const refused = await capture(['--manifests', path.join(dir, 'tls'), 'tls://127.0.0.1:443']);
    expect(refused.code).toBe(1);
    expect(refused.out).toMatch(/server name \(none\)[\s\S]*GW_UNKNOWN_SERVER_NAME → refused/);
    const udp = await capture(['--manifests', path.join(dir, 'udp'), '--output', 'json', 'udp://any:53']);
    expect(JSON.parse(udp.out)).toMatchObject({ code: 'GW_ROUTED', mode: 'UDP', route: { kind: 'UDPRoute', name: 'coredns' } });
  });
});
