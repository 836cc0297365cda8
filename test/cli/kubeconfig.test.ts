// Where credentials come from, and the one line a user gets when there are none (serve and audit alike).
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { UsageError } from '../../src/cli/flags.ts';
import { loadKubeConfig } from '../../src/cli/kubeconfig.ts';
import { exitOf, spawnExporter } from '../helpers/exporter.ts';

const KUBECONFIG = `apiVersion: v1
kind: Config
clusters: [{name: c, cluster: {server: "https://127.0.0.1:6443"}}]
users: [{name: u, user: {token: t}}]
contexts: [{name: ctx, context: {cluster: c, user: u}}]
current-context: ctx
`;

describe('kubeconfig', function () {
  this.timeout(60_000);
  let home: string;

  beforeEach(async () => {
    home = await mkdtemp(join(tmpdir(), 'netpol-home-'));
  });
  afterEach(() => rm(home, { recursive: true, force: true }));

  it('reads ~/.kube/config when no flag, no variable and no cluster say otherwise', async () => {
    await mkdir(join(home, '.kube'));
    await writeFile(join(home, '.kube', 'config'), KUBECONFIG);
    expect(loadKubeConfig('', '', { HOME: home }).getCurrentCluster()?.server).to.equal(
      'https://127.0.0.1:6443',
    );
  });

  it('with none at all, says where it looked instead of falling back to localhost:8080', () => {
    expect(() => loadKubeConfig('', '', { HOME: home }))
      .to.throw(UsageError)
      .with.property('message')
      .that.matches(/no cluster configuration found: .*KUBECONFIG.*KUBERNETES_SERVICE_HOST.*\.kube\/config/);
  });

  for (const command of [[], ['audit']])
    it(`\`netpol-exporter ${command.join(' ') || 'serve'}\` exits 2 with that one line`, async () => {
      // Empty, whatever the test's own environment holds: the child must find no configuration at all.
      const child = spawnExporter(command, { HOME: home, KUBECONFIG: '', KUBERNETES_SERVICE_HOST: '' });
      const { code } = await exitOf(child);
      const lines = child.output().trim().split('\n');
      expect(code, child.output()).to.equal(2);
      expect(lines).to.have.length(1);
      expect(lines[0]).to.match(/no cluster configuration found/);
    });
});
