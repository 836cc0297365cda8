// `netpol-exporter serve` when it cannot listen where it was told: one line naming the flag to change, exit 2
// (a usage error), never a stack trace or a bare EADDRINUSE.
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SimulatedCluster } from '@netpol-exporter/kube-sim';
import { expect } from 'chai';
import { exitOf, spawnExporter } from '../helpers/exporter.ts';

describe('serve: where it listens', function () {
  this.timeout(120_000);
  let sim: SimulatedCluster;
  let dir: string;
  let kubeconfig: string;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'netpol-serve-'));
    sim = await SimulatedCluster.start({ port: 0 });
    kubeconfig = join(dir, 'kubeconfig');
    await sim.writeKubeconfig(kubeconfig);
  });
  after(async () => {
    await sim?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  async function serve(address: string): Promise<{ code: number | null; output: string }> {
    const child = spawnExporter([`--web.listen-address=${address}`], { KUBECONFIG: kubeconfig });
    const { code } = await exitOf(child);
    return { code, output: child.output() };
  }

  it('a port already taken: one line naming --web.listen-address, exit 2', async () => {
    const taken: Server = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const { port } = taken.address() as { port: number };
    try {
      expect(await serve(`127.0.0.1:${port}`)).to.deep.equal({
        code: 2,
        output:
          `netpol-exporter: cannot listen on 127.0.0.1:${port}: it is already in use (another netpol-exporter or ` +
          'demo running?); choose another with --web.listen-address (127.0.0.1:0 picks a free port)\n',
      });
    } finally {
      await new Promise<void>((resolve) => taken.close(() => resolve()));
    }
  });

  it('an address of no interface of this machine: one line naming --web.listen-address, exit 2', async () => {
    // 192.0.2.1 is TEST-NET-1: documentation only, never a local address.
    expect(await serve('192.0.2.1:10111')).to.deep.equal({
      code: 2,
      output:
        'netpol-exporter: cannot listen on 192.0.2.1:10111: it is not an address of this machine; choose another ' +
        'with --web.listen-address (127.0.0.1:0 picks a free port)\n',
    });
  });
});
