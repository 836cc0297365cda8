// `netpol-exporter demo` as a new user meets it: a real process, its printed commands run with the real kubectl,
// --pod-isolation, a port already taken, and Ctrl-C or SIGTERM. Each demo gets a temporary folder (TMPDIR) and a
// home (kubectl's cache) of this test's own, so "the demo removed its folder" is checked where it wrote it.
import { execFile } from 'node:child_process';
import { accessSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { DEMO_WALKTHROUGH, demoCluster } from '../../src/cli/demo-cluster.ts';
import { exitOf, spawnExporter } from '../helpers/exporter.ts';
import { waitFor } from '../helpers/prometheus.ts';

const KUBECTL = '/usr/bin/kubectl';
/** Starting a demo compiles its TypeScript first: generous, for a busy machine. */
const STARTUP_MS = 60_000;

type DemoProcess = ReturnType<typeof spawnExporter>;

interface Demo {
  proc: DemoProcess;
  url: string;
  /** The folder the demo's temporary files go into (its TMPDIR). */
  tmp: string;
  home: string;
}

/** Every line of the demo's banner that holds `label:`, without the label. */
function printed(demo: Demo, label: string): string {
  const line = demo.proc
    .output()
    .split('\n')
    .find((l) => l.trimStart().startsWith(`${label}:`));
  if (!line) throw new Error(`the demo printed no "${label}:" line:\n${demo.proc.output()}`);
  return line.slice(line.indexOf(':') + 1).trim();
}

/** What the user would see: the command run by a shell, kubectl being the real one on PATH. */
function shell(command: string, demo: Demo): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      'sh',
      ['-c', command],
      { env: { PATH: '/usr/bin:/bin', HOME: demo.home }, timeout: 90_000 },
      (err, stdout, stderr) =>
        resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }),
    );
  });
}

async function covered(demo: Demo, namespace: string): Promise<string | undefined> {
  const text = await (await fetch(`${demo.url}/metrics`)).text();
  return new RegExp(`^netpol_namespace_covered\\{namespace="${namespace}"\\} (\\S+)$`, 'm').exec(text)?.[1];
}

async function demoFolders(tmp: string): Promise<string[]> {
  return (await readdir(tmp)).filter((name) => name.startsWith('netpol-demo-'));
}

