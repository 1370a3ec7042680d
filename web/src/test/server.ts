// A real HTTP server on 127.0.0.1 for unit tests. It stands in for the Rust server, which is not
// under test here, so the client's requests and the server's replies cross a real socket and
// the test sees exactly the headers and bodies that went over the wire.

import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface Reply {
  status: number;
  headers?: Record<string, string>;
  /** Sent as JSON unless it is a string, which is sent as it is. */
  body?: unknown;
}

/** Routes keyed by `"METHOD /path"`; a function can answer differently per call. */
export type Routes = Record<string, Reply | ((request: RecordedRequest) => Reply)>;

export interface TestServer {
  url: string;
  requests: RecordedRequest[];
  /** Requests to one route, e.g. `server.to('POST /auth/logout')`. */
  to: (route: string) => RecordedRequest[];
  close: () => Promise<void>;
}

export function envelope(code: string, message: string, field?: string) {
  return { error: field === undefined ? { code, message } : { code, message, field } };
}

export async function startServer(routes: Routes): Promise<TestServer> {
  const requests: RecordedRequest[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const recorded: RecordedRequest = {
        method: req.method ?? '',
        path: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      };
      requests.push(recorded);
      const route = routes[`${recorded.method} ${recorded.path}`];
      const reply: Reply =
        route === undefined
          ? { status: 404, body: envelope('not_found', 'No such route') }
          : typeof route === 'function'
            ? route(recorded)
            : route;
      const { body } = reply;
      const isJson = body !== undefined && typeof body !== 'string';
      const payload = typeof body === 'string' ? body : isJson ? JSON.stringify(body) : '';
      res.writeHead(reply.status, {
        ...(isJson ? { 'Content-Type': 'application/json' } : {}),
        ...reply.headers,
      });
      res.end(payload);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${String(port)}`,
    requests,
    to: (route) => requests.filter((r) => `${r.method} ${r.path}` === route),
    // Closing twice is fine: tests that stop the server early still get the usual afterEach.
    close: () =>
      new Promise<void>((resolve, reject) => {
        if (!server.listening) {
          resolve();
          return;
        }
        server.closeAllConnections();
        server.close((error) => {
          if (error) reject(error);
          else resolve();
        });
      }),
  };
}
