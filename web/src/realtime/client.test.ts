// @vitest-environment node
// The real-time client against a real WebSocket server on 127.0.0.1 that plays the server's
// protocol (src/test/realtimeServer.ts). Node 20 has no global WebSocket, so the client gets the
// `ws` package's (a test-only dependency); the browser build uses the platform's.

import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { ApiClient } from '../api/client';
import { envelope, startProtocolServer, type ProtocolServer } from '../test/realtimeServer';
import {
  backoffDelay,
  RealtimeClient,
  type ConnectionState,
  type RealtimeClientOptions,
  type RealtimeMessage,
  type ResyncInfo,
  type RetryInfo,
} from './client';

let server: ProtocolServer | undefined;
const clients: RealtimeClient[] = [];

afterEach(async () => {
  for (const client of clients.splice(0)) client.stop();
  await server?.close();
  server = undefined;
});

interface Recorded {
  client: RealtimeClient;
  messages: RealtimeMessage[];
  seqs: () => (number | null)[];
  resyncs: ResyncInfo[];
  states: ConnectionState[];
  retries: (RetryInfo & { at: number })[];
  signedOut: number;
}

/** A started client with short timings, recording everything it reports. */
function connect(s: ProtocolServer, options: Partial<RealtimeClientOptions> = {}): Recorded {
  const api = new ApiClient({ baseUrl: s.url });
  const client = new RealtimeClient({
    namespace: 'lockers',
    api,
    webSocket: (url) => new WebSocket(url),
    backoff: { baseMs: 20, capMs: 200 },
    stableMs: 5_000,
    connectTimeoutMs: 1_000,
    heartbeatMs: 0,
    fallbackAfter: Infinity,
    pollIntervalMs: 50,
    ...options,
  });
  clients.push(client);
  const recorded: Recorded = {
    client,
    messages: [],
    seqs: () => recorded.messages.map((m) => m.seq),
    resyncs: [],
    states: [],
    retries: [],
    signedOut: 0,
  };
  client.subscribe('*', (message) => recorded.messages.push(message));
  client.on('resync', (info) => recorded.resyncs.push(info));
  client.on('state', (state) => recorded.states.push(state));
  client.on('retry', (info) => recorded.retries.push({ ...info, at: Date.now() }));
  client.on('signed_out', () => (recorded.signedOut += 1));
  client.start();
  return recorded;
}

