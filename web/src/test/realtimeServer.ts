// A real WebSocket server on 127.0.0.1 that plays the Kioskhub real-time protocol for unit tests
// (server/src/realtime/socket.rs): one-use tickets from `POST /api/ws/ticket`, the welcome
// `connection` message with `last_seq`, replay after `?since=` or `resync_required` when it is too
// old, rooms that narrow delivery, `ping` → `pong`, close codes. `GET /api/events` serves a log
// for the polling fallback. Tests steer it (refuse upgrades, drop sockets, send raw frames) to
// reproduce what the network and the real server do.

import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { WebSocket, WebSocketServer } from 'ws';
import type { LogItem } from '../realtime/events';

export interface Upgrade {
  at: number;
  namespace: string;
  ticket: string | null;
  since: number | null;
  accepted: boolean;
}

export interface Connection {
  id: number;
  namespace: string;
  since: number | null;
  socket: WebSocket;
  rooms: Set<string>;
  /** Client messages, parsed. */
  received: { type: string; room?: string }[];
}

interface Stored {
  seq: number;
  text: string;
  rooms: string[];
}

export interface ProtocolServer {
  /** `http://127.0.0.1:port` (an `ApiClient` base URL). */
  url: string;
  upgrades: Upgrade[];
  connections: Connection[];
  /** Live connections only. */
  open: () => Connection[];
  ticketRequests: { csrf: string | undefined }[];
  eventRequests: string[];
  /** Answer for `POST /api/ws/ticket`; 201 issues a ticket. */
  ticketStatus: number;
  /** Answer for `GET /api/events`; 200 serves `log`. */
  eventsStatus: number;
  /** Refuse WebSocket upgrades: with an HTTP status, or by destroying the socket. */
  refuse: false | number | 'destroy';
  /** Accept the upgrade but never send the welcome (a proxy that swallows frames). */
  silent: boolean;
  /** Answer `ping` messages. */
  pongs: boolean;
  /** More HTTP routes, keyed by `"METHOD /path"` (e.g. `GET /auth/me` for a page test). */
  routes: Record<string, () => { status: number; body?: unknown }>;
  /** Every HTTP request as `"METHOD /path?query"`. */
  requests: string[];
  /** The event log served by `GET /api/events` (any order; served newest first). */
  log: LogItem[];
  latestSeq: () => number;
  /** Store and fan out a message; returns its seq. */
  publish: (type: string, data: unknown, rooms?: string[]) => number;
  /** Send a message that is not stored (`seq: null`). */
  transient: (type: string, data: unknown, rooms?: string[]) => void;
  /** Send a raw JSON frame to a connection. */
  send: (connection: Connection, frame: unknown) => void;
  /** Forget stored messages up to and including `seq` (replay before it becomes impossible). */
  purge: (seq: number) => void;
  /** Close every open connection with a close frame, or cut the TCP connections. */
  dropAll: (how?: { code: number; reason?: string } | 'terminate') => void;
  waitFor: <T>(probe: () => T | undefined | false, timeoutMs?: number) => Promise<T>;
  close: () => Promise<void>;
}

export function envelope(seq: number | null, type: string, data: unknown, rooms: string[] = []) {
  return { seq, type, ts: new Date().toISOString(), room: rooms[0] ?? null, rooms, version: 1, data };
}

