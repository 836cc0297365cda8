// Nothing secret leaves the process: the API token, the basic-auth password (and its hash and header) appear in
// no log line, no metric and no error page, whatever goes wrong.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SimulatedCluster } from '@netpol-exporter/kube-sim';
import bcrypt from 'bcryptjs';
import { expect } from 'chai';
import { EXPORTER_PERMISSIONS } from '../../src/cli/demo.ts';
import { exitOf, spawnExporter } from '../helpers/exporter.ts';
import { eventually } from '../helpers/exposition.ts';
import { request } from '../helpers/http-client.ts';

describe('secrets stay secret', function () {
  this.timeout(120_000);

  it('the token and the basic-auth password reach no log, metric or error page', async () => {
    const token = `tok-${'9f3c'.repeat(10)}`;
    const password = 'pw-Zq8-very-secret';
    const hash = bcrypt.hashSync(password, 4);
    const sim = await SimulatedCluster.start({ namespaceDeletionDelayMs: 100 });
    sim.addToken(token, EXPORTER_PERMISSIONS);
    const dir = await mkdtemp(join(tmpdir(), 'netpol-secrets-'));
    const kubeconfig = join(dir, 'kubeconfig');
    const webConfig = join(dir, 'web.yml');
    await sim.writeKubeconfig(kubeconfig, { token });
    await writeFile(webConfig, `basic_auth_users:\n  prometheus: ${hash}\n`);
    const child = spawnExporter(
      ['--web.listen-address=127.0.0.1:0', '--log.level=debug', `--web.config.file=${webConfig}`],
      { KUBECONFIG: kubeconfig },
    );
    const bodies: string[] = [];
    const auth = `prometheus:${password}`;
    try {
      const url = await eventually(() => {
        const match = /url=(http:\/\/127\.0\.0\.1:\d+)/.exec(child.output());
        if (!match?.[1]) throw new Error(`no url yet: ${child.output()}`);
        return match[1];
      }, 60_000);
      await eventually(
        async () => expect((await request(`${url}/readyz`, { auth })).status).to.equal(200),
        60_000,
      );

      // Error pages: no credentials, wrong ones, the token offered as a bearer, unknown paths, other methods.
      for (const [path, options] of [
        ['/metrics', {}],
        ['/metrics', { auth: 'prometheus:wrong' }],
        ['/metrics', { headers: { authorization: `Bearer ${token}` } }],
        ['/nope', { auth }],
        ['/metrics', { auth, method: 'POST' }],
        [`/${token}`, { auth }],
      ] as const) {
        const res = await request(url + path, options);
        expect(res.status).to.be.within(400, 499);
        bodies.push(res.body, JSON.stringify(res.headers));
      }

      // The API server misbehaves in every way that produces log lines: 403, 500, 429, restarts, 410.
      sim.setPermissions(token, []);
      sim.faults.closeWatches();
      await eventually(() => expect(child.output()).to.contain('forbidden'), 60_000);
      sim.setPermissions(token, EXPORTER_PERMISSIONS);
      sim.faults.failNext(3, { status: 500 });
      sim.faults.closeWatches();
      await sim.restart({ downMs: 200 });
      sim.faults.forgetHistory();
      sim.faults.closeWatches();
      sim.faults.failNext(2, { status: 429, retryAfterSeconds: 1 });
      sim.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'after-faults' } });
      // A broken web config reload is logged too.
      await writeFile(webConfig, 'basic_auth_users:\n  prometheus: [oops]\n');
      await eventually(
        async () => {
          const res = await request(`${url}/metrics`, { auth });
          expect(res.body).to.contain('namespace="after-faults"');
          bodies.push(res.body);
        },
        60_000,
        200,
      );
      await eventually(() => expect(child.output()).to.contain('web config not reloaded'), 60_000);

      const everything = [child.output(), ...bodies].join('\n');
      const authHeader = Buffer.from(auth).toString('base64');
      for (const [what, secret] of [
        ['token', token],
        ['password', password],
        ['bcrypt hash', hash],
        ['Authorization header', authHeader],
      ] as const) {
        expect(everything.includes(secret), `${what} leaked`).to.equal(false);
      }
      // The checks above looked at real output: errors were logged and metrics served.
      expect(child.output()).to.match(/watch failed/);
    } finally {
      child.kill('SIGTERM');
      await exitOf(child);
      await sim.stop();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
