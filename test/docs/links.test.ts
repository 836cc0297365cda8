// Every link in the README and the docs pages leads somewhere, anchors included, and every repository path the
// prose names exists: moved files and renamed headings must not leave readers at a dead end.
import { existsSync, globSync, readFileSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { expect } from 'chai';
import { anchors, docPages, inlineCode, links, repoRoot } from '../helpers/markdown.ts';

/**
 * Folders a move in progress creates: paths into them are accepted while the folder is absent, and checked like any
 * other once it exists. The simulator becomes its own workspace package, with its own README.
 */
const PENDING = ['packages/kube-sim'];
const pending = (path: string): boolean =>
  PENDING.some(
    (folder) => (path === folder || path.startsWith(`${folder}/`)) && !existsSync(join(repoRoot, folder)),
  );

/** Paths under folders git ignores are outputs (bench results, test screenshots), not files to find in a checkout. */
const ignoredFolders = readFileSync(join(repoRoot, '.gitignore'), 'utf8')
  .split('\n')
  .map((line) => line.trim())
  .filter((line) => line.endsWith('/') && !line.startsWith('#'));

const TOP_FOLDERS = ['src', 'test', 'deploy', 'docs', 'bench', 'grafana', 'scripts', 'packages', 'bin'];

const pages = docPages();
const anchorsOf = new Map(pages.map((p) => [p.path, anchors(p.text)]));

describe('docs: links and paths', () => {
  for (const page of pages) {
    it(`${page.path}: every relative link resolves, anchors included`, () => {
      const broken: string[] = [];
      for (const { target, line } of links(page.text)) {
        if (/^[a-z]+:/i.test(target)) continue;
        const [file = '', anchor] = target.split('#');
        const path = file === '' ? page.path : normalize(join(dirname(page.path), file));
        if (!existsSync(join(repoRoot, path))) {
          if (!pending(path)) broken.push(`${page.path}:${line}: ${target} (no such file)`);
          continue;
        }
        if (anchor === undefined) continue;
        const offered = anchorsOf.get(path);
        if (!offered)
          broken.push(`${page.path}:${line}: ${target} (an anchor into a page that is not Markdown)`);
        else if (!offered.has(anchor)) broken.push(`${page.path}:${line}: ${target} (no heading #${anchor})`);
      }
      expect(broken).to.deep.equal([]);
    });

    it(`${page.path}: every repository path it names exists`, () => {
      const missing: string[] = [];
      for (const { code, line } of inlineCode(page.text)) {
        const path = code.replace(/[.,:;]$/, '');
        if (!/^[\w.-]+\/[\w./*-]*$/.test(path) || !TOP_FOLDERS.includes(path.split('/')[0] ?? '')) continue;
        if (ignoredFolders.some((folder) => path.startsWith(folder)) || pending(path)) continue;
        const found = path.includes('*')
          ? globSync(path, { cwd: repoRoot }).length > 0
          : existsSync(join(repoRoot, path));
        if (!found) missing.push(`${page.path}:${line}: ${code}`);
      }
      expect(missing).to.deep.equal([]);
    });
  }
});
