// The image, without a Docker engine (none runs here): parse the Dockerfile, replay its build stages in temp folders
// (same COPY sources through the same .dockerignore, same RUN lines, npm from the local cache), assemble the runtime
// stage's /app the way its COPY --from lines do, then run the ENTRYPOINT with this repo's Node 24 standing in for the
// distroless one: as uid 65532, with the Deployment's args and env, against the simulator, with exactly the RBAC
// deploy/base grants. Not covered: the base images themselves (node:24 slim, distroless) are never pulled or run.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { chmod, chown, cp, mkdir, mkdtemp, readdir, readFile, rm, stat, symlink } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, isAbsolute, join, normalize, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { expect } from 'chai';
import { parseAllDocuments } from 'yaml';
import type { Permission, SimulatedCluster } from '../../src/simulator/index.ts';

const run = promisify(execFile);
const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
// The Node 24 the `node` devDependency installs: the runtime image's Node major, and the build image's exact version.
const NODE = join(repo, 'node_modules/node/bin/node');
const REVISION = 'replayed-0123456789abcdef';
const NONROOT = 65532;

// --- Dockerfile parsing ---------------------------------------------------------------------------------------------

interface Instruction {
  op: string;
  args: string;
}
interface Stage {
  name: string;
  image: string;
  instructions: Instruction[];
}

function instructions(text: string): Instruction[] {
  const out: Instruction[] = [];
  let pending = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line.startsWith('#') || (line === '' && pending === '')) continue;
    if (line.endsWith('\\')) {
      pending += `${line.slice(0, -1)} `;
      continue;
    }
    const full = `${pending}${line}`.trim();
    pending = '';
    if (full === '') continue;
    const space = full.search(/\s/);
    out.push({ op: full.slice(0, space).toUpperCase(), args: full.slice(space + 1).trim() });
  }
  return out;
}

const substitute = (s: string, vars: Record<string, string>) =>
  s.replace(
    /\$\{(\w+)\}|\$(\w+)/g,
    (whole, a: string | undefined, b: string | undefined) => vars[a ?? b ?? ''] ?? whole,
  );

/** `KEY=value KEY2="quoted value"` (LABEL, ENV, ARG). */
function keyValues(args: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of args.matchAll(/([\w.-]+)(?:=("(?:[^"\\]|\\.)*"|\S*))?/g)) {
    const value = m[2] ?? '';
    out[m[1] ?? ''] = value.startsWith('"') ? (JSON.parse(value) as string) : value;
  }
  return out;
}

function parseDockerfile(text: string): { globalArgs: Record<string, string>; stages: Stage[] } {
  const globalArgs: Record<string, string> = {};
  const stages: Stage[] = [];
  for (const ins of instructions(text)) {
    if (ins.op === 'FROM') {
      const [image = '', as, name] = ins.args.split(/\s+/);
      stages.push({
        name: as?.toUpperCase() === 'AS' && name ? name : String(stages.length),
        image: substitute(image, globalArgs),
        instructions: [],
      });
    } else if (stages.length === 0) {
      expect(ins.op, 'only ARG before the first FROM').to.equal('ARG');
      Object.assign(globalArgs, keyValues(ins.args));
    } else stages[stages.length - 1]?.instructions.push(ins);
  }
  return { globalArgs, stages };
}

/** COPY/RUN flags (`--from=build`, `--mount=...`) and the rest. */
function flagsAndRest(args: string): { flags: Record<string, string>; rest: string } {
  const flags: Record<string, string> = {};
  let rest = args;
  for (let m = /^--([\w-]+)=(\S+)\s+/.exec(rest); m; m = /^--([\w-]+)=(\S+)\s+/.exec(rest)) {
    flags[m[1] ?? ''] = m[2] ?? '';
    rest = rest.slice(m[0].length);
  }
  return { flags, rest };
}

// --- .dockerignore, with Docker's rules: last matching pattern wins, a pattern also matches everything below it, and
// (Go's filepath.Match, unlike shell globs) `*` matches names starting with a dot -------------------------------------

function globRegExp(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i] ?? '';
    if (glob.startsWith('**/', i)) {
      re += '(?:.*/)?';
      i += 2;
    } else if (glob.startsWith('**', i)) {
      re += '.*';
      i += 1;
    } else if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else re += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

