// One watch request against a stand-in API server that sends exactly what each test scripts.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';
import { expect } from 'chai';
import { KubeApi } from '../../src/watch/kube-api.ts';
import { StreamWatch } from '../../src/watch/stream-watch.ts';
import { type RestartReason, WatchStatus } from '../../src/watch/watch-status.ts';
import { eventually } from '../helpers/exposition.ts';

const ns = (name: string, resourceVersion: string) => ({
  kind: 'Namespace',
  apiVersion: 'v1',
  metadata: { name, resourceVersion },
});
const line = (type: string, object: unknown) => `${JSON.stringify({ type, object })}\n`;

describe('StreamWatch', function () {
  this.timeout(120_000);
  let server: Server;
  let kc: KubeConfig;
  let respond: (req: IncomingMessage, res: ServerResponse) => void = () => {};
  const open: ServerResponse[] = [];

  before(async () => {
    server = createServer((req, res) => {
      open.push(res);
      respond(req, res);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    kc = new KubeConfig();
    kc.loadFromOptions({
      clusters: [{ name: 'c', server: `http://127.0.0.1:${port}`, skipTLSVerify: true }],
      users: [{ name: 'u', token: 'fake' }],
      contexts: [{ name: 'ctx', cluster: 'c', user: 'u' }],
      currentContext: 'ctx',
    });
  });
  afterEach(() => {
    for (const res of open.splice(0)) res.destroy();
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  function start(stallTimeoutMs = 10_000) {
    const status = new WatchStatus('namespaces');
    const seen = { events: [] as string[], malformed: [] as string[], restarts: [] as RestartReason[] };
    const done: unknown[] = [];
    let live = 0;
    const watch = new StreamWatch({
      api: new KubeApi(kc, (verb, _path, code) => status.countRequest(verb, code)),
      status,
      stallTimeoutMs,
      slim: (obj) => ((obj as { metadata?: unknown } | null)?.metadata ? obj : undefined),
      onRestart: (reason) => seen.restarts.push(reason),
      onMalformed: (detail) => seen.malformed.push(detail),
      onLive: () => {
        live++;
      },
    });
    const controller = watch.watch(
      '/api/v1/namespaces',
      { resourceVersion: '1' },
      (phase, obj) =>
        seen.events.push(`${phase} ${(obj as { metadata?: { name?: string } }).metadata?.name ?? ''}`),
      (err) => done.push(err),
    );
    return { status, seen, done, live: () => live, stop: async () => (await controller).abort() };
  }

  it('logs and skips watch lines that are valid JSON but not an event object, and keeps watching', async () => {
    respond = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('null\n42\n"a string"\n[1,2]\ntrue\n');
      res.write(line('toString', ns('proto', '2')));
      res.write(line('ADDED', ns('kept', '3')));
    };
    const w = start();
    try {
      await eventually(() => expect(w.seen.events).to.deep.equal(['ADDED kept']));
      expect(w.seen.malformed.filter((m) => m.includes('not an object'))).to.have.length(5);
      expect(w.seen.malformed.some((m) => m.includes('unknown type "toString"'))).to.equal(true);
      expect(w.done, 'the watch did not end').to.deep.equal([]);
      expect(w.seen.restarts).to.deep.equal([]);
      expect([...w.status.events]).to.deep.equal([['added', 1]]);
    } finally {
      await w.stop();
    }
  });

  it('is not up on response headers alone: up waits for the first event or bookmark', async () => {
    let send: (text: string) => void = () => {};
    respond = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.flushHeaders();
      send = (text) => res.write(text);
    };
    const w = start();
    try {
      // The 200 and its headers have reached the client; give it every chance to mark the watch up on them.
      await eventually(() => expect(w.status.requests.get('watch 200')).to.equal(1));
      await new Promise((r) => setImmediate(r));
      expect(w.status.up).to.equal(false);
      expect(w.live()).to.equal(0);
      send(line('BOOKMARK', { kind: 'Namespace', metadata: { resourceVersion: '7' } }));
      await eventually(() => expect(w.status.up).to.equal(true));
      send(line('ADDED', ns('a', '8')));
      await eventually(() => expect(w.seen.events).to.deep.equal(['BOOKMARK ', 'ADDED a']));
      expect(w.live(), 'onLive once per watch request').to.equal(1);
    } finally {
      await w.stop();
    }
  });

  it('goes down when the watch stalls, and stays up across a clean end', async () => {
    respond = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(line('ADDED', ns('a', '2')));
    };
    const clean = start();
    await eventually(() => expect(clean.done).to.deep.equal([null]));
    expect(clean.seen.restarts).to.deep.equal(['closed']);
    expect(clean.status.up, 'a clean end loses nothing').to.equal(true);

    respond = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write(line('ADDED', ns('a', '2')));
    };
    const stalled = start(300);
    try {
      await eventually(() => expect(stalled.seen.restarts).to.deep.equal(['stalled']));
      expect(stalled.status.up).to.equal(false);
    } finally {
      await stalled.stop();
    }
  });
});