const lockerChange = (locker: number, kiosk = 'men') => ({
  kiosk_id: kiosk,
  locker,
  old_state: 'free',
  new_state: 'owned',
  action: 'locker_assigned',
});
const roomsFor = (locker: number, kiosk = 'men') => [`kiosk:${kiosk}`, `locker:${kiosk}:${String(locker)}`];

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('backoff', () => {
  it('draws full jitter in [0, min(cap, base · 2^retry))', () => {
    const options = { baseMs: 500, capMs: 30_000 };
    for (let retry = 0; retry < 12; retry++) {
      const ceiling = Math.min(30_000, 500 * 2 ** retry);
      expect(backoffDelay(retry, options, () => 0)).toBe(0);
      const top = backoffDelay(retry, options, () => 0.999_999_9);
      expect(top).toBeLessThan(ceiling);
      expect(top).toBeGreaterThanOrEqual(ceiling - 1);
      for (let i = 0; i < 200; i++) {
        const delay = backoffDelay(retry, options);
        expect(delay).toBeGreaterThanOrEqual(0);
        expect(delay).toBeLessThan(ceiling);
      }
    }
    expect(backoffDelay(1_000, options, () => 0.5)).toBe(15_000);
  });

  it('spreads the delays (jitter), not the same number every time', () => {
    const delays = new Set(Array.from({ length: 50 }, () => backoffDelay(6, { baseMs: 500, capMs: 30_000 })));
    expect(delays.size).toBeGreaterThan(40);
  });

  it('waits the drawn delay between real attempts, grows to the cap and resets once stable', async () => {
    server = await startProtocolServer();
    const s = server;
    s.refuse = 503;
    const r = connect(s, { random: () => 0.999, backoff: { baseMs: 20, capMs: 160 }, stableMs: 150 });

    await s.waitFor(() => s.upgrades.length >= 7, 5_000);
    const delays = r.retries.slice(0, 6).map((x) => x.delayMs);
    expect(delays).toEqual([19, 39, 79, 159, 159, 159]);
    for (let i = 1; i < 7; i++) {
      const gap = (s.upgrades[i]?.at ?? 0) - (s.upgrades[i - 1]?.at ?? 0);
      // The timer never fires early (allow 2 ms of clock granularity).
      expect(gap).toBeGreaterThanOrEqual((delays[i - 1] ?? 0) - 2);
    }
    expect(r.client.state).toBe('connecting');

    // Let it connect and stay up past stableMs: the next drop starts again from retry 0.
    s.refuse = false;
    await s.waitFor(() => r.client.state === 'open', 2_000);
    await sleep(250);
    const before = r.retries.length;
    s.dropAll();
    await s.waitFor(() => r.retries.length > before);
    expect(r.retries[before]).toMatchObject({ retry: 0, delayMs: 19 });
  });

  it('does not reset the backoff for a connection that drops at once (flapping)', async () => {
    server = await startProtocolServer();
    const s = server;
    const r = connect(s, { random: () => 0.999, backoff: { baseMs: 10, capMs: 1_000 }, stableMs: 10_000 });
    for (let i = 0; i < 3; i++) {
      await s.waitFor(() => s.open().length === 1 && r.client.state === 'open');
      s.dropAll();
      await s.waitFor(() => r.retries.length === i + 1);
    }
    expect(r.retries.map((x) => x.retry)).toEqual([0, 1, 2]);
  });
});

describe('connecting', () => {
  it('fetches a fresh ticket for every attempt and starts at the server position', async () => {
    server = await startProtocolServer();
    const s = server;
    s.publish('locker_state_changed', lockerChange(1), roomsFor(1));
    s.publish('locker_state_changed', lockerChange(2), roomsFor(2));
    const r = connect(s);

    await s.waitFor(() => r.client.state === 'open');
    expect(r.client.lastSeq).toBe(2);
    expect(r.resyncs).toEqual([{ reason: 'initial', lastSeq: 2 }]);
    expect(s.upgrades[0]).toMatchObject({ namespace: 'lockers', since: null, accepted: true });
    expect(r.states).toEqual(['connecting', 'open']);

    s.dropAll();
    await s.waitFor(() => s.upgrades.length === 2 && r.client.state === 'open');
    expect(s.ticketRequests).toHaveLength(2);
    expect(s.upgrades[1]?.ticket).not.toBe(s.upgrades[0]?.ticket);
    expect(s.upgrades[1]?.since).toBe(2);
  });

  it('sends the CSRF token of the signed-in ApiClient with the ticket request', async () => {
    server = await startProtocolServer();
    const s = server;
    const api = new ApiClient({
      baseUrl: s.url,
      fetch: (input, init) =>
        input.endsWith('/auth/login')
          ? Promise.resolve(
              new Response(JSON.stringify({ user: { id: 'u', username: 'a', role: 'admin' }, csrf_token: 'tok-1' }), {
                status: 200,
              }),
            )
          : globalThis.fetch(input, init),
    });
    await api.login({ username: 'a', password: 'b' });
    const r = connect(s, { api });
    await s.waitFor(() => r.client.state === 'open');
    expect(s.ticketRequests[0]?.csrf).toBe('tok-1');
  });
});

