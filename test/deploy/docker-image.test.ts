// The image, without a Docker engine (none runs here): parse the Dockerfile, replay its build stages in temp folders
// (same COPY sources through the same .dockerignore, same RUN lines, npm from the local cache), assemble the runtime
// stage's root the way its base layer and COPY --from lines do (this repo's Node 24 copied to /nodejs/bin/node, where
// distroless keeps its own), then run the ENTRYPOINT from that root: as uid 65532, with the Deployment's args and env,
// against the simulator, with exactly the RBAC deploy/base grants. The process is given nothing from outside the
// image root, so the test passes wherever the checkout lives (a checkout under a 0700 folder is out of uid 65532's
// reach). Not covered: the base images themselves (node:24 slim, distroless) are never pulled or run.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import {
  chmod,
  chown,
  copyFile,
  cp,
  link,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  realpath,
  rm,
  stat,
  symlink,
} from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, isAbsolute, join, normalize, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { Permission, SimulatedCluster } from '@netpol-exporter/kube-sim';
import { expect } from 'chai';
import { parseAllDocuments } from 'yaml';

const run = promisify(execFile);
const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
// The Node 24 the `node` devDependency installs: the build image's exact version, and the runtime image's Node major.
// The build stages run it from the checkout (as root, like `docker build`); the runtime root gets its own copy.
const NODE = join(repo, 'node_modules/node/bin/node');
// Where distroless/nodejs keeps its Node, and so where the ENTRYPOINT finds it.
const IMAGE_NODE = '/nodejs/bin/node';
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

/** What the runtime stage's base image brings that the Dockerfile relies on: distroless/nodejs's own Node. */
async function baseLayer(image: string, root: string): Promise<void> {
  expect(image, 'a runtime base image this replay can stand in for').to.match(
    /^gcr\.io\/distroless\/nodejs24-debian12:/,
  );
  const node = join(root, IMAGE_NODE);
  await mkdir(dirname(node), { recursive: true });
  // A hard link is free and keeps the binary's mode; across filesystems, a 130 MB copy.
  await link(NODE, node).catch(async () => {
    await copyFile(NODE, node);
    await chmod(node, 0o755);
  });
}

/**
 * Replays the Dockerfile under `work`: the build stages in `work/build` (0700, like a checkout under `mktemp -d`: what
 * the runtime stage does not COPY stays out of uid 65532's reach), the runtime stage's root in `work/image`.
 */
async function replay(work: string, buildArgs: Record<string, string>): Promise<Replayed> {
  const { globalArgs, stages } = parseDockerfile(await readFile(join(repo, 'Dockerfile'), 'utf8'));
  const ignored = dockerignore(await readFile(join(repo, '.dockerignore'), 'utf8'));
  const build = join(work, 'build');
  await mkdir(build, { mode: 0o700 });
  // `npm` resolves `node` from PATH (#!/usr/bin/env node): make that Node 24, as in the node:24 build image.
  const bin = join(build, 'bin');
  await mkdir(bin);
  await symlink(NODE, join(bin, 'node'));
  const roots = new Map<string, string>();
  const timings: Record<string, number> = {};
  let env: Record<string, string> = {};
  let entrypoint: string[] = [];
  const last = stages[stages.length - 1];
  for (const stage of stages) {
    const root = stage === last ? join(work, 'image') : join(build, `stage-${stage.name}`);
    roots.set(stage.name, root);
    await mkdir(root, { recursive: true });
    if (stage === last) await baseLayer(stage.image, root);
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
    template: {
      spec: {
        terminationGracePeriodSeconds: number;
        containers: {
          args?: string[];
          env?: { name: string; value: string }[];
          startupProbe: { periodSeconds: number; failureThreshold: number };
        }[];
      };
    };
  };
}
interface ClusterRole {
  kind: string;
  rules: { apiGroups: string[]; resources: string[]; verbs: string[] }[];
}

