import WebSocket from 'ws';

/** Opens a WebSocket to `url` (http: or ws:), returns the first message it receives and closes it. */
export async function firstWebSocketMessage(url: string): Promise<string> {
  const socket = new WebSocket(url.replace(/^http:/, 'ws:'));
  try {
    return await new Promise<string>((resolve, reject) => {
      socket.once('message', (m) => resolve(m.toString()));
      socket.once('error', reject);
    });
  } finally {
    socket.close();
  }
}
