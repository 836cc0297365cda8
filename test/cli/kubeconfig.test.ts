// Where credentials come from, and the one line a user gets when there are none (serve and audit alike).
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ALL_PERMISSIONS, SimulatedCluster } from '@netpol-exporter/kube-sim';
import { expect } from 'chai';
import YAML from 'yaml';
import { UsageError } from '../../src/cli/flags.ts';
import { loadKubeConfig } from '../../src/cli/kubeconfig.ts';
import { KubeApi } from '../../src/watch/kube-api.ts';
import { TOKEN_REREAD_MS, TokenFileAuth } from '../../src/watch/token-file.ts';
import { exitOf, spawnExporter } from '../helpers/exporter.ts';

const KUBECONFIG = `apiVersion: v1
kind: Config
clusters: [{name: c, cluster: {server: "https://127.0.0.1:6443"}}]
users: [{name: u, user: {token: t}}]
contexts: [{name: ctx, context: {cluster: c, user: u}}]
current-context: ctx
`;

describe('kubeconfig', () => {
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

  describe('token files, read as client-go reads them', () => {
    let sim: SimulatedCluster;
    beforeEach(async () => {
      sim = await SimulatedCluster.start();
    });
    afterEach(() => sim.stop());

    /** The simulator's kubeconfig with the user's token moved into a file (a path relative to the kubeconfig). */
    async function kubeconfigWithTokenFile(key: 'tokenFile' | 'token-file', token: string): Promise<string> {
      const doc = YAML.parse(sim.kubeconfig()) as { users: { user: Record<string, string> }[] };
      const user = doc.users[0]?.user ?? {};
      delete user.token;
      user[key] = 'sa-token';
      await writeFile(join(home, 'sa-token'), `${token}\n`);
      await writeFile(join(home, 'kubeconfig'), YAML.stringify(doc));
      return join(home, 'kubeconfig');
    }
    const list = (api: KubeApi) =>
      api.listAll('/api/v1/namespaces', 50).then(
        () => 200,
        (err: { statusCode?: number }) => err.statusCode,
      );

    for (const key of ['tokenFile', 'token-file'] as const)
      it(`takes \`${key}\`, and after a 401 reads the rotated token at once`, async () => {
        sim.addToken('first-token', ALL_PERMISSIONS);
        const api = new KubeApi(loadKubeConfig(await kubeconfigWithTokenFile(key, 'first-token'), ''));
        expect(await list(api)).to.equal(200);
        // The token rotates: the old one is revoked and the file holds the new one.
        sim.removeToken('first-token');
        sim.addToken('second-token', ALL_PERMISSIONS);
        await writeFile(join(home, 'sa-token'), 'second-token\n');
        expect(await list(api), 'the token read a moment ago').to.equal(401);
        expect(await list(api), 'the file read again after the 401').to.equal(200);
      });

    it('reads the file again once a minute old, and keeps the last token while the file cannot be read', async () => {
      let now = 0;
      const auth = new TokenFileAuth(() => now);
      const path = join(home, 'token');
      await writeFile(path, 'one');
      expect(auth.token(path)).to.equal('one');
      await writeFile(path, 'two');
      now += TOKEN_REREAD_MS - 1;
      expect(auth.token(path)).to.equal('one');
      now += 1;
      expect(auth.token(path)).to.equal('two');
      await rm(path);
      now += TOKEN_REREAD_MS;
      expect(auth.token(path)).to.equal('two');
      expect(TOKEN_REREAD_MS).to.be.within(30_000, 60_000);
    });

    it('names the user and the file when the token file cannot be read', async () => {
      const file = await kubeconfigWithTokenFile('tokenFile', 'any');
      await rm(join(home, 'sa-token'));
      expect(() => loadKubeConfig(file, ''))
        .to.throw(UsageError)
        .with.property('message')
        .that.matches(
          /^cannot load kubeconfig .*: user "netpol-simulator-user": cannot read token file .*sa-token/,
        );
    });
  });
});