describe('replay', () => {
  it('reconnects with since=<last seq> and gets what it missed, in order, once, before live ones', async () => {
    server = await startProtocolServer();
    const s = server;
    const r = connect(s);
    await s.waitFor(() => r.client.state === 'open');
    for (const n of [1, 2, 3]) s.publish('locker_state_changed', lockerChange(n), roomsFor(n));
    await s.waitFor(() => r.messages.length === 3);

    // The server goes away; changes happen while the client cannot connect.
    s.refuse = 503;
    s.dropAll({ code: 1001, reason: 'server going away' });
    await s.waitFor(() => r.client.state === 'connecting');
    for (const n of [4, 5]) s.publish('locker_state_changed', lockerChange(n), roomsFor(n));
    await s.waitFor(() => s.upgrades.length >= 3, 3_000);
    s.refuse = false;
    await s.waitFor(() => r.messages.length === 5);
    s.publish('locker_state_changed', lockerChange(6), roomsFor(6));
    await s.waitFor(() => r.messages.length === 6);

    const accepted = s.upgrades.filter((u) => u.accepted);
    expect(accepted.map((u) => u.since)).toEqual([null, 3]);
    expect(r.seqs()).toEqual([1, 2, 3, 4, 5, 6]);
    expect(r.messages.map((m) => (m.data as { locker: number }).locker)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(r.resyncs.map((x) => x.reason)).toEqual(['initial']);
    expect(r.client.lastSeq).toBe(6);
  });

  it('also recovers from a connection cut without a close frame', async () => {
    server = await startProtocolServer();
    const s = server;
    const r = connect(s);
    await s.waitFor(() => r.client.state === 'open');
    s.publish('locker_state_changed', lockerChange(1), roomsFor(1));
    await s.waitFor(() => r.messages.length === 1);
    s.dropAll('terminate');
    s.publish('locker_state_changed', lockerChange(2), roomsFor(2));
    await s.waitFor(() => r.messages.length === 2);
    expect(r.seqs()).toEqual([1, 2]);
    expect(s.upgrades.at(-1)?.since).toBe(1);
  });
});

describe('ordering', () => {
  it('never delivers a seq at or below the last one, and reports a gap as a resync', async () => {
    server = await startProtocolServer();
    const s = server;
    const r = connect(s);
    await s.waitFor(() => r.client.state === 'open' && s.open().length === 1);
    const conn = s.open()[0];
    if (!conn) throw new Error('no connection');
    const frame = (seq: number) => envelope(seq, 'locker_state_changed', lockerChange(seq), roomsFor(seq));
    for (const seq of [1, 2, 2, 1, 3]) s.send(conn, frame(seq));
    s.send(conn, envelope(null, 'locker_state_changed', { ...lockerChange(9), new_state: 'opening', transient: true }));
    s.send(conn, frame(6)); // 4 and 5 never came
    s.send(conn, frame(5)); // late: dropped
    s.send(conn, frame(7));
    await s.waitFor(() => r.client.lastSeq === 7 && r.messages.length === 6);
    await sleep(50);

    expect(r.seqs()).toEqual([1, 2, 3, null, 6, 7]);
    expect(r.resyncs).toEqual([
      { reason: 'initial', lastSeq: 0 },
      { reason: 'gap', lastSeq: 6 },
    ]);
  });

  it('continues from the server position after resync_required (since too old)', async () => {
    server = await startProtocolServer();
    const s = server;
    const r = connect(s);
    await s.waitFor(() => r.client.state === 'open');
    s.publish('locker_state_changed', lockerChange(1), roomsFor(1));
    await s.waitFor(() => r.client.lastSeq === 1);
    s.refuse = 503;
    s.dropAll();
    for (const n of [2, 3, 4, 5]) s.publish('locker_state_changed', lockerChange(n), roomsFor(n));
    s.purge(3); // the server no longer keeps 2 and 3
    await s.waitFor(() => s.upgrades.length >= 2);
    s.refuse = false;
    await s.waitFor(() => r.resyncs.length === 2);
    expect(r.resyncs[1]).toEqual({ reason: 'since_unavailable', lastSeq: 5 });
    expect(r.client.lastSeq).toBe(5);
    expect(r.client.state).toBe('open');

    s.publish('locker_state_changed', lockerChange(6), roomsFor(6));
    await s.waitFor(() => r.client.lastSeq === 6);
    expect(r.seqs()).toEqual([1, 6]);
    s.dropAll();
    await s.waitFor(() => s.upgrades.filter((u) => u.accepted).length === 3);
    expect(s.upgrades.at(-1)?.since).toBe(6);
  });

  it('treats a server whose log went backwards (since in the future) as a resync', async () => {
    server = await startProtocolServer();
    const s = server;
    const r = connect(s, { since: 40 });
    await s.waitFor(() => r.resyncs.length === 1);
    expect(s.upgrades[0]?.since).toBe(40);
    expect(r.resyncs[0]).toEqual({ reason: 'since_unavailable', lastSeq: 0 });
    s.publish('locker_state_changed', lockerChange(1), roomsFor(1));
    await s.waitFor(() => r.messages.length === 1);
    expect(r.seqs()).toEqual([1]);
  });
});

describe('signed out', () => {
  it('stops on close code 4401 and does not reconnect', async () => {
    server = await startProtocolServer();
    const s = server;
    const r = connect(s);
    await s.waitFor(() => r.client.state === 'open');
    s.dropAll({ code: 4401, reason: 'session ended' });
    await s.waitFor(() => r.signedOut === 1);
    await sleep(300);
    expect(r.client.state).toBe('closed');
    expect(s.upgrades).toHaveLength(1);
    expect(s.ticketRequests).toHaveLength(1);
    expect(r.signedOut).toBe(1);
  });

  it('stops when the ticket request answers 401', async () => {
    server = await startProtocolServer();
    const s = server;
    s.ticketStatus = 401;
    const r = connect(s);
    await s.waitFor(() => r.signedOut === 1);
    await sleep(200);
    expect(s.ticketRequests).toHaveLength(1);
    expect(s.upgrades).toHaveLength(0);
    expect(r.client.state).toBe('closed');
  });

  it('keeps retrying while the ticket endpoint fails for other reasons', async () => {
    server = await startProtocolServer();
    const s = server;
    s.ticketStatus = 503;
    const r = connect(s, { fallbackAfter: 2 });
    await s.waitFor(() => s.ticketRequests.length >= 4);
    expect(r.client.state).toBe('connecting'); // a failing server is not "WebSockets blocked"
    s.ticketStatus = 201;
    await s.waitFor(() => r.client.state === 'open');
    expect(r.signedOut).toBe(0);
  });
});

describe('rooms', () => {
  it('re-joins its rooms after every reconnect and only delivers their messages', async () => {
    server = await startProtocolServer();
    const s = server;
    const r = connect(s, { rooms: ['kiosk:men'] });
    await s.waitFor(() => s.open()[0]?.rooms.has('kiosk:men'));
    r.client.join('locker:women:2');
    await s.waitFor(() => s.open()[0]?.rooms.has('locker:women:2'));

    s.publish('locker_state_changed', lockerChange(1, 'women'), roomsFor(1, 'women'));
    s.publish('locker_state_changed', lockerChange(1), roomsFor(1));
    s.publish('locker_state_changed', lockerChange(2, 'women'), roomsFor(2, 'women'));
    await s.waitFor(() => r.messages.length === 2);

    // Reconnect: the replay after since carries every room; the client still filters.
    s.refuse = 503;
    s.dropAll();
    s.publish('locker_state_changed', lockerChange(3, 'women'), roomsFor(3, 'women'));
    s.publish('locker_state_changed', lockerChange(4), roomsFor(4));
    await s.waitFor(() => s.upgrades.length >= 2);
    s.refuse = false;
    await s.waitFor(() => s.open()[0]?.rooms.size === 2);
    const second = s.open()[0];
    expect(second?.received).toEqual([
      { type: 'join_room', room: 'kiosk:men' },
      { type: 'join_room', room: 'locker:women:2' },
    ]);
    await s.waitFor(() => r.messages.length === 3);
    expect(r.messages.map((m) => m.rooms?.[1])).toEqual(['locker:men:1', 'locker:women:2', 'locker:men:4']);
    expect(r.client.lastSeq).toBe(5);
    // Rooms make gaps normal: no resync was asked for.
    expect(r.resyncs.map((x) => x.reason)).toEqual(['initial']);

    r.client.leave('locker:women:2');
    await s.waitFor(() => second?.rooms.size === 1);
    expect(r.client.rooms).toEqual(['kiosk:men']);
  });

  it('lets subscribers narrow by type and room without narrowing the shared stream', async () => {
    server = await startProtocolServer();
    const s = server;
    const r = connect(s);
    const menChanges: number[] = [];
    const commands: string[] = [];
    r.client.subscribe('locker_state_changed', (event) => menChanges.push(event.data.locker), { room: 'kiosk:men' });
    const off = r.client.subscribe('command_applied', (event) => commands.push(event.data.result.state));
    await s.waitFor(() => r.client.state === 'open');
    s.publish('locker_state_changed', lockerChange(1, 'women'), roomsFor(1, 'women'));
    s.publish('locker_state_changed', lockerChange(2), roomsFor(2));
    s.publish(
      'command_applied',
      {
        command: { id: 'c1', kiosk_id: 'men', locker: 2, issued_by: 'user:admin' },
        result: { success: true, state: 'succeeded', error: null, timestamp: new Date().toISOString() },
      },
      roomsFor(2),
    );
    await s.waitFor(() => r.messages.length === 3);
    off();
    s.publish('command_applied', { command: {}, result: { state: 'failed' } }, roomsFor(2));
    await s.waitFor(() => r.messages.length === 4);
    expect(menChanges).toEqual([2]);
    expect(commands).toEqual(['succeeded']);
  });

  it('reports a refused client message without dropping the connection', async () => {
    server = await startProtocolServer();
    const s = server;
    const r = connect(s);
    const errors: string[] = [];
    r.client.on('server_error', (e) => errors.push(e.code));
    await s.waitFor(() => r.client.state === 'open' && s.open().length === 1);
    const conn = s.open()[0];
    if (!conn) throw new Error('no connection');
    s.send(conn, envelope(null, 'error', { code: 'invalid_room', message: 'bad room' }));
    await s.waitFor(() => errors.length === 1);
    expect(errors).toEqual(['invalid_room']);
    expect(r.client.state).toBe('open');
  });
});

describe('liveness', () => {
  it('abandons a socket that stops answering pings and reconnects with since', async () => {
    server = await startProtocolServer();
    const s = server;
    s.pongs = false;
    const r = connect(s, { heartbeatMs: 40, heartbeatTimeoutMs: 60 });
    await s.waitFor(() => r.client.state === 'open');
    s.publish('locker_state_changed', lockerChange(1), roomsFor(1));
    await s.waitFor(() => s.upgrades.length >= 2, 2_000);
    expect(s.connections[0]?.received.some((m) => m.type === 'ping')).toBe(true);
    expect(s.upgrades[1]?.since).toBe(1);
  });

  it('abandons a socket that never sends the welcome', async () => {
    server = await startProtocolServer();
    const s = server;
    s.silent = true;
    const r = connect(s, { connectTimeoutMs: 100 });
    await s.waitFor(() => s.upgrades.length >= 2, 2_000);
    expect(r.client.state).toBe('connecting');
    s.silent = false;
    await s.waitFor(() => r.client.state === 'open', 2_000);
  });
});

describe('polling fallback', () => {
  const logItem = (seq: number, locker: number) => ({
    seq,
    ts: new Date().toISOString(),
    type: 'locker_assigned',
    kiosk: 'men',
    locker,
    actor: 'kiosk:men',
    data: { old_state: 'free', new_state: 'owned', owner_hint: '…C3D4', version: 2 },
  });

  it('polls /api/events when WebSockets are blocked, keeps trying them, and stops once one opens', async () => {
    server = await startProtocolServer();
    const s = server;
    s.log.push(logItem(10, 3));
    s.refuse = 'destroy';
    const r = connect(s, { fallbackAfter: 3, pollLimit: 20, backoff: { baseMs: 20, capMs: 100 } });

    await s.waitFor(() => r.client.state === 'polling');
    expect(s.upgrades.length).toBeGreaterThanOrEqual(3);
    await s.waitFor(() => r.resyncs.length === 1);
    expect(r.resyncs[0]?.reason).toBe('polling');
    expect(s.eventRequests[0]).toBe('?limit=20');

    // A change made meanwhile arrives as the namespace's own event type.
    s.log.push(logItem(11, 5), { ...logItem(12, 0), type: 'kiosk_paired', locker: null });
    await s.waitFor(() => r.messages.length === 1);
    expect(r.messages[0]).toMatchObject({
      seq: null,
      type: 'locker_state_changed',
      room: 'kiosk:men',
      data: { kiosk_id: 'men', locker: 5, new_state: 'owned', action: 'locker_assigned', owner_hint: '…C3D4' },
    });
    // WebSockets are still being tried in the background.
    const attempts = s.upgrades.length;
    await s.waitFor(() => s.upgrades.length > attempts, 2_000);
    expect(r.client.state).toBe('polling');

    s.refuse = false;
    await s.waitFor(() => r.client.state === 'open', 3_000);
    const polls = s.eventRequests.length;
    await sleep(200);
    expect(s.eventRequests.length).toBe(polls);
    expect(r.states).toEqual(['connecting', 'polling', 'open']);
  });

  it('asks for a resync when more changed than one page of the log shows', async () => {
    server = await startProtocolServer();
    const s = server;
    s.refuse = 503;
    const r = connect(s, { fallbackAfter: 1, pollLimit: 2 });
    await s.waitFor(() => r.resyncs.length === 1);
    s.log.push(logItem(1, 1), logItem(2, 2), logItem(3, 3));
    await s.waitFor(() => r.resyncs.length === 2);
    expect(r.resyncs.map((x) => x.reason)).toEqual(['polling', 'polling']);
    expect(r.messages).toEqual([]);
  });

  it('uses a caller-supplied poll function', async () => {
    server = await startProtocolServer();
    const s = server;
    s.refuse = 503;
    let calls = 0;
    const r = connect(s, {
      fallbackAfter: 2,
      poll: ({ first }) => {
        calls += 1;
        return Promise.resolve(
          first ? undefined : { messages: [envelope(null, 'broadcast', { text: `poll ${String(calls)}` })] },
        );
      },
    });
    await s.waitFor(() => r.messages.length >= 2);
    expect(r.messages[0]).toMatchObject({ type: 'broadcast', data: { text: 'poll 2' } });
    expect(s.eventRequests).toHaveLength(0);
  });

  it('stops polling and reports signed out when a poll answers 401', async () => {
    server = await startProtocolServer();
    const s = server;
    s.refuse = 503;
    const r = connect(s, { fallbackAfter: 1, backoff: { baseMs: 5_000, capMs: 5_000 } });
    await s.waitFor(() => r.client.state === 'polling' && s.eventRequests.length >= 2);
    s.eventsStatus = 401;
    await s.waitFor(() => r.signedOut === 1, 2_000);
    const polls = s.eventRequests.length;
    await sleep(150);
    expect(s.eventRequests).toHaveLength(polls);
    expect(r.client.state).toBe('closed');
  });
});
