// `remediate --out-dir DIR`: a folder it cannot make or write is a usage error naming the flag (exit 2, never 1, which
// means "uncovered namespaces found"). It is made one level at a time: Node's `mkdir(..., { recursive: true })` loops
// for ever on a path under /proc (the parent exists but refuses the child, so it retries the parent), and its bare
// ENOTDIR names neither the flag nor the part of the path in the way.
import { access, constants, mkdir, stat, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { UsageError } from './flags.ts';

const FLAG = '--out-dir';

function problem(dir: string, what: string): UsageError {
  return new UsageError(`${FLAG} ${dir}: ${what}; name a folder you can write to`);
}

/** The folder itself if it exists, else the nearest ancestor that does. */
async function nearestExisting(path: string): Promise<{ path: string; isDirectory: boolean }> {
  for (let p = path; ; p = dirname(p)) {
    const found = await stat(p).catch((err: { code?: string }) => {
      // ENOTDIR: a file is in the way further up; the walk finds and names it.
      if (err.code === 'ENOENT' || err.code === 'ENOTDIR') return undefined;
      throw err;
    });
    if (found) return { path: p, isDirectory: found.isDirectory() };
    if (dirname(p) === p) return { path: p, isDirectory: false };
  }
}

/** Before any work: the folder exists and is writable, or the nearest existing folder above it is. */
export async function checkOutDir(dir: string): Promise<void> {
  const target = resolve(dir);
  let existing: { path: string; isDirectory: boolean };
  try {
    existing = await nearestExisting(target);
  } catch (err) {
    throw problem(dir, `cannot look at it (${errorText(err)})`);
  }
  if (!existing.isDirectory)
    throw problem(
      dir,
      existing.path === target ? 'it is a file' : `${existing.path} is a file, not a folder`,
    );
  await access(existing.path, constants.W_OK | constants.X_OK).catch(() => {
    throw problem(dir, `${existing.path === target ? 'it' : existing.path} is not writable`);
  });
}

/** Makes the folder, one level at a time. */
export async function makeOutDir(dir: string): Promise<void> {
  const target = resolve(dir);
  const missing: string[] = [];
  for (let p = target; !(await isDirectory(p)); p = dirname(p)) {
    if (dirname(p) === p) break;
    missing.unshift(p);
  }
  for (const level of missing)
    await mkdir(level).catch((err: { code?: string }) => {
      if (err.code !== 'EEXIST') throw problem(dir, `cannot create ${level} (${errorText(err)})`);
    });
}

/** Writes one file into the folder; a failure names the flag and the file. */
export async function writeOutFile(dir: string, file: string, text: string): Promise<void> {
  await writeFile(file, text).catch((err: unknown) => {
    throw problem(dir, `cannot write ${file} (${errorText(err)})`);
  });
}

function isDirectory(path: string): Promise<boolean> {
  return stat(path).then(
    (s) => s.isDirectory(),
    () => false,
  );
}

/** `ENOENT: no such file or directory, mkdir '/proc/x'` as `ENOENT: no such file or directory`. */
function errorText(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return message.replace(/, \w+ '.*'$/, '');
}
