// The layout's promises, read from the imports: src/ holds folders only (and the CLI entry point inside cli/), each
// folder imports only the layers below it, the pure core imports no client, server or Prometheus library, the
// core's rooms import only the rooms below them, and no file of src reaches itself through its imports.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
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

/**
 * The rooms of src/core, lowest first, and what each may import besides itself. The files at the top of core are
 * the shared vocabulary (facts, directions, data status) and the coverage files; each wing is a folder.
 */
const CORE_ROOMS: Record<string, readonly string[]> = {
  vocabulary: [],
  addresses: [],
  selectors: ['vocabulary'],
  context: ['vocabulary', 'selectors'],
  sources: ['vocabulary', 'selectors'],
  coverage: ['vocabulary', 'selectors', 'sources', 'context'],
  exposure: ['vocabulary', 'addresses', 'selectors', 'sources', 'coverage'],
  'internet-facing': ['vocabulary', 'addresses'],
};
const VOCABULARY = ['facts.ts', 'direction.ts', 'data-status.ts'];
const CORE = join(SRC, 'core');
const MAX_CORE_TOP_FILES = 8;
const MAX_LINES = 600;

/** A core file's room: its wing's folder, else vocabulary or coverage for the files at the top. */
function coreRoom(path: string): string {
  const parts = relative(CORE, path).split(sep);
  if (parts.length > 1) return parts[0] as string;
  return VOCABULARY.includes(parts[0] as string) ? 'vocabulary' : 'coverage';
}

/** Relative imports of every file of src, as absolute paths of files that exist. */
function importGraph(): Map<string, string[]> {
  const all = files(SRC);
  const known = new Set(all);
  return new Map(
    all.map((file) => [
      file,
      imports(file)
        .filter((spec) => spec.startsWith('.'))
        .map((spec) => resolve(dirname(file), spec))
        .filter((target) => known.has(target)),
    ]),
  );
}

/** One import circle (as a path that ends where it starts), or undefined when the graph has none. */
function findCycle(graph: Map<string, string[]>): string[] | undefined {
  const state = new Map<string, 'open' | 'done'>();
  const path: string[] = [];
  const visit = (file: string): string[] | undefined => {
    if (state.get(file) === 'done') return undefined;
    if (state.get(file) === 'open') return [...path.slice(path.indexOf(file)), file];
    state.set(file, 'open');
    path.push(file);
    for (const next of graph.get(file) ?? []) {
      const cycle = visit(next);
      if (cycle) return cycle;
    }
    path.pop();
    state.set(file, 'done');
    return undefined;
  };
  for (const file of graph.keys()) {
    const cycle = visit(file);
    if (cycle) return cycle;
  }
  return undefined;
}

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

  it('no file of src reaches itself through its imports', () => {
    const cycle = findCycle(importGraph());
    expect(cycle?.map((file) => relative(SRC, file)).join(' -> ')).to.equal(undefined);
  });

  it('finds a circle when there is one', () => {
    const graph = new Map([
      ['a', ['b']],
      ['b', ['c']],
      ['c', ['a']],
      ['d', ['a']],
    ]);
    expect(findCycle(graph)).to.deep.equal(['a', 'b', 'c', 'a']);
    expect(findCycle(new Map([...graph, ['c', []]]))).to.equal(undefined);
  });
});

describe('core layout', () => {
  it(`src/core holds at most ${MAX_CORE_TOP_FILES} files at its top, the rest in wings with a room`, () => {
    const top = readdirSync(CORE).filter((name) => name.endsWith('.ts'));
    expect(top.length, top.join(' ')).to.be.at.most(MAX_CORE_TOP_FILES);
    const wings = readdirSync(CORE).filter((name) => statSync(join(CORE, name)).isDirectory());
    expect(wings.filter((w) => !(w in CORE_ROOMS))).to.deep.equal([]);
  });

  for (const [room, allowed] of Object.entries(CORE_ROOMS))
    it(`core's ${room} imports only ${allowed.length ? allowed.join(', ') : 'itself'}`, () => {
      const wrong: string[] = [];
      for (const [file, targets] of importGraph()) {
        if (folderOf(file) !== 'core' || coreRoom(file) !== room) continue;
        for (const target of targets) {
          const to = coreRoom(target);
          if (to !== room && !allowed.includes(to))
            wrong.push(`${relative(SRC, file)} -> ${relative(SRC, target)}`);
        }
      }
      expect(wrong).to.deep.equal([]);
    });

  it(`no core file is over ${MAX_LINES} lines`, () => {
    const long = files(CORE)
      .map((file) => ({
        file: relative(SRC, file),
        lines: readFileSync(file, 'utf8').split('\n').length - 1,
      }))
      .filter((f) => f.lines > MAX_LINES);
    expect(long).to.deep.equal([]);
  });
});
