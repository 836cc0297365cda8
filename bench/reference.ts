// Variants of the exporter measured beside this tree's, so that "before" and "after" are measured in one run on the
// same machine under the same load. An earlier revision: `git archive` of its src/ into bench/results/ref-<commit>/,
// compiled there with its own tsconfig; node_modules resolve from this checkout (same dependencies).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
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
