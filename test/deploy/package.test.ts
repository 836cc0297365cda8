// The npm package as a user without a clone gets it: `npm pack` (its prepack builds dist/ and the bundle), installed
// with `npm install -g --prefix` into an empty folder, and run from a folder outside the checkout with nothing but a
// Node 24 on PATH: `--version`, `audit --manifests`, and `demo` serving /metrics. The install fetches the package's
// runtime dependencies from the npm registry (or npm's cache); nothing else leaves the machine.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { cp, mkdir, mkdtemp, readdir, readFile, realpath, rm, stat, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';
import { expect } from 'chai';
import { exitOf, NODE, ROOT } from '../helpers/exporter.ts';
import { eventually } from '../helpers/exposition.ts';

const run = promisify(execFile);

interface PackResult {
  filename: string;
  size: number;
  unpackedSize: number;
  files: { path: string }[];
}

interface Manifest {
  name: string;
  version: string;
  dependencies?: Record<string, string>;
  workspaces?: string[];
}

/** This process's environment without what `npm run` adds (npm_config_local_prefix names the checkout). */
function cleanEnv(path: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env))
    if (value !== undefined && !/^npm_/i.test(key) && !['INIT_CWD', 'NODE_OPTIONS'].includes(key))
      env[key] = value;
  return { ...env, PATH: path };
}