describe('Docker image (Dockerfile replayed without a Docker engine)', function () {
  // An npm ci from the local cache, a tsc build, a bundle and short exporter runs: about half a minute here.
  this.timeout(240_000);
  this.slow(90_000);
  let work = '';
  let image: Replayed;
  const children: ChildProcess[] = [];
  const asNonRoot = process.getuid?.() === 0;

  /** The paths an argument names: itself when absolute, or the value of `--flag=/path`. */
  const pathsIn = (args: string[]) =>
    args.flatMap((a) => {
      const value = a.startsWith('--') ? a.slice(a.indexOf('=') + 1) : a;
      return isAbsolute(value) ? [value] : [];
    });

  /** Every path, symlinks resolved, lies inside the image root: the process needs nothing the checkout holds. */
  async function expectInsideImage(paths: string[]): Promise<void> {
    const root = await realpath(image.runtimeRoot);
    for (const path of paths)
      expect(await realpath(path), `${path} resolves inside the image root`).to.satisfy((p: string) =>
        p.startsWith(`${root}${sep}`),
      );
  }

  /** The ENTRYPOINT, run from the replayed image root: its /nodejs/bin/node, its /app, and nothing else. */
  async function start(
    extraArgs: string[],
    env: Record<string, string> = {},
  ): Promise<
    ChildProcess & { output: () => string; running: () => boolean; exited: () => Promise<number | null> }
  > {
    const [command = '', ...argv] = image.entrypoint.map((a) =>
      isAbsolute(a) ? join(image.runtimeRoot, a) : a,
    );
    const cwd = join(image.runtimeRoot, '/app');
    await expectInsideImage([command, cwd, ...pathsIn([...argv, ...extraArgs])]);
    const child = spawn(command, [...argv, ...extraArgs], {
      // Only what the image and the pod set: nothing from this test process (NODE_OPTIONS=--import tsx, for one).
      env: { ...image.env, ...env },
      cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
      ...(asNonRoot ? { uid: NONROOT, gid: NONROOT } : {}),
    });
    children.push(child);
    let output = '';
    let running = true;
    child.stdout?.on('data', (d: Buffer) => {
      output += d.toString();
    });
    child.stderr?.on('data', (d: Buffer) => {
      output += d.toString();
    });
    // A process that cannot start (EACCES, ENOENT) emits `error` and never `exit`: end the wait with its reason.
    const exit = new Promise<number | null>((res) => {
      child.once('exit', (code) => {
        running = false;
        res(code);
      });
      child.once('error', (err) => {
        running = false;
        output += `\n${err.message}`;
        res(null);
      });
    });
    return Object.assign(child, { output: () => output, running: () => running, exited: () => exit });
  }

  before(async () => {
    work = await mkdtemp(join(tmpdir(), 'netpol-image-'));
    // The image root inside must be reachable by uid 65532, as a container's root is: open this folder (0700 from
    // mkdtemp); the build stages beside the image root stay in a 0700 folder of their own.
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
    // Each base image by tag (what it is) and by digest (exactly which build of it): a rebuilt tag changes nothing here.
    const builders = image.stages.slice(0, -1).map((s) => s.image);
    for (const builder of builders) {
      expect(builder, 'Node image pinned by version and digest').to.match(
        /^node:\d+\.\d+\.\d+-[a-z]+(-slim)?@sha256:[0-9a-f]{64}$/,
      );
      expect(builder.split('@')[0]).to.equal(
        `node:${lock.packages['node_modules/node']?.version}-bookworm-slim`,
      );
    }
    expect(image.runtime.image, 'distroless pinned by digest').to.match(
      /^gcr\.io\/distroless\/nodejs24-debian12:nonroot@sha256:[0-9a-f]{64}$/,
    );
    const ops = (op: string) => image.runtime.instructions.filter((i) => i.op === op).map((i) => i.args);
    expect(ops('USER')).to.deep.equal([`${NONROOT}:${NONROOT}`]);
    expect(ops('EXPOSE')).to.deep.equal(['10111']);
    expect(ops('RUN'), 'nothing runs in the runtime stage (it has no shell)').to.deep.equal([]);
    expect(ops('CMD'), 'no CMD: `docker run IMAGE --help` passes --help to the exporter').to.deep.equal([]);
    expect(image.entrypoint).to.deep.equal([
      '/nodejs/bin/node',
      '--max-semi-space-size=4',
      '--memory-saver-mode',
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

  it('ships the bundle in dist/cli, package.json, REVISION and only the packages the bundle leaves outside', async () => {
    const runs = image.stages.flatMap((s) => s.instructions.filter((i) => i.op === 'RUN').map((i) => i.args));
    const installs = runs.filter((r) => /\bnpm ci\b/.test(r));
    expect(installs, 'one install, in the build stage').to.have.length(1);
    expect(installs[0]).to.match(/--ignore-scripts/);
    expect((await readdir(join(image.runtimeRoot, 'app'))).sort()).to.deep.equal(
      ['REVISION', 'dist', 'node_modules', 'package.json'].sort(),
    );
    // The bundle: ES modules only, in one folder (build-info finds package.json two levels up, as from dist/cli).
    const dist = await walk(join(image.runtimeRoot, 'app/dist'));
    expect(dist).to.include('cli/main.js');
    expect(
      dist.filter((f) => !/^cli\/[\w-]+\.js$/.test(f)),
      'only bundled modules',
    ).to.deep.equal([]);
    // node_modules holds exactly what scripts/bundle.ts leaves external, each a production dependency with none of
    // its own.
    const pkg = JSON.parse(await readFile(join(repo, 'package.json'), 'utf8')) as {
      dependencies: Record<string, string>;
    };
    const { BUNDLE_EXTERNALS } = await import('../../scripts/bundle.ts');
    expect((await readdir(join(image.runtimeRoot, 'app/node_modules'))).sort()).to.deep.equal(
      [...BUNDLE_EXTERNALS].sort(),
    );
    for (const name of BUNDLE_EXTERNALS) expect(pkg.dependencies, name).to.have.property(name);
    const modules = await walk(join(image.runtimeRoot, 'app/node_modules'));
    expect(
      modules.filter((f) => f.includes('/node_modules/')),
      'no nested dependencies',
    ).to.deep.equal([]);
    // Nothing of the toolchain or the tests made it into the bundle.
    for (const file of dist) {
      const text = await readFile(join(image.runtimeRoot, 'app/dist', file), 'utf8');
      expect(text, file).to.not.match(/from ["'](mocha|chai|typescript|tsx|esbuild)["']/);
    }
  });

  it('.dockerignore keeps node_modules, dist, tests, coverage, .git and local state out of the build context', async () => {
    const ignored = dockerignore(await readFile(join(repo, '.dockerignore'), 'utf8'));
    for (const path of [
      'node_modules/mocha/package.json',
      'dist/cli/main.js',
      'bundle/cli/main.js',
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
      'packages/kube-sim/test/store.test.ts',
      'packages/kube-sim/dist/index.js',
      'packages/kube-sim/node_modules/x/package.json',
      'packages/kube-sim/README.md',
    ])
      expect(ignored(path), path).to.equal(true);
    for (const path of [
      'package.json',
      'package-lock.json',
      'tsconfig.json',
      'tsconfig.build.json',
      'scripts/bundle.ts',
      'packages/kube-sim/package.json',
      'packages/kube-sim/tsconfig.json',
      'packages/kube-sim/tsconfig.build.json',
    ])
      expect(ignored(path), path).to.equal(false);
    // Every source file reaches the build (a too-broad pattern once dropped src/cli/kubeconfig.ts).
    const sources = [
      ...(await walk(join(repo, 'src'))).map((f) => `src/${f}`),
      ...(await walk(join(repo, 'packages/kube-sim/src'))).map((f) => `packages/kube-sim/src/${f}`),
    ];
    expect(sources.filter(ignored)).to.deep.equal([]);
  });

  it('holds its own Node at /nodejs/bin/node, and uid 65532 can reach it and /app whatever folder the checkout is in', async () => {
    const [command = ''] = image.entrypoint;
    expect(command, 'the entrypoint runs the Node of the image').to.equal(IMAGE_NODE);
    // uid 65532 owns nothing here and is in no group that does: it gets the "other" bits. Every folder from / down
    // must let it through (x), Node must be executable (r-x), the code readable (r); a 0700 folder anywhere above the
    // image root (a checkout or TMPDIR under `mktemp -d`) stops it with EACCES.
    const otherBits = async (path: string, bits: number) => {
      const mode = (await stat(path)).mode & 0o007;
      expect(
        mode & bits,
        `${path} (mode ${(mode | 0o1000).toString(8).slice(1)} for others) lets uid 65532 in`,
      ).to.equal(bits);
    };
    const node = join(image.runtimeRoot, IMAGE_NODE);
    // The script is the entrypoint's first argument that is not a Node flag.
    const main = join(image.runtimeRoot, image.entrypoint.slice(1).find((a) => !a.startsWith('-')) ?? '');
    for (let dir = dirname(node); dir !== dirname(dir); dir = dirname(dir)) await otherBits(dir, 0o001);
    await otherBits(node, 0o005);
    for (let dir = dirname(main); dir !== image.runtimeRoot; dir = dirname(dir)) await otherBits(dir, 0o001);
    await otherBits(main, 0o004);
    await expectInsideImage([node, main]);
    const { stdout } = await run(node, ['--version'], {
      env: {},
      ...(asNonRoot ? { uid: NONROOT, gid: NONROOT } : {}),
    });
    expect(stdout.trim(), 'the Node major the runtime image carries').to.match(/^v24\./);
  });

  it('`docker run IMAGE --help` exits 0 and documents --web.listen-address', async () => {
    const child = await start(['--help']);
    expect(await child.exited(), child.output()).to.equal(0);
    expect(child.output()).to.include('--web.listen-address');
  });

  /** Polls until `check` holds or the child exits or 60 s pass; says which. */
  async function until(child: { running(): boolean }, check: () => Promise<boolean>): Promise<boolean> {
    for (const deadline = Date.now() + 60_000; Date.now() < deadline && child.running(); ) {
      if (await check()) return true;
      await new Promise((r) => setTimeout(r, 200));
    }
    return false;
  }

  it('`docker run IMAGE simulate` starts the simulated API server from the bundle and stops on SIGTERM', async () => {
    const child = await start(['simulate', '--scale-namespaces=3']);
    const listening = /simulated Kubernetes API server listening on https:\/\/127\.0\.0\.1:\d+/;
    expect(await until(child, async () => listening.test(child.output())), child.output()).to.equal(true);
    child.kill('SIGTERM');
    expect(await child.exited(), child.output()).to.equal(0);
  });

  it('`docker run IMAGE demo` becomes ready against its simulated cluster and stops on SIGTERM', async () => {
    const port = await freePort();
    const child = await start(['demo', `--web.listen-address=127.0.0.1:${port}`]);
    const ready = () =>
      fetch(`http://127.0.0.1:${port}/readyz`).then(
        (r) => r.status === 200,
        () => false,
      );
    expect(await until(child, ready), child.output()).to.equal(true);
    child.kill('SIGTERM');
    expect(await child.exited(), child.output()).to.equal(0);
  });

  it("serves /metrics against the simulator with the Deployment's args and env and only deploy/base's RBAC", async () => {
    const { SimulatedCluster } = await import('@netpol-exporter/kube-sim');
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
      // The pod reads its mounted token as uid 65532; here a kubeconfig, mounted inside the image root, plays that part.
      const kubeconfig = join(image.runtimeRoot, 'var/run/secrets/netpol-exporter/kubeconfig');
      await mkdir(dirname(kubeconfig), { recursive: true });
      await sim.writeKubeconfig(kubeconfig, { token: 'exporter-sa-token' });
      if (asNonRoot) await chown(kubeconfig, NONROOT, NONROOT);
      const port = await freePort();
      const podEnv = Object.fromEntries((container?.env ?? []).map((e) => [e.name, e.value]));
      const child = await start(
        [...(container?.args ?? []), `--kubeconfig=${kubeconfig}`, `--web.listen-address=127.0.0.1:${port}`],
        podEnv,
      );
      const base = `http://127.0.0.1:${port}`;
      // Polls until ready, for at most what the startupProbe allows before the kubelet would restart the pod.
      const startupSeconds =
        (container?.startupProbe.periodSeconds ?? 0) * (container?.startupProbe.failureThreshold ?? 0);
      let deadline = Date.now() + startupSeconds * 1000;
      let ready = 0;
      while (Date.now() < deadline && child.running()) {
        ready = await fetch(`${base}/readyz`).then(
          (r) => r.status,
          () => 0,
        );
        if (ready === 200) break;
        await new Promise((r) => setTimeout(r, 200));
      }
      expect(
        ready,
        `ready within the startupProbe's ${startupSeconds} s; output:\n${child.output()}`,
      ).to.equal(200);
      expect((await fetch(`${base}/healthz`)).status).to.equal(200);
      // Ready means listed; the watches must be up too, or the ClusterRole lacks `watch`.
      let metrics = '';
      const watchesUp = /^netpol_exporter_watch_up\{resource="(namespaces|networkpolicies)"\} 1$/gm;
      deadline = Date.now() + startupSeconds * 1000;
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

      // The kubelet sends SIGKILL terminationGracePeriodSeconds after SIGTERM: the exporter must be gone before that.
      const grace = deployment.spec.template.spec.terminationGracePeriodSeconds;
      const startedStop = Date.now();
      child.kill('SIGTERM');
      expect(await child.exited(), child.output()).to.equal(0);
      expect(Date.now() - startedStop, `stops within terminationGracePeriodSeconds (${grace} s)`).to.be.below(
        grace * 1000,
      );
    } finally {
      await sim?.stop();
    }
  });
});
