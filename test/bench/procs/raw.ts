/**
 * Benchmark process: the raw baselines a server of our own is measured against, alone in their
 * process as the gateway is in its own: a bare node:http server answering fixed JSON bytes (P5)
 * and a bare `ws` server broadcasting pre-serialized bytes (P4).
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';
import { serveParent } from './ipc.js';

let body = Buffer.from('{}');
const http = createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length });
    res.end(body);
  });
});
http.keepAliveTimeout = 60_000;
await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false });
await new Promise<void>((r) => wss.once('listening', () => r()));

const now = () => performance.timeOrigin + performance.now();

serveParent(
  {
    httpUrl: `http://127.0.0.1:${(http.address() as AddressInfo).port}/`,
    wsUrl: `ws://127.0.0.1:${(wss.address() as AddressInfo).port}/`,
  },
  {
    setBody: (p: { body: string }) => {
      body = Buffer.from(p.body);
    },
    clients: () => wss.clients.size,
    /**
     * Sends `events` messages of `bytes` bytes to every connected client, one event per turn of
     * the event loop (as a server relaying events would), each stamped with its send time.
     */
    broadcast: async (p: { events: number; bytes: number }) => {
      for (let e = 0; e < p.events; e++) {
        const head = `{"id":"1","type":"next","payload":{"t":${now()},"data":"`;
        const msg = Buffer.from(`${head}${'y'.repeat(Math.max(0, p.bytes - head.length - 4))}"}}`);
        for (const c of wss.clients) c.send(msg);
        await new Promise<void>((r) => setImmediate(r));
      }
      return { clients: wss.clients.size };
    },
  },
  async () => {
    for (const c of wss.clients) c.terminate();
    await new Promise<void>((r) => wss.close(() => r()));
    await new Promise<void>((r) => http.close(() => r()));
  },
);
