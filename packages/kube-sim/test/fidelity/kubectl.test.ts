// Fidelity: the real kubectl (v1.32) against the simulator through the kubeconfig it writes, with no extra flags.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { SimulatedCluster } from '../../src/index.ts';
import { eventually } from '../helpers/poll.ts';

const KUBECTL = '/usr/bin/kubectl';

describe('simulator fidelity: kubectl', function () {
  this.timeout(120_000);
  let sim: SimulatedCluster;
  let dir: string;
  let kubeconfig: string;
  const spawned: ChildProcess[] = [];

  function kubectl(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    return new Promise((resolve) => {
      execFile(
        KUBECTL,
        // A fresh discovery cache per run, so discovery is really exercised (kubectl caches it per server).
        ['--kubeconfig', kubeconfig, '--cache-dir', join(dir, 'cache'), ...args],
        { timeout: 90_000 },
        (err, stdout, stderr) => {
          const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
          resolve({ code, stdout, stderr });
        },
      );
    });
  }

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'netpol-sim-kubectl-'));
    sim = await SimulatedCluster.start();
    kubeconfig = join(dir, 'kubeconfig');
    await sim.writeKubeconfig(kubeconfig);
    await sim.loadManifests(join(import.meta.dirname, '../fixtures/cluster.yaml'));
  });

  after(async () => {
    for (const p of spawned) p.kill('SIGKILL');
    await sim.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('get ns lists every namespace with STATUS and AGE columns', async () => {
    const r = await kubectl('get', 'ns');
    expect(r.stderr).to.equal('');
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]).to.match(/^NAME\s+STATUS\s+AGE$/);
    const names = lines.slice(1).map((l) => l.split(/\s+/)[0]);
    expect(names).to.deep.equal([
      'default',
      'implicit-ns',
      'kube-node-lease',
      'kube-public',
      'kube-system',
      'payments',
    ]);
    expect(lines[1]).to.match(/^default\s+Active\s+\d+s$/);
  });

  it('get netpol -A prints namespace, name and pod selector', async () => {
    const r = await kubectl('get', 'netpol', '-A');
    expect(r.code).to.equal(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]).to.match(/^NAMESPACE\s+NAME\s+POD-SELECTOR\s+AGE$/);
    expect(lines.slice(1).map((l) => l.split(/\s+/).slice(0, 3).join(' '))).to.deep.equal([
      'implicit-ns allow-web app=web',
      'payments default-deny-all <none>',
    ]);
  });

  it('get -o json returns list items without kind, as the real server', async () => {
    const r = await kubectl('get', 'ns', 'payments', '-o', 'json');
    const obj = JSON.parse(r.stdout) as { kind: string; metadata: { labels: Record<string, string> } };
    expect(obj.kind).to.equal('Namespace');
    expect(obj.metadata.labels).to.deep.equal({ 'kubernetes.io/metadata.name': 'payments', team: 'pay' });
  });

  it('get -l selects with the server-side selector, and a bad one is the server 400 kubectl shows', async () => {
    let r = await kubectl('get', 'ns', '-l', 'team in(pay),!tier', '-o', 'name');
    expect(r.stderr).to.equal('');
    expect(r.stdout.trim()).to.equal('namespace/payments');
    r = await kubectl('get', 'ns', '-l', 'team in (pay,,)');
    expect(r.code).to.not.equal(0);
    // kubectl puts the server's Status message after its own words.
    expect(r.stderr.trim()).to.equal(
      'Error from server (BadRequest): Unable to find "/v1, Resource=namespaces" that match label selector ' +
        `"team in (pay,,)", field selector "": unable to parse requirement: found ')', expected: ',', or identifier`,
    );
  });

  it('create -f, annotate, label and delete work and are visible programmatically', async () => {
    const file = join(dir, 'np.yaml');
    await writeFile(
      file,
      [
        'apiVersion: networking.k8s.io/v1',
        'kind: NetworkPolicy',
        'metadata: {name: from-kubectl, namespace: payments}',
        'spec: {podSelector: {matchLabels: {app: api}}, policyTypes: [Ingress]}',
      ].join('\n'),
    );
    let r = await kubectl('create', '-f', file);
    expect(r.stdout.trim()).to.equal('networkpolicy.networking.k8s.io/from-kubectl created');
    expect(sim.get('networkpolicies', 'payments', 'from-kubectl')?.metadata.generation).to.equal(1);

    r = await kubectl('create', '-f', file);
    expect(r.code).to.not.equal(0);
    expect(r.stderr).to.contain('AlreadyExists');

    r = await kubectl('annotate', 'netpol', '-n', 'payments', 'from-kubectl', 'owner=team-a');
    expect(r.stdout.trim()).to.equal('networkpolicy.networking.k8s.io/from-kubectl annotated');
    r = await kubectl('label', 'ns', 'payments', 'tier=gold');
    expect(r.stdout.trim()).to.equal('namespace/payments labeled');
    expect(sim.get('networkpolicies', 'payments', 'from-kubectl')?.metadata.annotations).to.deep.equal({
      owner: 'team-a',
    });
    expect(sim.get('namespaces', undefined, 'payments')?.metadata.labels?.tier).to.equal('gold');

    r = await kubectl('get', 'ns', '-l', 'tier=gold', '-o', 'name');
    expect(r.stdout.trim()).to.equal('namespace/payments');

    r = await kubectl('delete', 'netpol', '-n', 'payments', 'from-kubectl');
    expect(r.stdout.trim()).to.equal('networkpolicy.networking.k8s.io "from-kubectl" deleted');
    expect(sim.get('networkpolicies', 'payments', 'from-kubectl')).to.equal(undefined);

    r = await kubectl('get', 'netpol', '-n', 'payments', 'from-kubectl');
    expect(r.stderr.trim()).to.equal(
      'Error from server (NotFound): networkpolicies.networking.k8s.io "from-kubectl" not found',
    );
  });

  it('surfaces 422 Invalid for a bad name', async () => {
    const file = join(dir, 'bad.yaml');
    await writeFile(file, 'apiVersion: v1\nkind: Namespace\nmetadata: {name: Bad_Name}\n');
    const r = await kubectl('create', '-f', file);
    expect(r.code).to.not.equal(0);
    expect(r.stderr).to.contain(
      'The Namespace "Bad_Name" is invalid: metadata.name: Invalid value: "Bad_Name"',
    );
  });

  it('create namespace (a typed command, protobuf body) works, with labels kept and 422 for a bad name', async () => {
    let r = await kubectl('create', 'namespace', 'typed-ns');
    expect(r.stdout.trim()).to.equal('namespace/typed-ns created');
    expect(sim.get('namespaces', undefined, 'typed-ns')?.status).to.deep.equal({ phase: 'Active' });
    r = await kubectl('create', 'ns', 'Bad_Name');
    expect(r.stderr).to.contain('The Namespace "Bad_Name" is invalid');
  });

  it('delete ns waits through Terminating until the namespace and its policies are gone', async () => {
    sim.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'doomed' } });
    sim.create({
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name: 'p', namespace: 'doomed' },
      spec: { podSelector: {} },
    });
    const r = await kubectl('delete', 'ns', 'doomed');
    expect(r.stdout.trim()).to.equal('namespace "doomed" deleted');
    expect(sim.get('namespaces', undefined, 'doomed')).to.equal(undefined);
    expect(sim.list('networkpolicies', 'doomed')).to.deep.equal([]);
  });

  it('get ns --watch sees a namespace created by another client', async () => {
    const child = spawn(
      KUBECTL,
      ['--kubeconfig', kubeconfig, '--cache-dir', join(dir, 'cache'), 'get', 'ns', '--watch'],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    spawned.push(child);
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    await eventually(() => expect(out).to.match(/^payments\s+Active/m), 60_000);
    await eventually(() => expect(sim.openWatches).to.be.greaterThan(0), 60_000);
    sim.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'seen-by-watch' } });
    await eventually(() => expect(out).to.match(/^seen-by-watch\s+Active\s+\d+s$/m), 60_000);
    child.kill('SIGKILL');
  });
});
