import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { answerStatus, type SimResponse } from './sim-response.js';

const MAX_BODY_BYTES = 1 << 20;

/** The simulator's HTTP server on loopback: what it listens on, and how to stop it. */
export interface SimServer {
  /** e.g. http://127.0.0.1:PORT */
  origin: string;
  close(): Promise<void>;
}

/**
 * Serves `handle` on `host:port` (0: any free port). A handler that throws is answered 500 and
 * logged, unless the server is shutting down (`aborted`), when its connection is destroyed.
 */
export async function listenSimServer(
  handle: (req: IncomingMessage, res: ServerResponse) => Promise<void>,
  options: { host: string; port: number; aborted: () => boolean; log?: ((line: string) => void) | undefined },
): Promise<SimServer> {
  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (options.aborted()) return void res.destroy();
      options.log?.(`${req.method} ${req.url?.split('?')[0]} 500 internal error: ${(error as Error).message}`);
      if (!res.headersSent) writeResponse(res, answerStatus(500));
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    origin: `http://${host}:${address.port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}

/** The body as text, or undefined when it is larger than the simulator accepts. */
export async function readBody(req: IncomingMessage): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size <= MAX_BODY_BYTES) chunks.push(chunk as Buffer);
  }
  return size > MAX_BODY_BYTES ? undefined : Buffer.concat(chunks).toString('utf8');
}

export function writeResponse(res: ServerResponse, response: SimResponse): void {
  const headers: Record<string, string> = { ...response.headers };
  if (response.body === undefined) {
    res.writeHead(response.status, { ...headers, 'content-length': '0' });
    res.end();
    return;
  }
  const text = JSON.stringify(response.body);
  res.writeHead(response.status, {
    ...headers,
    'content-type': 'application/json',
    'content-length': String(Buffer.byteLength(text)),
  });
  res.end(text);
}
