// Variants of the exporter measured beside this tree's, so that "before" and "after" are measured in one run on the
// same machine under the same load. An earlier revision: `git archive` of its src/ into bench/results/ref-<commit>/,
// compiled there with its own tsconfig; node_modules resolve from this checkout (same dependencies).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { cp, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';

/** The exporter before the memory and scrape-CPU work: "today" in the targets (3x its scrapes per second). */
export const REFERENCE_REVISION = '3adae92';

export type Reference =
  | { revision: string; dir: string; main: string }
  | { revision: string; skipped: string };

export function buildReference(root: string, revision: string): Reference {
  const git = (args: string[], input?: Buffer) =>
    spawnSync('git', args, { cwd: root, ...(input ? { input } : {}), maxBuffer: 256 * 1024 * 1024 });
  const parsed = git(['rev-parse', '--verify', '--quiet', `${revision}^{commit}`]);
  if (parsed.status !== 0) return { revision, skipped: `revision ${revision} is not in this checkout` };
  const commit = parsed.stdout.toString().trim().slice(0, 12);
  const dir = path.join(root, 'bench', 'results', `ref-${commit}`);
  const main = path.join(dir, 'dist', 'cli', 'main.js');
  if (existsSync(main)) return { revision: commit, dir, main };
  mkdirSync(dir, { recursive: true });
  const archive = git([
    'archive',
    '--format=tar',
    commit,
    'src',
    'package.json',
    'tsconfig.json',
    'tsconfig.build.json',
  ]);
  if (archive.status !== 0) return { revision: commit, skipped: `git archive failed: ${archive.stderr}` };
  const untar = spawnSync('tar', ['-x', '-C', dir], { input: archive.stdout });
  if (untar.status !== 0) return { revision: commit, skipped: `tar failed: ${untar.stderr}` };
  const tsc = spawnSync(
    path.join(root, 'node_modules', '.bin', 'tsc'),
    ['-p', path.join(dir, 'tsconfig.build.json')],
    {
      encoding: 'utf8',
    },
  );
  if (!existsSync(main)) return { revision: commit, skipped: `build failed: ${tsc.stdout}${tsc.stderr}` };
  return { revision: commit, dir, main };
}

/**
 * This tree with src/exposition/process-metrics.ts standing in for prom-client's default metrics, as the exporter
 * will use it: the compiled tree copied, and exporter.js's prom-client import replaced by a stand-in with the same
 * two calls. Undefined once the exporter no longer imports prom-client (it is wired in for real).
 */
export async function withProcessMetrics(root: string, build: string): Promise<string | undefined> {
  const dir = path.join(root, 'bench', 'results', 'with-process-metrics');
  await rm(dir, { recursive: true, force: true });
  await cp(path.join(build, 'src'), path.join(dir, 'src'), { recursive: true });
  const exporter = path.join(dir, 'src', 'exporter', 'exporter.js');
  const importLine = "import { collectDefaultMetrics, Registry } from 'prom-client';";
  const source = readFileSync(exporter, 'utf8');
  if (!source.includes(importLine)) return undefined;
  await writeFile(
    exporter,
    source.replace(
      importLine,
      "import { ProcessMetrics } from '../exposition/process-metrics.js'; const collectDefaultMetrics = () => {}; class Registry { metricsText = new ProcessMetrics(); async metrics() { return this.metricsText.text(); } removeSingleMetric() {} }",
    ),
  );
  return path.join(dir, 'src', 'cli', 'main.js');
}

/**
 * This tree's compiled exporter as one esbuild bundle (what the image could ship instead of dist/ and node_modules):
 * the same code, tree-shaken, so client-node's unused API classes and models are never loaded. Undefined where
 * esbuild is not installed.
 */
export function bundledExporter(root: string, build: string): string | undefined {
  const esbuild = path.join(root, 'node_modules', '.bin', 'esbuild');
  if (!existsSync(esbuild)) return undefined;
  const out = path.join(root, 'bench', 'results', 'bundled', 'cli', 'main.mjs');
  const r = spawnSync(esbuild, [
    path.join(build, 'src', 'cli', 'main.js'),
    '--bundle',
    '--platform=node',
    '--format=esm',
    '--target=node22',
    `--outfile=${out}`,
    '--log-level=error',
    // CommonJS dependencies inside an ES module bundle still call require().
    "--banner:js=import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
  ]);
  return r.status === 0 && existsSync(out) ? out : undefined;
}
