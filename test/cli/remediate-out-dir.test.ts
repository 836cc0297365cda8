// `remediate --out-dir` where no folder can be made: exit 2 (a usage error; 1 would mean "uncovered namespaces
// found") with one line naming the flag and what is in the way, and nothing written. Under /proc, Node's recursive
// mkdir loops for ever: the process must still end.
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { remediateMain, remediateUsage } from '../../src/cli/remediate.ts';
import { exitOf, killSpawned, ROOT, spawnExporter } from '../helpers/exporter.ts';
import { runMain } from '../helpers/run.ts';

const REPO = join(ROOT, 'test/fixtures/audit/uncovered-repo');

describe('remediate --out-dir it cannot use', function () {
  this.timeout(120_000);
  let dir: string;
  let child: ReturnType<typeof spawnExporter> | undefined;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'netpol-out-dir-'));
    await writeFile(join(dir, 'a-file'), 'not a folder\n');
  });
  after(async () => {
    await killSpawned(child); // one that spun instead of ending
    await rm(dir, { recursive: true, force: true });
  });

  it('a file in the way: exit 2, naming --out-dir and the file, before any policy is listed', async () => {
    const outDir = join(dir, 'a-file', 'netpol');
    const result = await runMain(remediateMain, ['--manifests', REPO, `--out-dir=${outDir}`]);
    expect(result.code).to.equal(2);
    expect(result.stderr).to.equal(
      `netpol-exporter remediate: --out-dir ${outDir}: ${join(dir, 'a-file')} is a file, not a folder; name a folder you can write to\n`,
    );
    expect(result.stdout).to.equal('');
  });

  it('the out-dir itself a file: exit 2, and the file is left as it was', async () => {
    const result = await runMain(remediateMain, ['--manifests', REPO, `--out-dir=${join(dir, 'a-file')}`]);
    expect(result.code).to.equal(2);
    expect(result.stderr).to.match(/--out-dir \S+a-file: it is a file; name a folder you can write to\n$/);
    expect(await readdir(dir)).to.deep.equal(['a-file']);
  });

  it('a path under /proc: the process ends, exit 2, naming --out-dir and the level it could not create', async () => {
    child = spawnExporter(['remediate', '--manifests', REPO, '--out-dir=/proc/netpol-exporter-test/out']);
    const { code } = await exitOf(child);
    expect(code, child.output()).to.equal(2);
    expect(child.output()).to.match(
      /^netpol-exporter remediate: --out-dir \/proc\/netpol-exporter-test\/out: cannot create \/proc\/netpol-exporter-test \(\w+: [^)]+\); name a folder you can write to$/m,
    );
  });

  it('writes into a folder it makes, levels included; --help names every exit code', async () => {
    const outDir = join(dir, 'new', 'deeper');
    const result = await runMain(remediateMain, ['--manifests', REPO, `--out-dir=${outDir}`]);
    expect(result.code, result.stderr).to.equal(0);
    expect((await readdir(outDir)).sort()).to.deep.equal(['batch.yaml', 'payments.yaml', 'reports.yaml']);
    const usage = remediateUsage().replace(/\s+/g, ' ');
    expect(usage).to.contain('Exits 0 when');
    expect(usage).to.contain(
      '2 on usage, input or connection errors and on an --out-dir it cannot create or write',
    );
    expect(usage).to.contain('never 1');
  });
});
