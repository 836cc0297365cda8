// A tiny fake API server that sends what a real one should not: unparsable watch lines, events of unknown types,
// objects without metadata, list items of the wrong shape, a policy for a namespace that does not exist yet,
// duplicate events, and an event split across chunks. The exporter drops and logs the junk, keeps the rest.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import type { Logger } from 'pino';
import { parseFlags, serveFlags } from '../../src/cli/flags.ts';
import { loadKubeConfig } from '../../src/cli/kubeconfig.ts';
import { type RunningExporter, startExporter } from '../../src/cli/serve.ts';
import { createLogger } from '../../src/support/log.ts';
import { eventually, parseExposition } from '../helpers/exposition.ts';
import { expositionProblems, promtoolCheck } from '../helpers/exposition-check.ts';

const ns = (name: string, labels: Record<string, string> = {}) => ({
  kind: 'Namespace',
  apiVersion: 'v1',
  metadata: { name, resourceVersion: '10', labels, creationTimestamp: '2026-01-01T00:00:00Z' },
});
const np = (namespace: string, name: string) => ({
  kind: 'NetworkPolicy',
  apiVersion: 'networking.k8s.io/v1',
  metadata: { name, namespace, resourceVersion: '10' },
  spec: { podSelector: null, policyTypes: ['Ingress', 'Sideways', 42] },
});
const line = (type: string, object: unknown) => `${JSON.stringify({ type, object })}\n`;

describe('malformed input from the API server', function () {
  this.timeout(120_000);
  let server: Server;
  let dir: string;
  let exporter: RunningExporter | undefined;
  const logs: string[] = [];
  const watches: ServerResponse[] = [];

  before(async () => {
    server = createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://x');
      const json = (body: unknown, status = 200) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body));
      };
      const watching = url.searchParams.get('watch') === 'true';
      if (url.pathname === '/api/v1/namespaces' && !watching)
        return json({
          kind: 'NamespaceList',
          metadata: { resourceVersion: '10' },
          items: [ns('good'), { metadata: {} }, null, { metadata: { name: 123 } }, 'a string', ns('doomed')],
        });
      if (url.pathname === '/apis/networking.k8s.io/v1/networkpolicies' && !watching)
        return json({
          kind: 'NetworkPolicyList',
          metadata: { resourceVersion: '10' },
          items: [np('good', 'p')],
        });
      if (watching && url.pathname === '/api/v1/namespaces') {
        res.writeHead(200, { 'content-type': 'application/json' });
        watches.push(res);
        res.write('this is not json\n');
        res.write(line('SIDEWAYS', ns('x')));
        res.write(line('ADDED', { metadata: {} }));
        res.write(line('ADDED', null));
        // One event split across three chunks, with a hostile label value.
        const split = line('ADDED', ns('later', { team: 'a"b\\c\nd 😀' }));
        res.write(split.slice(0, 10));
        setTimeout(() => res.write(split.slice(10, 40)), 50);
        setTimeout(() => res.write(split.slice(40)), 100);
        // The namespace the early policy belongs to arrives after it, twice.
        setTimeout(() => res.write(line('ADDED', ns('future')) + line('ADDED', ns('future'))), 400);
        // A delete delivered twice.
        setTimeout(() => res.write(line('DELETED', ns('doomed')) + line('DELETED', ns('doomed'))), 450);
        return;
      }
      if (watching && url.pathname === '/apis/networking.k8s.io/v1/networkpolicies') {
        res.writeHead(200, { 'content-type': 'application/json' });
        watches.push(res);
        res.write(line('ADDED', np('future', 'early')));
        res.write(line('MODIFIED', np('future', 'early')));
        res.write('{"type":"ADDED","object":{"metadata":{"name":"broken"\n');
        return;
      }
      // Discovery answers that no optional policy kind is served (a failed discovery would leave uncovered
      // namespaces unknown, not the point here); anything else is not served.
      if (url.pathname === '/apis') return json({ kind: 'APIGroupList', apiVersion: 'v1', groups: [] }, 200);
      json({ kind: 'Status', status: 'Failure', code: 404, reason: 'NotFound' }, 404);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    dir = await mkdtemp(join(tmpdir(), 'netpol-malformed-'));
    const kubeconfig = join(dir, 'kubeconfig');
    await writeFile(
      kubeconfig,
      `apiVersion: v1
kind: Config
clusters: [{name: c, cluster: {server: "http://127.0.0.1:${port}", insecure-skip-tls-verify: true}}]
users: [{name: u, user: {token: fake}}]
contexts: [{name: ctx, context: {cluster: c, user: u}}]
current-context: ctx
`,
    );
    const log: Logger = createLogger('debug', 'json', { write: (l: string) => logs.push(l) });
    const config = parseFlags(
      serveFlags,
      ['--web.listen-address=127.0.0.1:0', '--watch.stall-timeout=5s'],
      {},
    );
    exporter = await startExporter(config, loadKubeConfig(kubeconfig, ''), log, {
      backoff: { initialMs: 100, maxMs: 1000 },
    });
  });
  after(async () => {
    for (const res of watches) res.destroy();
    await exporter?.stop();
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
    await rm(dir, { recursive: true, force: true });
  });

  it('keeps the good objects, applies reordered and duplicated events, and drops and logs the junk', async () => {
    const url = exporter?.http.url ?? '';
    const text = await eventually(async () => {
      const body = await (await fetch(`${url}/metrics`)).text();
      const series = parseExposition(body);
      expect(series.get('netpol_namespace_covered{namespace="good"}')).to.equal(1);
      expect(series.get('netpol_namespace_covered{namespace="later"}')).to.equal(0);
      expect(series.get('netpol_namespace_covered{namespace="future"}')).to.equal(1);
      expect(series.get('netpol_namespace_network_policies{namespace="future"}')).to.equal(1);
      expect(series.has('netpol_namespace_covered{namespace="doomed"}')).to.equal(false);
      return body;
    }, 60_000);
    const all = logs.join('');
    expect(all).to.contain('unparsable watch event');
    expect(all).to.contain('watch event of unknown type');
    expect(all).to.contain('malformed object in list');
    expect(all).to.contain('event with a malformed object');
    expect(expositionProblems(text)).to.deep.equal([]);
    const lint = promtoolCheck(text);
    expect(lint.ok, lint.output).to.equal(true);
    expect((await fetch(`${url}/healthz`)).status).to.equal(200);
  });
});