function dockerignore(text: string): (path: string) => boolean {
  const patterns = text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'))
    .map((l) => ({
      negate: l.startsWith('!'),
      re: globRegExp(normalize(l.replace(/^!/, '')).replace(/\/$/, '')),
    }));
  return (path: string) => {
    const parts = path.split('/');
    const prefixes = parts.map((_, i) => parts.slice(0, i + 1).join('/'));
    let ignored = false;
    for (const p of patterns) if (prefixes.some((prefix) => p.re.test(prefix))) ignored = !p.negate;
    return ignored;
  };
}

async function walk(dir: string, base = dir): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await walk(full, base)));
    else out.push(relative(base, full));
  }
  return out;
}

// --- replay -----------------------------------------------------------------------------------------------------------

interface Replayed {
  stages: Stage[];
  globalArgs: Record<string, string>;
  /** Each stage's stand-in root filesystem. */
  roots: Map<string, string>;
  runtime: Stage;
  runtimeRoot: string;
  env: Record<string, string>;
  entrypoint: string[];
  timings: Record<string, number>;
}

async function replay(work: string, buildArgs: Record<string, string>): Promise<Replayed> {
  const { globalArgs, stages } = parseDockerfile(await readFile(join(repo, 'Dockerfile'), 'utf8'));
  const ignored = dockerignore(await readFile(join(repo, '.dockerignore'), 'utf8'));
  // `npm` resolves `node` from PATH (#!/usr/bin/env node): make that Node 24, as in the node:24 build image.
  const bin = join(work, 'bin');
  await mkdir(bin);
  await symlink(NODE, join(bin, 'node'));
  const roots = new Map<string, string>();
  const timings: Record<string, number> = {};
  let env: Record<string, string> = {};
  let entrypoint: string[] = [];
  for (const stage of stages) {
    const root = join(work, `stage-${stage.name}`);
    roots.set(stage.name, root);
    await mkdir(root, { recursive: true });
    let workdir = '/';
    const args: Record<string, string> = {};
    env = {};
    for (const { op, args: raw } of stage.instructions) {
      const vars = { ...args, ...env };
      if (op === 'ARG') {
        for (const [k, v] of Object.entries(keyValues(raw)))
          args[k] = buildArgs[k] ?? (v || globalArgs[k] || '');
      } else if (op === 'ENV') Object.assign(env, keyValues(substitute(raw, vars)));
      else if (op === 'WORKDIR') {
        workdir = resolve(workdir, substitute(raw, vars));
        await mkdir(join(root, workdir), { recursive: true });
      } else if (op === 'COPY') {
        const { flags, rest } = flagsAndRest(raw);
        const words = rest.split(/\s+/).map((w) => substitute(w, vars));
        const dest = words.pop() ?? '';
        const destPath = join(root, isAbsolute(dest) ? dest : join(workdir, dest));
        const intoDir = dest.endsWith('/') || words.length > 1;
        for (const source of words) {
          if (flags.from) {
            const from = roots.get(flags.from);
            expect(from, `COPY --from=${flags.from} names an earlier stage`).to.be.a('string');
            const src = join(from ?? '', source);
            const isDir = (await stat(src)).isDirectory();
            await cp(src, isDir || !intoDir ? destPath : join(destPath, source.split('/').pop() ?? ''), {
              recursive: true,
              verbatimSymlinks: true,
            });
            continue;
          }
          expect(ignored(normalize(source)), `COPY ${source} is not excluded by .dockerignore`).to.equal(
            false,
          );
          const src = join(repo, source);
          if ((await stat(src)).isDirectory()) {
            for (const file of await walk(src)) {
              if (ignored(join(normalize(source), file))) continue;
              await mkdir(dirname(join(destPath, file)), { recursive: true });
              await cp(join(src, file), join(destPath, file));
            }
          } else {
            const target = intoDir ? join(destPath, source.split('/').pop() ?? '') : destPath;
            await mkdir(dirname(target), { recursive: true });
            await cp(src, target);
          }
        }
      } else if (op === 'RUN') {
        expect(stage.image, 'RUN only in stages with a shell (not distroless)').to.not.match(/distroless/);
        // Cache mounts are a build-speed detail; npm's own cache (~/.npm) plays that part here.
        const command = flagsAndRest(raw).rest.replace(/\bnpm ci\b/g, 'npm ci --prefer-offline');
        const started = Date.now();
        await run('sh', ['-c', command], {
          cwd: join(root, workdir),
          env: { ...process.env, ...args, ...env, PATH: `${bin}:${process.env.PATH}` },
          maxBuffer: 64 * 1024 * 1024,
        }).catch((err: Error & { stdout?: string; stderr?: string }) => {
          throw new Error(
            `RUN ${command} (stage ${stage.name}) failed:\n${err.stdout ?? ''}${err.stderr ?? ''}`,
          );
        });
        timings[`${stage.name}: ${command}`] = Date.now() - started;
      } else if (op === 'ENTRYPOINT') entrypoint = JSON.parse(raw) as string[];
    }
  }
  const runtime = stages[stages.length - 1] as Stage;
  const runtimeRoot = roots.get(runtime.name) ?? '';
  return { stages, globalArgs, roots, runtime, runtimeRoot, env, entrypoint, timings };
}

