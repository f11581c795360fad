/**
 * TLS session resumption across replicas: two data planes serving the same certificate Secret resume each
 * other's sessions (the ticket keys derive from it), one with another certificate answers with a full handshake,
 * and --no-tls-session-resumption issues no tickets.
 */
import { execFile } from 'node:child_process';
import * as path from 'node:path';
import type * as tls from 'node:tls';
import { promisify } from 'node:util';
import { SessionTicketKeys, TICKET_KEY_PERIOD_MS } from '../../src/dataplane/tls/session-tickets';
import { selfSignedCert, TestCert, writeSecret } from '../support/certs';
import { ConfigBuilder } from '../support/config-builder';
import { RunningEcho, startEchoServers } from '../support/echo';
import { Spawned, startDataPlane, tempDir } from '../support/processes';

let echoes: RunningEcho[];
let cert: TestCert;
const replicas: Spawned[] = [];
let other: Spawned;
let noResumption: Spawned;

async function replica(c: TestCert, args: string[] = []): Promise<Spawned> {
  const secretsDir = tempDir('gw-secrets-');
  writeSecret(secretsDir, 'default/shop-tls', c);
  const b = new ConfigBuilder();
  const shop = b.backend('shop');
  const l = b.listener(443, { name: 'shop', hostname: 'shop.example.com', certificates: ['default/shop-tls'] });
  b.route(l, { route: 'shop', backends: [shop] });
  return startDataPlane({ config: b.build(), secretsDir, backends: { [shop]: echoes[0].target }, args });
}

beforeAll(async () => {
  echoes = await startEchoServers('shop');
  cert = selfSignedCert(['shop.example.com']);
  replicas.push(await replica(cert), await replica(cert));
  other = await replica(selfSignedCert(['shop.example.com']));
  noResumption = await replica(cert, ['--no-tls-session-resumption']);
});

afterAll(async () => {
  await Promise.all([...replicas, other, noResumption].map((p) => p?.stop()));
  await Promise.all((echoes ?? []).map((e) => e.close()));
});

const CLIENT = path.join(__dirname, '..', 'support', 'tls-resume-client.cjs');

type Reconnect = { first: { status: number; reused: boolean }; second: { status: number; reused: boolean } };

/** A request to `from`, then one to `to` on a new connection offering the first one's session (the echo backend runs in this process: not execFileSync). */
async function reconnect(from: Spawned, to: Spawned, version: tls.SecureVersion): Promise<Reconnect> {
  const { stdout } = await promisify(execFile)(process.execPath, [CLIENT, version, String(from.ports.get(443)), String(to.ports.get(443)), 'shop.example.com']);
  return JSON.parse(stdout) as Reconnect;
}

test.each(['TLSv1.3', 'TLSv1.2'] as const)('a %s session from one replica resumes on another with the same certificate', async (version) => {
  const resumed = { first: { status: 200, reused: false }, second: { status: 200, reused: true } };
  expect(await reconnect(replicas[0], replicas[0], version)).toEqual(resumed);
  expect(await reconnect(replicas[0], replicas[1], version)).toEqual(resumed);
  expect(await reconnect(replicas[1], replicas[0], version)).toEqual(resumed);
});

test('a replica with another certificate answers the ticket with a full handshake, not an error', async () => {
  expect((await reconnect(replicas[0], other, 'TLSv1.3')).second).toEqual({ status: 200, reused: false });
});

test('--no-tls-session-resumption: a full handshake every time', async () => {
  expect((await reconnect(noResumption, noResumption, 'TLSv1.3')).second).toEqual({ status: 200, reused: false });
  expect((await reconnect(noResumption, noResumption, 'TLSv1.2')).second).toEqual({ status: 200, reused: false });
});

test('ticket keys rotate every period; the previous period is accepted and renewed, older ones are not', () => {
  let now = 10 * TICKET_KEY_PERIOD_MS + 5;
  const keys = new SessionTicketKeys('secret', () => now);
  const cb = (keys as unknown as { callback: (n: Buffer, iv: Buffer, enc: boolean) => [number, Buffer, Buffer, Buffer?, Buffer?] }).callback;
  const issued = cb(Buffer.alloc(16), Buffer.alloc(16), true);
  expect(issued[0]).toBe(1);
  const name = issued[3]!;
  expect(cb(name, Buffer.alloc(16), false)[0]).toBe(1);
  now += TICKET_KEY_PERIOD_MS;
  expect(cb(name, Buffer.alloc(16), false)[0]).toBe(2);
  now += TICKET_KEY_PERIOD_MS;
  expect(cb(name, Buffer.alloc(16), false)[0]).toBe(0);
  // another secret (another certificate): other keys
  expect(new SessionTicketKeys('other', () => now).key(12).name.equals(keys.key(12).name)).toBe(false);
});
