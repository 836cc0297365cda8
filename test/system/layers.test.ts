// The layout's promises, read from the imports: src/ holds folders only (and the CLI entry point inside cli/), each
// folder imports only the layers below it, and the pure core imports no client, server or Prometheus library.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { expect } from 'chai';

const SRC = new URL('../../src/', import.meta.url).pathname;

/** What each folder may import besides itself, lowest layer first; cli, the entry, may import anything. */
const ALLOWED: Record<string, readonly string[]> = {
  support: [],
  core: [],
  exposition: ['core', 'support'],
  watch: ['core', 'support'],
  report: ['core'],
  remediate: ['core'],
  audit: ['core', 'report', 'watch', 'support'],
  exporter: ['core', 'exposition', 'watch', 'support'],
  http: ['core', 'exposition', 'report', 'support'],
};
const CORE_MAY_NOT_IMPORT =
  /^(@kubernetes\/|prom-client|express|pino|undici|node:(http|https|net|fs|child_process))/;

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : path.endsWith('.ts') ? [path] : [];
  });
}

function imports(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/(?:from\s+|import\s*\(\s*)'([^']+)'/g)].map((m) => m[1] as string);
}

const folderOf = (path: string) => relative(SRC, path).split(sep)[0] as string;

describe('source layout', () => {
  it('src/ has folders only', () => {
    const loose = readdirSync(SRC).filter((name) => !statSync(join(SRC, name)).isDirectory());
    expect(loose).to.deep.equal([]);
  });

  it('every folder has a place in the layer order', () => {
    const folders = readdirSync(SRC).filter((name) => statSync(join(SRC, name)).isDirectory());
    expect(folders.filter((f) => f !== 'cli' && !(f in ALLOWED))).to.deep.equal([]);
  });

  for (const [folder, allowed] of Object.entries(ALLOWED))
    it(`${folder}/ imports only ${allowed.length ? allowed.join(', ') : 'itself'}`, () => {
      const wrong: string[] = [];
      for (const file of files(join(SRC, folder)))
        for (const spec of imports(file)) {
          if (folder === 'core' && CORE_MAY_NOT_IMPORT.test(spec))
            wrong.push(`${relative(SRC, file)} -> ${spec}`);
          if (!spec.startsWith('.')) continue;
          const target = folderOf(join(file, '..', spec));
          if (target !== folder && !allowed.includes(target)) wrong.push(`${relative(SRC, file)} -> ${spec}`);
        }
      expect(wrong).to.deep.equal([]);
    });
});
