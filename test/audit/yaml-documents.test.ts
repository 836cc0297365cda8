// A large manifest read a chunk at a time: the documents, their values and their lines are those of the whole text,
// wherever the chunks split it (in a line, in a marker, in a multi-byte character, before or after a BOM), and a text
// only the full parser reads right says so however it is split.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import fc from 'fast-check';
import {
  parseManifests,
  READ_CHUNK,
  readManifests,
  TEMPLATE,
  templateSpotter,
} from '../../src/audit/manifests.ts';
import { DocumentSplitter, eachDocument, type ParsedDocument } from '../../src/audit/yaml-documents.ts';

/** Lines a manifest stream is made of: documents, markers with and without content, comments, blank lines, JSON. */
const line = fc.constantFrom(
  '---',
  '--- ',
  '--- # a comment',
  '--- {a: 1}',
  '---x: 1',
  'kind: Namespace',
  'metadata: {name: café}',
  'metadata:',
  '  name: ns-1',
  '  labels: {team: "ü"}',
  '# only a comment',
  '',
  '   ',
  'list:',
  '  - one',
  '  - two',
  '{"kind": "Namespace", "metadata": {"name": "j"}}',
  '...',
  '%YAML 1.2',
  'bad: [unclosed',
);

const whole = (text: string) => {
  const docs: ParsedDocument[] = [];
  const ok = eachDocument(text, (d) => docs.push(d));
  return { ok, docs: ok ? docs : [] };
};

function inPieces(text: string, cuts: number[]) {
  const docs: ParsedDocument[] = [];
  const splitter = new DocumentSplitter((d) => docs.push(d));
  const at = [...new Set(cuts.map((c) => c % (text.length + 1)))].sort((a, b) => a - b);
  let ok = true;
  let from = 0;
  for (const cut of [...at, text.length]) {
    if (!splitter.push(text.slice(from, cut))) {
      ok = false;
      break;
    }
    from = cut;
  }
  ok &&= splitter.end();
  return { ok, docs: ok ? docs : [] };
}

describe('YAML documents a chunk at a time', () => {
  it('finds the documents, values and lines of the whole text, wherever the pieces split it', () => {
    fc.assert(
      fc.property(
        fc.array(line, { maxLength: 30 }),
        fc.boolean(),
        fc.boolean(),
        fc.array(fc.nat(2000), { maxLength: 8 }),
        (lines, bom, newlineAtEnd, cuts) => {
          const text = `${bom ? '\ufeff' : ''}${lines.join('\n')}${newlineAtEnd ? '\n' : ''}`;
          expect(inPieces(text, cuts)).to.deep.equal(whole(text));
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('spots a Helm template in pieces as in the whole text, even across pieces', () => {
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom('{', '}', '{{', '}}', '{{-', ' ', 'x', '.Values', '\n', '-'), {
          maxLength: 40,
        }),
        fc.array(fc.nat(200), { maxLength: 6 }),
        (parts, cuts) => {
          const text = parts.join('');
          const spotted = templateSpotter();
          const at = [...new Set(cuts.map((c) => c % (text.length + 1)))].sort((a, b) => a - b);
          let found = false;
          let from = 0;
          for (const cut of [...at, text.length]) {
            found ||= spotted(text.slice(from, cut));
            from = cut;
          }
          expect(found, JSON.stringify({ text, at })).to.equal(TEMPLATE.test(text));
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('reads a file of several chunks as the whole text reads, a template across two chunks included', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'netpol-chunks-'));
    try {
      // Many chunks, with multi-byte characters everywhere, so chunks end inside lines and characters.
      const docs = Array.from(
        { length: 12000 },
        (_, i) =>
          `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c${i}, namespace: ns-${i % 7}}\ndata: {note: "é€𝄞 ${'x'.repeat(i % 90)}"}\n`,
      );
      const text = `\ufeff# a repository\n${docs.join('---\n')}`;
      expect(Buffer.byteLength(text)).to.be.greaterThan(10 * READ_CHUNK);
      const file = join(dir, 'big.yaml');
      await writeFile(file, text);
      const read = await readManifests([file]);
      const want = parseManifests(text, file);
      expect(read).to.have.length(12000);
      expect(read).to.deep.equal(want);

      // A template (`x-{{ .Values.name }}`, a plain string to both parsers) with its first brace at the end of the
      // third chunk: the file is read as it is in one string.
      const templatedWith = (pad: number) =>
        `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a, namespace: b}\ndata: {pad: ${'x'.repeat(pad)}}\n---\n` +
        'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: c\n  annotations:\n    note: x-{{ .Values.name }}\n' +
        '    when: 2030-01-01\n';
      const templated = templatedWith(3 * READ_CHUNK - 1 - templatedWith(0).indexOf('{{'));
      expect(templated.indexOf('{{')).to.equal(3 * READ_CHUNK - 1);
      await writeFile(join(dir, 'templated.yaml'), templated);
      const objects = await readManifests([join(dir, 'templated.yaml')]);
      expect(objects).to.deep.equal(parseManifests(templated, join(dir, 'templated.yaml')));
      expect(objects[1]?.object.metadata).to.deep.equal({
        name: 'c',
        annotations: { note: 'x-{{ .Values.name }}', when: '2030-01-01' },
      });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