describe('the npm package, installed from its tarball into an empty prefix', function () {
  // Packing compiles and bundles the whole exporter: slow on a busy machine.
  this.timeout(300_000);

  let work = '';
  let tarball = '';
  let packed: PackResult;
  let prefix = '';
  let outside = '';
  let env: Record<string, string> = {};
  const children: ChildProcess[] = [];
  const installed = () => join(prefix, 'bin', 'netpol-exporter');

  before(async () => {
    work = await mkdtemp(join(tmpdir(), 'netpol-package-'));
    // A user's machine: Node 24 on PATH (the `node` devDependency's, as a user's own), system tools, no checkout.
    const nodeBin = join(work, 'node-bin');
    await mkdir(nodeBin);
    await symlink(await realpath(NODE), join(nodeBin, 'node'));
    env = cleanEnv(`${nodeBin}:/usr/local/bin:/usr/bin:/bin`);
    outside = join(work, 'somewhere-else');
    prefix = join(work, 'prefix');
    await mkdir(outside);
    await mkdir(prefix);

    // npm prints the lifecycle scripts' output before its JSON.
    const { stdout } = await run('npm', ['pack', '--json', '--pack-destination', work], {
      cwd: ROOT,
      env: cleanEnv(`${nodeBin}:${process.env.PATH}`),
      maxBuffer: 64 * 1024 * 1024,
    });
    const json = stdout.slice(stdout.search(/^\[/m));
    [packed] = JSON.parse(json) as [PackResult];
    tarball = join(work, packed.filename);

    const started = Date.now();
    await run('npm', ['install', '-g', '--prefix', prefix, tarball, '--no-audit', '--no-fund'], {
      cwd: outside,
      env,
    });
    console.log(
      `      tarball ${(packed.size / 1024).toFixed(0)} KiB (${(packed.unpackedSize / 1024).toFixed(0)} KiB unpacked, ${packed.files.length} files); installed in ${Date.now() - started} ms`,
    );
  });

  after(async () => {
    for (const child of children)
      if (child.pid !== undefined && child.exitCode === null && child.signalCode === null) {
        process.kill(child.pid, 'SIGKILL');
        await exitOf(child);
      }
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('holds the bin and the bundle only, and depends on no name the project does not publish', async () => {
    const files = packed.files.map((f) => f.path).sort();
    expect(files.filter((f) => !/^bundle\/cli\/[\w-]+\.js$/.test(f))).to.deep.equal([
      'README.md',
      'bin/netpol-exporter.js',
      'package.json',
    ]);
    const root = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as Manifest;
    // The workspace packages are never published: the simulator travels inside the bundle.
    const workspaceNames = await Promise.all(
      (root.workspaces ?? []).map(
        async (w) => (JSON.parse(await readFile(join(ROOT, w, 'package.json'), 'utf8')) as Manifest).name,
      ),
    );
    const pkgDir = join(prefix, 'lib/node_modules/netpol-exporter');
    const shipped = JSON.parse(await readFile(join(pkgDir, 'package.json'), 'utf8')) as Manifest;
    for (const [name, spec] of Object.entries(shipped.dependencies ?? {})) {
      expect(workspaceNames, `dependency ${name}`).to.not.include(name);
      expect(spec, `dependency ${name} comes from the registry`).to.match(/^[\^~]?\d+\.\d+\.\d+$/);
    }
    // Installed as files in the prefix, not a link back to the checkout.
    expect(relative(prefix, await realpath(pkgDir))).to.not.match(/^\.\./);
    const scopes = (await readdir(join(pkgDir, '..'))).concat(
      await readdir(join(pkgDir, 'node_modules')).catch(() => []),
    );
    expect(scopes).to.not.include('@netpol-exporter');
  });

  it('`netpol-exporter --version` prints the version in package.json', async () => {
    const { version } = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as Manifest;
    const { stdout } = await run(installed(), ['--version'], { cwd: outside, env });
    expect(stdout).to.match(new RegExp(`^netpol-exporter ${version.replace(/\./g, '\\.')} \\(`));
  });

  it('`netpol-exporter audit --manifests DIR` judges the manifests and exits 1 on uncovered namespaces', async () => {
    await cp(join(ROOT, 'test/fixtures/audit/uncovered-repo'), join(outside, 'manifests'), {
      recursive: true,
    });
    const result = await run(installed(), ['audit', '--manifests', 'manifests', '--output', 'json'], {
      cwd: outside,
      env,
    }).then(
      (r) => ({ code: 0, ...r }),
      (err: { code: number; stdout: string; stderr: string }) => err,
    );
    expect(result.code, result.stderr).to.equal(1);
    const report = JSON.parse(result.stdout) as { namespaces: { name: string; verdict: string }[] };
    expect(Object.fromEntries(report.namespaces.map((n) => [n.name, n.verdict]))).to.deep.equal({
      batch: 'uncovered',
      payments: 'uncovered',
      reports: 'uncovered',
      sandbox: 'covered',
    });
  });

  it('`netpol-exporter demo` runs its bundled simulator and serves /metrics; SIGTERM stops it', async () => {
    const child = spawn(installed(), ['demo', '--web.listen-address=127.0.0.1:0'], {
      cwd: outside,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(child);
    let output = '';
    child.stdout?.on('data', (d: Buffer) => {
      output += d.toString();
    });
    child.stderr?.on('data', (d: Buffer) => {
      output += d.toString();
    });
    // The port the OS gave it, as the demo prints it.
    const metricsUrl = await eventually(
      () => {
        if (child.exitCode !== null) throw new Error(`the demo exited: ${output}`);
        const url = /Metrics\s+(http:\/\/127\.0\.0\.1:\d+\/metrics)/.exec(output)?.[1];
        if (!url) throw new Error(`no metrics URL yet: ${output}`);
        return url;
      },
      120_000,
      200,
    );
    const metrics = await eventually(
      async () => {
        const text = await (await fetch(metricsUrl)).text();
        expect(text).to.match(/^netpol_namespace_covered\{namespace="legacy-billing"\} 0$/m);
        return text;
      },
      60_000,
      200,
    );
    expect(metrics).to.match(/^netpol_exporter_watch_up\{resource="namespaces"\} 1$/m);
    if (child.pid !== undefined) process.kill(child.pid, 'SIGTERM');
    expect((await exitOf(child)).code, output).to.equal(0);
    // The demo's temporary folder (it holds an admin token) is gone with it.
    const folder = /--kubeconfig (\S+)\/admin\.kubeconfig/.exec(output)?.[1] ?? '';
    expect(folder).to.not.equal('');
    await stat(folder).then(
      () => expect.fail(`${folder} is still there`),
      () => {},
    );
  });
});
