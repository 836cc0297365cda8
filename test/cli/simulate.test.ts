// `netpol-exporter simulate`: runSimulate (what it does once flags are parsed) and the command as a process.
import { execFile, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { SimulatedCluster } from '@netpol-exporter/kube-sim';
import { expect } from 'chai';
import { runSimulate } from '../../src/cli/simulate.ts';
import { MAIN, NODE, ROOT } from '../helpers/exporter.ts';

const SIGTERM_ON_FIRST_OUTPUT = join(ROOT, 'test/helpers/sigterm-on-first-output.ts');

describe('netpol-exporter simulate', function () {
  this.timeout(120_000);
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

  it('exits 0 on SIGTERM sent the moment it starts printing (a supervisor waiting for the URL)', async () => {
    const child = spawn(
      NODE,
      [
        '--conditions=netpol-source',
        '--import',
        'tsx',
        '--import',
        SIGTERM_ON_FIRST_OUTPUT,
        MAIN,
        'simulate',
      ],
      { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let output = '';
    child.stdout.on('data', (d: Buffer) => {
      output += d;
    });
    child.stderr.on('data', (d: Buffer) => {
      output += d;
    });
    const [code, signal] = await new Promise<[number | null, string | null]>((resolve) =>
      child.once('close', (c, s) => resolve([c, s])),
    );
    expect({ code, signal }, output).to.deep.equal({ code: 0, signal: null });
    expect(output).to.contain('shutting down');
  });
});