// --- running the result -------------------------------------------------------------------------------------------

async function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const server = createServer();
    server.once('error', rej);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => res(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

interface Deployment {
  kind: string;
  spec: {
    template: { spec: { containers: { args?: string[]; env?: { name: string; value: string }[] }[] } };
  };
}
interface ClusterRole {
  kind: string;
  rules: { apiGroups: string[]; resources: string[]; verbs: string[] }[];
}

describe('Docker image (Dockerfile replayed without a Docker engine)', function () {
  // Two npm ci runs from the local cache, a tsc build and a short exporter run: about half a minute here.
  this.timeout(240_000);
  this.slow(90_000);
  let work = '';
  let image: Replayed;
  const children: ChildProcess[] = [];
  const asNonRoot = process.getuid?.() === 0;

  /** The ENTRYPOINT, with the image's /nodejs/bin/node played by this repo's Node 24 and /app by the replayed one. */
  function start(
    extraArgs: string[],
    env: Record<string, string> = {},
  ): ChildProcess & { output: () => string } {
    const [, ...rest] = image.entrypoint;
    const argv = rest.map((a) => (a.startsWith('/') ? join(image.runtimeRoot, a) : a));
    const child = spawn(NODE, [...argv, ...extraArgs], {
      // Only what the image and the pod set: nothing from this test process (NODE_OPTIONS=--import tsx, for one).
      env: { ...image.env, ...env },
      cwd: join(image.runtimeRoot, '/app'),
      stdio: ['ignore', 'pipe', 'pipe'],
      ...(asNonRoot ? { uid: NONROOT, gid: NONROOT } : {}),
    });
    children.push(child);
    let output = '';
    child.stdout?.on('data', (d: Buffer) => {
      output += d.toString();
    });
    child.stderr?.on('data', (d: Buffer) => {
      output += d.toString();
    });
    return Object.assign(child, { output: () => output });
  }

  const exited = (child: ChildProcess) =>
    new Promise<number | null>((res) => {
      if (child.exitCode !== null || child.signalCode !== null) res(child.exitCode);
      else child.once('exit', (code) => res(code));
    });

  before(async () => {
    work = await mkdtemp(join(tmpdir(), 'netpol-image-'));
    // mkdtemp makes 0700 folders; the exporter runs as uid 65532 and must reach /app (read-only, owned by root).
    await chmod(work, 0o755);
    const started = Date.now();
    image = await replay(work, { REVISION });
    image.timings.total = Date.now() - started;
    console.log(`      replay timings (ms): ${JSON.stringify(image.timings)}`);
  });

  after(async () => {
    for (const child of children)
      if (child.pid && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('builds on the Node version the tests run on, runs on distroless Node 24 as uid 65532, entrypoint main.js', async () => {
    const lock = JSON.parse(await readFile(join(repo, 'package-lock.json'), 'utf8')) as {
      packages: Record<string, { version?: string }>;
    };
    const builders = image.stages.slice(0, -1).map((s) => s.image);
    for (const builder of builders) {
      expect(builder, 'pinned Node image').to.match(/^node:\d+\.\d+\.\d+-[a-z]+(-slim)?$/);
      expect(builder).to.equal(`node:${lock.packages['node_modules/node']?.version}-bookworm-slim`);
    }
    expect(image.runtime.image).to.match(
      /^gcr\.io\/distroless\/nodejs24-debian12:nonroot(@sha256:[0-9a-f]{64})?$/,
    );
    const ops = (op: string) => image.runtime.instructions.filter((i) => i.op === op).map((i) => i.args);
    expect(ops('USER')).to.deep.equal([`${NONROOT}:${NONROOT}`]);
    expect(ops('EXPOSE')).to.deep.equal(['10111']);
    expect(ops('RUN'), 'nothing runs in the runtime stage (it has no shell)').to.deep.equal([]);
    expect(ops('CMD'), 'no CMD: `docker run IMAGE --help` passes --help to the exporter').to.deep.equal([]);
    expect(image.entrypoint).to.deep.equal([
      '/nodejs/bin/node',
      '--max-semi-space-size=4',
      '/app/dist/cli/main.js',
    ]);
    const labels = Object.assign({}, ...ops('LABEL').map(keyValues)) as Record<string, string>;
    for (const key of ['title', 'description', 'source', 'licenses', 'version', 'revision', 'created'])
      expect(labels, 'OCI labels').to.have.property(`org.opencontainers.image.${key}`);
    const pkg = JSON.parse(await readFile(join(repo, 'package.json'), 'utf8')) as {
      version: string;
      license: string;
    };
    expect(labels['org.opencontainers.image.licenses']).to.equal(pkg.license);
    expect(ops('ARG')).to.include(`VERSION=${pkg.version}`);
  });

  it('installs production dependencies without scripts and without devDependencies', async () => {
    const runs = image.stages.flatMap((s) => s.instructions.filter((i) => i.op === 'RUN').map((i) => i.args));
    const prodInstall = runs.filter((r) => /--omit=dev/.test(r));
    expect(prodInstall, 'one production install').to.have.length(1);
    expect(prodInstall[0])
      .to.match(/\bnpm ci\b/)
      .and.match(/--ignore-scripts/);

    const pkg = JSON.parse(await readFile(join(repo, 'package.json'), 'utf8')) as {
      dependencies: Record<string, string>;
    };
    const lock = JSON.parse(await readFile(join(repo, 'package-lock.json'), 'utf8')) as {
      packages: Record<string, { dev?: boolean; optional?: boolean }>;
    };
    const modules = join(image.runtimeRoot, 'app/node_modules');
    const present = async (name: string) =>
      stat(join(modules, name)).then(
        () => true,
        () => false,
      );
    for (const name of Object.keys(pkg.dependencies))
      expect(await present(name), `${name} installed`).to.equal(true);
    for (const name of ['mocha', 'typescript', 'c8', 'tsx', 'chai', '@biomejs/biome', 'node'])
      expect(await present(name), `devDependency ${name} absent`).to.equal(false);
    // The lockfile marks what only devDependencies pull in (`dev: true`): none of it, and nothing unknown, is here.
    const installed = (await walk(modules))
      .filter((f) => f.endsWith('package.json'))
      .map((f) => `node_modules/${dirname(f)}`)
      .filter((dir) => lock.packages[dir] !== undefined || /^node_modules\/(@[^/]+\/)?[^/@]+$/.test(dir));
    expect(installed.length, 'production packages').to.be.greaterThan(10);
    for (const dir of installed) {
      expect(lock.packages[dir], `${dir} is in package-lock.json`).to.not.be.undefined;
      expect(lock.packages[dir]?.dev ?? false, `${dir} is not dev-only`).to.equal(false);
    }
    expect(await present('.bin/node'), 'no second Node binary').to.equal(false);
  });

  it('ships only package.json, REVISION, dist/ and node_modules/ in /app, and no TypeScript sources or tests', async () => {
    expect((await readdir(join(image.runtimeRoot, 'app'))).sort()).to.deep.equal(
      ['REVISION', 'dist', 'node_modules', 'package.json'].sort(),
    );
    const dist = await walk(join(image.runtimeRoot, 'app/dist'));
    expect(dist).to.include('cli/main.js');
    expect(dist.filter((f) => /\.ts$/.test(f) && !f.endsWith('.d.ts'))).to.deep.equal([]);
    expect(dist.filter((f) => /\.test\./.test(f))).to.deep.equal([]);
  });

  it('.dockerignore keeps node_modules, dist, tests, coverage, .git and local state out of the build context', async () => {
    const ignored = dockerignore(await readFile(join(repo, '.dockerignore'), 'utf8'));
    for (const path of [
      'node_modules/mocha/package.json',
      'dist/cli/main.js',
      'test/deploy/kustomize.test.ts',
      'coverage/lcov.info',
      '.git/HEAD',
      '.env',
      'kubeconfig',
      'admin.kubeconfig',
      '.kube/config',
      'deploy/base/kustomization.yaml',
      'src/node_modules/x.js',
      'npm-debug.log',
    ])
      expect(ignored(path), path).to.equal(true);
    for (const path of ['package.json', 'package-lock.json', 'tsconfig.json', 'tsconfig.build.json'])
      expect(ignored(path), path).to.equal(false);
    // Every source file reaches the build (a too-broad pattern once dropped src/cli/kubeconfig.ts).
    const sources = (await walk(join(repo, 'src'))).map((f) => `src/${f}`);
    expect(sources.filter(ignored)).to.deep.equal([]);
  });

  it('`docker run IMAGE --help` exits 0 and documents --web.listen-address', async () => {
    const child = start(['--help']);
    expect(await exited(child), child.output()).to.equal(0);
    expect(child.output()).to.include('--web.listen-address');
  });

  it("serves /metrics against the simulator with the Deployment's args and env and only deploy/base's RBAC", async () => {
    const { SimulatedCluster } = await import('../../src/simulator/index.ts');
    const load = async <T>(file: string) =>
      parseAllDocuments(await readFile(join(repo, 'deploy/base', file), 'utf8'))[0]?.toJS() as T;
    const deployment = await load<Deployment>('deployment.yaml');
    const role = await load<ClusterRole>('clusterrole.yaml');
    const container = deployment.spec.template.spec.containers[0];
    // The ClusterRole, rule by rule, as the simulator's per-token permissions.
    const permissions: Permission[] = role.rules.flatMap((rule) =>
      rule.resources.flatMap((resource) =>
        rule.apiGroups.map((group) => ({ resource, group, verbs: rule.verbs })),
      ),
    );
    let sim: SimulatedCluster | undefined;
    try {
      sim = await SimulatedCluster.start({ port: 0 });
      sim.addToken('exporter-sa-token', permissions);
      // The pod reads its mounted token as uid 65532; here the kubeconfig plays that part.
      const kubeconfig = join(work, 'kubeconfig');
      await sim.writeKubeconfig(kubeconfig, { token: 'exporter-sa-token' });
      if (asNonRoot) await chown(kubeconfig, NONROOT, NONROOT);
      const port = await freePort();
      const podEnv = Object.fromEntries((container?.env ?? []).map((e) => [e.name, e.value]));
      const child = start(
        [...(container?.args ?? []), `--kubeconfig=${kubeconfig}`, `--web.listen-address=127.0.0.1:${port}`],
        podEnv,
      );
      const base = `http://127.0.0.1:${port}`;
      const deadline = Date.now() + 30_000;
      let ready = 0;
      while (Date.now() < deadline && child.exitCode === null) {
        ready = await fetch(`${base}/readyz`).then(
          (r) => r.status,
          () => 0,
        );
        if (ready === 200) break;
        await new Promise((r) => setTimeout(r, 200));
      }
      expect(ready, `ready within 30 s; output:\n${child.output()}`).to.equal(200);
      expect((await fetch(`${base}/healthz`)).status).to.equal(200);
      // Ready means listed; the watches must be up too, or the ClusterRole lacks `watch`.
      let metrics = '';
      const watchesUp = /^netpol_exporter_watch_up\{resource="(namespaces|networkpolicies)"\} 1$/gm;
      while (Date.now() < deadline) {
        metrics = await (await fetch(`${base}/metrics`)).text();
        if ((metrics.match(watchesUp) ?? []).length === 2) break;
        await new Promise((r) => setTimeout(r, 200));
      }
      expect(metrics.match(watchesUp), 'both watches up').to.have.length(2);
      expect(metrics, 'no request was refused').to.not.match(
        /^netpol_exporter_api_requests_total\{[^}]*code="40[13]"/m,
      );
      expect(metrics).to.match(/^netpol_namespace_covered\{namespace="kube-system"\} 0$/m);
      expect(metrics).to.match(new RegExp(`^netpol_exporter_build_info\\{[^}]*revision="${REVISION}"`, 'm'));
      // --log.format=json from the Deployment: every log line is JSON.
      const lines = child.output().trim().split('\n').filter(Boolean);
      expect(lines, 'log lines').to.not.be.empty;
      for (const line of lines) expect(() => JSON.parse(line), line).to.not.throw();

      const startedStop = Date.now();
      child.kill('SIGTERM');
      expect(await exited(child), child.output()).to.equal(0);
      expect(Date.now() - startedStop, 'stops well within terminationGracePeriodSeconds').to.be.below(10_000);
    } finally {
      await sim?.stop();
    }
  });
});
