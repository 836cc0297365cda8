// JSON written in pieces (the audit's report at the size of a monorepo): the pieces joined are JSON.stringify's
// bytes, whatever the value holds and however deep the pieces go; lazy arrays are made as they are written.
import { expect } from 'chai';
import fc from 'fast-check';
import { inChunks, JsonArray, jsonChunks } from '../../src/report/json-chunks.ts';

const joined = (value: unknown, depth?: number) => [...jsonChunks(value, depth)].join('');
const pretty = (value: unknown) => JSON.stringify(value, null, 2);

describe('JSON in pieces', () => {
  it('joins to JSON.stringify(value, null, 2) at every depth, for any JSON value', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.nat(5), (value, depth) => {
        expect(joined(value, depth)).to.equal(pretty(value));
      }),
      { numRuns: 500 },
    );
  });

  it('writes what JSON.stringify leaves out or turns into null the same way, and respects toJSON', () => {
    const value = {
      kept: 1,
      gone: undefined,
      fn: () => 1,
      list: [undefined, () => 1, Symbol('s'), Number.NaN, -0, 'line\nbreak "quoted"'],
      when: new Date(0),
      nested: { empty: {}, none: [], deeper: { only: undefined } },
      own: { toJSON: () => ({ replaced: true }) },
      nothing: null,
    };
    for (const depth of [0, 1, 2, 3, 4])
      expect(joined(value, depth), `depth ${depth}`).to.equal(pretty(value));
  });

  it('makes a lazy array as it is written, once, and writes it as the array it stands for', () => {
    const made: number[] = [];
    const rows = new JsonArray(function* () {
      for (let i = 0; i < 3; i++) {
        made.push(i);
        yield { name: `ns-${i}`, tags: [i], note: i === 1 ? undefined : 'x' };
      }
    });
    const report = { summary: { n: 3 }, namespaces: rows, after: 'end' };
    const pieces = jsonChunks(report);
    // Nothing is made before the pieces are asked for, and the first row only when its turn comes.
    expect(made).to.deep.equal([]);
    let text = '';
    for (const piece of pieces) {
      // The first row is written before the next one is made.
      if (piece.includes('"ns-0"')) expect(made).to.deep.equal([0]);
      text += piece;
    }
    expect(made).to.deep.equal([0, 1, 2]);
    expect(text).to.equal(pretty({ summary: { n: 3 }, namespaces: [...rows], after: 'end' }));
    expect(JSON.stringify(report, null, 2)).to.equal(text);
    // Deeper than the pieces go, and empty.
    expect(joined({ a: { b: { c: rows } } }, 1)).to.equal(pretty({ a: { b: { c: [...rows] } } }));
    const none = new JsonArray(() => []);
    expect(joined({ none })).to.equal(pretty({ none: [] }));
  });

  it('gathers pieces into chunks of about the size asked, losing nothing', () => {
    const pieces = Array.from({ length: 1000 }, (_, i) => `${i},`);
    const chunks = [...inChunks(pieces, 100)];
    expect(chunks.join('')).to.equal(pieces.join(''));
    expect(chunks.slice(0, -1).every((c) => c.length >= 100 && c.length < 110)).to.equal(true);
    expect([...inChunks([])]).to.deep.equal([]);
  });
});
