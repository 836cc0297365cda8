// runSimulate: what `netpol-exporter simulate` does once flags are parsed.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { SimulatedCluster } from '@netpol-exporter/kube-sim';
import { expect } from 'chai';
import { runSimulate } from '../../src/cli/simulate.ts';

describe('simulator CLI: runSimulate', function () {
  this.timeout(30_000);
  let dir: string;
  let sim: SimulatedCluster | undefined;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'netpol-sim-cli-'));
  });
  after(async () => {
    await sim?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('seeds a scenario and a scale, writes a kubeconfig kubectl can use, and says how', async () => {
    const lines: string[] = [];
    const kubeconfigOut = join(dir, 'kc.yaml');
    sim = await runSimulate(
      {
        scenario: join(import.meta.dirname, '../../packages/kube-sim/test/fixtures/cluster.yaml'),
        scale: { namespaces: 50, policiesPerNamespace: 2 },
        kubeconfigOut,
      },
      (l) => lines.push(l),
    );
    expect(lines.join('\n'))
      .to.contain(sim.url)
      .and.contain(kubeconfigOut)
      .and.contain('kubectl --kubeconfig');
    expect(await readFile(kubeconfigOut, 'utf8')).to.contain('certificate-authority-data');
    const { stdout } = await promisify(execFile)('/usr/bin/kubectl', [
      '--kubeconfig',
      kubeconfigOut,
      '--cache-dir',
      join(dir, 'cache'),
      'get',
      'netpol',
      '-A',
      '--no-headers',
    ]);
    // 45 covered generated namespaces x 2 policies + the scenario's 2.
    expect(stdout.trim().split('\n')).to.have.length(92);
  });
});
