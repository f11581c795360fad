import { STATUS_CODES } from 'node:http';
import type * as net from 'node:net';

/**
 * Answers an Upgrade request with the backend's 101 head and bridges the two sockets byte for byte:
 * `head` (bytes the backend sent after its head) goes to the client, `rest` (bytes the client sent after
 * its request head) to the backend. Either side closing or failing closes both.
 */
export function bridgeTunnel(
  socket: net.Socket, upstream: net.Socket, status: number, reason: string, headers: string[], head: Buffer, rest?: Buffer,
): void {
  let h = `HTTP/1.1 ${status} ${reason || STATUS_CODES[status]}\r\n`;
  for (let i = 0; i < headers.length; i += 2) h += headers[i] + ': ' + headers[i + 1] + '\r\n';
  socket.write(h + '\r\n', 'latin1');
  if (head.length) socket.write(head);
  if (rest?.length) upstream.write(rest);
  const close = (): void => {
    socket.destroy();
    upstream.destroy();
  };
  socket.on('error', close);
  upstream.on('error', close);
  socket.on('close', close);
  upstream.on('close', close);
  socket.pipe(upstream);
  upstream.pipe(socket);
  socket.resume();
  upstream.resume();
}
