// What the bench runs, built: this tree (compiled by tsc, the exporter then bundled as the image ships it), and an
// earlier revision measured beside it, so that "before" and "after" are measured in one run on the same machine under
// the same load: `git archive` of its src/ into bench/results/ref-<commit>/, compiled there with its own tsconfig;
// node_modules resolve from this checkout (same dependencies).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { bundleExporter } from '../scripts/bundle.ts';

const tsc = (root: string, project: string) =>
  spawnSync(path.join(root, 'node_modules', '.bin', 'tsc'), ['-p', project], { encoding: 'utf8' });

export interface ThisTree {
  /** tsc's output of bench/tsconfig.json: src/, the baselines and the load generator. */
  build: string;
  /** The exporter compiled, not bundled (build/src/cli/main.js). */
  compiled: string;
  /** The exporter as production runs it: `compiled` bundled by scripts/bundle.ts. */
  main: string;
}

export function thisTree(root: string): ThisTree {
  const build = path.join(root, 'bench', 'results', 'build');
  return {
    build,
    compiled: path.join(build, 'src', 'cli', 'main.js'),
    main: path.join(root, 'bench', 'results', 'bundle', 'cli', 'main.js'),
  };
}

/** Compiles this tree (tsx's loader would add its own thread and memory to every child) and bundles the exporter. */
export async function buildThisTree(root: string): Promise<ThisTree> {
  const tree = thisTree(root);
  const { build, compiled } = tree;
  const result = tsc(root, path.join(root, 'bench', 'tsconfig.json'));
  const outputs = [compiled, 'bench/baselines/serve.js', 'bench/load-generator.js'];
  // Type errors elsewhere in a tree others are editing do not stop emit; a missing output does.
  if (!outputs.every((f) => existsSync(path.resolve(build, f))))
    throw new Error(`build failed:\n${result.stdout}${result.stderr}`);
  await bundleExporter(compiled, path.dirname(tree.main));
  return tree;
}

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
  const built = tsc(root, path.join(dir, 'tsconfig.build.json'));
  if (!existsSync(main)) return { revision: commit, skipped: `build failed: ${built.stdout}${built.stderr}` };
  return { revision: commit, dir, main };
}