export async function startProtocolServer(): Promise<ProtocolServer> {
  const tickets = new Set<string>();
  const stored: Stored[] = [];
  let seq = 0;
  let nextId = 1;
  const sockets = new Set<Socket>();

  const wss = new WebSocketServer({ noServer: true });
  const http = createServer((req, res) => {
    handleHttp(req, res);
  });
  http.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });

  const self: ProtocolServer = {
    url: '',
    upgrades: [],
    connections: [],
    open: () => self.connections.filter((c) => c.socket.readyState === WebSocket.OPEN),
    ticketRequests: [],
    eventRequests: [],
    ticketStatus: 201,
    eventsStatus: 200,
    refuse: false,
    silent: false,
    pongs: true,
    routes: {},
    requests: [],
    log: [],
    latestSeq: () => seq,
    publish(type, data, rooms = []) {
      seq += 1;
      const text = JSON.stringify(envelope(seq, type, data, rooms));
      stored.push({ seq, text, rooms });
      fanOut(text, rooms);
      return seq;
    },
    transient(type, data, rooms = []) {
      fanOut(JSON.stringify(envelope(null, type, data, rooms)), rooms);
    },
    send(connection, frame) {
      connection.socket.send(JSON.stringify(frame));
    },
    purge(upTo) {
      while (stored.length > 0 && (stored[0]?.seq ?? Infinity) <= upTo) stored.shift();
    },
    dropAll(how = { code: 1001, reason: 'server going away' }) {
      for (const c of self.open()) {
        if (how === 'terminate') c.socket.terminate();
        else c.socket.close(how.code, how.reason);
      }
    },
    async waitFor(probe, timeoutMs = 3000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const value = probe();
        if (value !== undefined && value !== false) return value;
        if (Date.now() > deadline) throw new Error('timed out waiting for the protocol server');
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const client of wss.clients) client.terminate();
        wss.close();
        for (const socket of sockets) socket.destroy();
        http.close(() => {
          resolve();
        });
      }),
  };

  function wants(connection: Connection, rooms: string[]) {
    return connection.rooms.size === 0 || rooms.some((r) => connection.rooms.has(r));
  }

  function fanOut(text: string, rooms: string[]) {
    for (const c of self.open()) if (wants(c, rooms)) c.socket.send(text);
  }

  function handleHttp(req: IncomingMessage, res: ServerResponse) {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const reply = (status: number, body?: unknown) => {
      res.writeHead(status, body === undefined ? {} : { 'Content-Type': 'application/json' });
      res.end(body === undefined ? '' : JSON.stringify(body));
    };
    req.resume();
    self.requests.push(`${req.method ?? ''} ${url.pathname}${url.search}`);
    const route = self.routes[`${req.method ?? ''} ${url.pathname}`];
    if (route) {
      const { status, body } = route();
      reply(status, body);
      return;
    }
    if (req.method === 'POST' && url.pathname === '/api/ws/ticket') {
      const csrf = req.headers['x-csrf-token'];
      self.ticketRequests.push({ csrf: typeof csrf === 'string' ? csrf : undefined });
      if (self.ticketStatus !== 201) {
        reply(self.ticketStatus, { error: { code: 'refused', message: 'ticket refused' } });
        return;
      }
      const ticket = randomUUID();
      tickets.add(ticket);
      reply(201, { ticket, expires_in: 30 });
      return;
    }
    if (req.method === 'GET' && url.pathname === '/api/events') {
      self.eventRequests.push(url.search);
      if (self.eventsStatus !== 200) {
        reply(self.eventsStatus, { error: { code: 'unauthenticated', message: 'sign in first' } });
        return;
      }
      const limit = Number(url.searchParams.get('limit') ?? '100');
      const items = [...self.log].sort((a, b) => b.seq - a.seq).slice(0, limit);
      reply(200, { items, next_cursor: null });
      return;
    }
    reply(404, { error: { code: 'not_found', message: 'no such route' } });
  }

  http.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const namespace = url.pathname.replace(/^\/ws\//, '');
    const ticket = url.searchParams.get('ticket');
    const sinceParam = url.searchParams.get('since');
    const since = sinceParam === null ? null : Number(sinceParam);
    const upgrade: Upgrade = { at: Date.now(), namespace, ticket, since, accepted: false };
    self.upgrades.push(upgrade);
    const refuse = (status: number) => {
      socket.end(`HTTP/1.1 ${String(status)} Refused\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    };
    if (self.refuse === 'destroy') {
      socket.destroy();
      return;
    }
    if (self.refuse !== false) {
      refuse(self.refuse);
      return;
    }
    if (ticket === null || !tickets.delete(ticket)) {
      refuse(401);
      return;
    }
    upgrade.accepted = true;
    wss.handleUpgrade(req, socket, head, (ws) => {
      const connection: Connection = { id: nextId++, namespace, since, socket: ws, rooms: new Set(), received: [] };
      self.connections.push(connection);
      ws.on('message', (raw: Buffer, isBinary) => {
        if (isBinary) return;
        let msg: { type?: unknown; room?: unknown };
        try {
          msg = JSON.parse(raw.toString('utf8')) as typeof msg;
        } catch {
          ws.send(JSON.stringify(envelope(null, 'error', { code: 'invalid_message', message: 'not JSON' })));
          return;
        }
        const type = typeof msg.type === 'string' ? msg.type : '';
        const room = typeof msg.room === 'string' ? msg.room : undefined;
        connection.received.push(room === undefined ? { type } : { type, room });
        if (type === 'join_room' && room !== undefined) {
          connection.rooms.add(room);
          ws.send(JSON.stringify(envelope(null, 'room_joined', { room })));
        } else if (type === 'leave_room' && room !== undefined) {
          const was = connection.rooms.delete(room);
          ws.send(JSON.stringify(envelope(null, 'room_left', { room, was_member: was })));
        } else if (type === 'ping') {
          if (self.pongs) ws.send(JSON.stringify(envelope(null, 'pong', {})));
        } else {
          ws.send(JSON.stringify(envelope(null, 'error', { code: 'unknown_type', message: type })));
        }
      });
      if (self.silent) return;
      ws.send(
        JSON.stringify(
          envelope(null, 'connection', { connection_id: connection.id, namespace: `/ws/${namespace}`, last_seq: seq }),
        ),
      );
      if (since !== null) {
        const oldest = stored[0]?.seq ?? seq + 1;
        if (since > seq || since + 1 < oldest) {
          ws.send(JSON.stringify(envelope(null, 'resync_required', { reason: 'since_unavailable', last_seq: seq })));
        } else {
          for (const message of stored) if (message.seq > since) ws.send(message.text);
        }
      }
    });
  });

  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  self.url = `http://127.0.0.1:${String((http.address() as AddressInfo).port)}`;
  return self;
}