describe('demo', function () {
  this.timeout(120_000);
  let root: string;
  const running: DemoProcess[] = [];

  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'netpol-demo-test-'));
  });

  after(async () => {
    for (const proc of running)
      if (proc.pid !== undefined && proc.exitCode === null && proc.signalCode === null) {
        process.kill(proc.pid, 'SIGKILL');
        await exitOf(proc);
      }
    if (root) await rm(root, { recursive: true, force: true });
  });

  async function folders(name: string): Promise<{ tmp: string; home: string }> {
    const tmp = join(root, name, 'tmp');
    const home = join(root, name, 'home');
    await mkdir(tmp, { recursive: true });
    await mkdir(home, { recursive: true });
    return { tmp, home };
  }

  /** Starts a demo and waits until it has printed its banner and answers /readyz with 200. */
  async function startDemo(name: string, args: string[] = []): Promise<Demo> {
    const { tmp, home } = await folders(name);
    const proc = spawnExporter(['demo', '--web.listen-address=127.0.0.1:0', ...args], {
      TMPDIR: tmp,
      HOME: home,
    });
    running.push(proc);
    const url = await waitFor(
      'the demo to print its URLs',
      async () => {
        if (proc.exitCode !== null) throw new Error(`the demo exited ${proc.exitCode}: ${proc.output()}`);
        return /Status page\s+(http:\/\/127\.0\.0\.1:\d+)\//.exec(proc.output())?.[1];
      },
      STARTUP_MS,
    );
    const demo = { proc, url, tmp, home };
    await waitFor(
      `the demo ready at ${url}/readyz`,
      async () => {
        const res = await fetch(`${url}/readyz`);
        const body = await res.text();
        if (!res.ok) throw new Error(`${res.status} ${body}\n${proc.output().slice(-2000)}`);
        return true;
      },
      STARTUP_MS,
    );
    return demo;
  }

  it('names a namespace with exactly one policy to remove, and one with none to protect', () => {
    const objects = demoCluster() as { kind: string; metadata: { name: string; namespace?: string } }[];
    const policiesIn = (ns: string) =>
      objects
        .filter((o) => o.kind === 'NetworkPolicy' && o.metadata.namespace === ns)
        .map((o) => o.metadata.name);
    expect(policiesIn(DEMO_WALKTHROUGH.remove.namespace)).to.deep.equal([DEMO_WALKTHROUGH.remove.policy]);
    expect(policiesIn(DEMO_WALKTHROUGH.protect)).to.deep.equal([]);
  });

  it('prints commands that each change a verdict on /metrics, run with the real kubectl; Ctrl-C removes its folder', async () => {
    try {
      accessSync(KUBECTL);
    } catch {
      throw new Error(`${KUBECTL} is needed for this test`);
    }
    const demo = await startDemo('walkthrough');

    const look = await shell(printed(demo, 'Look at the cluster'), demo);
    expect(look.code, look.stderr).to.equal(0);
    expect(look.stdout).to.match(/^NAMESPACE\s+NAME\s+POD-SELECTOR\s+AGE$/m);

    const remove = printed(demo, 'Remove a policy');
    const removed = /-n (\S+) /.exec(remove)?.[1] as string;
    expect(remove).to.match(/^kubectl --kubeconfig \S+ delete netpol -n \S+ \S+$/);
    const protect = printed(demo, 'Protect a namespace');
    expect(protect).to.match(/^kubectl --kubeconfig \S+ create -f \S+$/);
    const protectedNs = /a default deny for (\S+),/.exec(demo.proc.output())?.[1] as string;
    expect([removed, protectedNs]).to.deep.equal([
      DEMO_WALKTHROUGH.remove.namespace,
      DEMO_WALKTHROUGH.protect,
    ]);

    expect(await covered(demo, removed)).to.equal('1');
    expect(await covered(demo, protectedNs)).to.equal('0');

    const deleted = await shell(remove, demo);
    expect(deleted.code, deleted.stderr).to.equal(0);
    await waitFor(`netpol_namespace_covered{namespace="${removed}"} 0`, async () =>
      (await covered(demo, removed)) === '0' ? true : undefined,
    );

    const created = await shell(protect, demo);
    expect(created.code, created.stderr).to.equal(0);
    expect(created.stdout).to.contain(`networkpolicy.networking.k8s.io/default-deny-all created`);
    await waitFor(`netpol_namespace_covered{namespace="${protectedNs}"} 1`, async () =>
      (await covered(demo, protectedNs)) === '1' ? true : undefined,
    );
    // The other stays as the user left it.
    expect(await covered(demo, removed)).to.equal('0');

    const watch = await shell(printed(demo, 'Watch two verdicts'), demo);
    expect(watch.stdout.trim().split('\n').sort()).to.deep.equal([
      `netpol_namespace_covered{namespace="${removed}"} 0`,
      `netpol_namespace_covered{namespace="${protectedNs}"} 1`,
    ]);

    expect(await demoFolders(demo.tmp)).to.have.length(1);
    process.kill(demo.proc.pid as number, 'SIGINT');
    expect(await exitOf(demo.proc)).to.deep.equal({ code: 0, signal: null });
    expect(await demoFolders(demo.tmp), 'the temporary folder after Ctrl-C').to.deep.equal([]);
  });

  it('with --pod-isolation, becomes ready and serves netpol_namespace_pods; SIGTERM removes its folder', async () => {
    const demo = await startDemo('pods', ['--pod-isolation']);
    const text = await (await fetch(`${demo.url}/metrics`)).text();
    expect(text).to.match(/^netpol_namespace_pods\{namespace="payments"\} 2$/m);
    expect(text).to.match(/^netpol_namespace_pods_isolated\{namespace="payments",direction="ingress"\} 2$/m);
    expect(text).to.match(
      /^netpol_namespace_pods_isolated\{namespace="legacy-billing",direction="ingress"\} 0$/m,
    );
    expect(demo.proc.output()).to.not.contain('forbidden');

    process.kill(demo.proc.pid as number, 'SIGTERM');
    expect(await exitOf(demo.proc)).to.deep.equal({ code: 0, signal: null });
    expect(await demoFolders(demo.tmp), 'the temporary folder after SIGTERM').to.deep.equal([]);
  });

  it('on a port already taken, says so in one line naming the flag, exits 2 and leaves no folder', async () => {
    const { tmp, home } = await folders('busy');
    const taken: Server = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const { port } = taken.address() as { port: number };
    try {
      const proc = spawnExporter(['demo', `--web.listen-address=127.0.0.1:${port}`], {
        TMPDIR: tmp,
        HOME: home,
      });
      running.push(proc);
      expect((await exitOf(proc)).code, proc.output()).to.equal(2);
      expect(proc.output()).to.equal(
        `netpol-exporter: cannot listen on 127.0.0.1:${port}: it is already in use (another netpol-exporter or ` +
          'demo running?); choose another with --web.listen-address (127.0.0.1:0 picks a free port)\n',
      );
      expect(await demoFolders(tmp), 'the temporary folder after a failed start').to.deep.equal([]);
    } finally {
      await new Promise<void>((resolve) => taken.close(() => resolve()));
    }
  });
});
