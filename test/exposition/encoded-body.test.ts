// The /metrics body from pre-encoded pieces must be exactly what the text says, with or without gzip: one
// ordinary gzip member that gunzip, Go's gzip reader (Prometheus) and browsers all decode.
import { spawnSync } from 'node:child_process';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { gunzipSync } from 'node:zlib';
import { expect } from 'chai';
import fc from 'fast-check';
import { encodedPiece, gzipBody, identityBody } from '../../src/exposition/encoded-body.ts';
import type { Family } from '../../src/exposition/family.ts';
import { RenderedStore } from '../../src/exposition/rendered-store.ts';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const numbered: Family<number>[] = [
  {
    name: 'a',
    help: 'h.',
    type: 'gauge',
    labels: ['k'],
    samples: (v) => [{ labels: [['k', String(v)]], value: v }],
  },
  {
    name: 'b',
    help: 'h.',
    type: 'gauge',
    labels: [],
    samples: (v) => (v % 3 === 0 ? [] : [{ labels: [], value: v }]),
  },
];

describe('encoded body', () => {
  const pieces = () => [
    encodedPiece('netpol_namespace_covered{namespace="ns-1"} 1\n'.repeat(5000)),
    encodedPiece(''),
    'netpol_exporter_watch_up{resource="namespaces"} 1\n',
    encodedPiece('label{namespace="ünïcode → ok"} 2\n'),
  ];

  it('identity pieces are the text, in order', () => {
    const text = Buffer.concat(identityBody(pieces())).toString('utf8');
    expect(text.startsWith('netpol_namespace_covered{namespace="ns-1"} 1\n')).to.equal(true);
    expect(
      text.endsWith('netpol_exporter_watch_up{resource="namespaces"} 1\nlabel{namespace="ünïcode → ok"} 2\n'),
    ).to.equal(true);
  });

  it('gzip pieces decompress to the identity body, as a single gzip member', async () => {
    const gz = Buffer.concat(await gzipBody(pieces()));
    expect(gunzipSync(gz).equals(Buffer.concat(identityBody(pieces())))).to.equal(true);
    // One member: the header's magic appears once and the trailer's length is the whole body's.
    expect(gz.indexOf(Buffer.from([0x1f, 0x8b, 8]), 1)).to.equal(-1);
    expect(gz.readUInt32LE(gz.length - 4)).to.equal(Buffer.concat(identityBody(pieces())).length);
  });

  it('stays valid with empty pieces, also once the code is optimised', async () => {
    const body = [encodedPiece('a 1\n'), encodedPiece(''), 'b 2\n', encodedPiece(''), ''];
    for (let i = 0; i < 3000; i++) {
      const gz = Buffer.concat(await gzipBody(body));
      expect(gunzipSync(gz).toString()).to.equal('a 1\nb 2\n');
    }
  });

  it('an empty body is still valid gzip', async () => {
    expect(gunzipSync(Buffer.concat(await gzipBody([]))).length).to.equal(0);
  });

  it("a rendered store's pieces follow its changes and keep unchanged buckets", () => {
    const store = new RenderedStore<number>([
      {
        name: 'm',
        help: 'h.',
        type: 'gauge',
        labels: ['k'],
        samples: (v) => [{ labels: [['k', String(v)]], value: v }],
      },
    ]);
    for (let i = 0; i < 1000; i++) store.set(`k${i}`, i);
    const before = store.pieces();
    expect(store.pieces()).to.deep.equal(before);
    store.set('k999', -1);
    const after = store.pieces();
    // Only the bucket holding k999 was re-encoded; the header and the other buckets are the same objects.
    expect(after.filter((p, i) => p !== before[i])).to.have.length(1);
    const text = Buffer.concat(after.map((p) => p.bytes)).toString();
    expect(text).to.equal(store.text());
    expect(text).to.contain('m{k="-1"} -1\n');
    expect(text.indexOf('m{k="0"} 0\n')).to.be.lessThan(text.indexOf('m{k="998"} 998\n'));
    store.delete('k0');
    expect(store.text()).not.to.contain('m{k="0"} 0\n');
    expect(store.size).to.equal(999);
  });

  it('keeps insertion order across buckets, deletions and re-additions', () => {
    // Both families with a sample per subject, so each lists every key in order.
    const a = numbered[0] as Family<number>;
    const store = new RenderedStore<number>([a, { ...a, name: 'b' }]);
    const order: number[] = [];
    for (let i = 0; i < 600; i++) {
      store.set(`k${i}`, i);
      order.push(i);
    }
    for (let i = 0; i < 300; i++) {
      store.delete(`k${i}`);
      order.shift();
    }
    store.set('k0', 0);
    order.push(0);
    const lines = store.text().split('\n');
    const inFamily = (name: string) =>
      lines.filter((l) => l.startsWith(`${name}{`)).map((l) => Number(l.split(' ')[1]));
    expect(inFamily('a')).to.deep.equal(order);
    expect(inFamily('b')).to.deep.equal(order);
    expect(lines.filter((l) => l.startsWith('# TYPE'))).to.deep.equal(['# TYPE a gauge', '# TYPE b gauge']);
  });

  it('keeps small deflated pieces at their own size, not zlib 16 KB output buffer each', async () => {
    gc();
    const before = process.memoryUsage().arrayBuffers;
    const kept = Array.from({ length: 2000 }, (_, i) => encodedPiece(`m{namespace="ns-${i}"} 1\n`));
    for (const piece of kept) await piece.deflated();
    gc();
    const grown = process.memoryUsage().arrayBuffers - before;
    // 2,000 pieces of about 20 bytes deflated: about 100 KB at their own size, 32 MB pinning zlib's buffers. The
    // bound leaves room for buffers the rest of the process allocates meanwhile (2.2 MB seen on a loaded machine).
    expect(grown).to.be.lessThan(8 * 1024 * 1024);
    expect(kept).to.have.length(2000);
  });

  it('writes a store of thousands of pieces in a few chunks, and reuses them while nothing changes', async () => {
    const store = new RenderedStore<number>(numbered);
    for (let i = 0; i < 40_000; i++) store.set(`k${i}`, i);
    const pieces = () => [...store.pieces(), 'tail 1\n'];
    expect(store.pieces().length).to.be.greaterThan(1200);
    const gz = await gzipBody(pieces());
    // Header, a few dozen joined groups, the tail, final block and trailer: not a write per piece.
    expect(gz.length).to.be.within(5, 30);
    const again = await gzipBody(pieces());
    for (let i = 1; i < gz.length - 3; i++) expect(again[i]).to.equal(gz[i]); // the same buffers: nothing re-encoded
    store.set('k10', -10);
    const changed = Buffer.concat(await gzipBody(pieces()));
    expect(gunzipSync(changed).toString()).to.equal(`${store.text()}tail 1\n`);
    expect(gunzipSync(changed).toString()).to.contain('a{k="-10"} -10\n');
  });

  it('concurrent scrapes of one body get the same bytes', async () => {
    const store = new RenderedStore<number>(numbered);
    for (let i = 0; i < 700; i++) store.set(`k${i}`, i);
    const bodies = await Promise.all(Array.from({ length: 8 }, () => gzipBody(store.pieces())));
    for (const body of bodies) expect(gunzipSync(Buffer.concat(body)).toString()).to.equal(store.text());
  });

  it('gzip and identity bodies always match the subjects, whatever the changes between scrapes', async () => {
    const op = fc.oneof(
      fc.record({ set: fc.integer({ min: 0, max: 300 }), value: fc.integer({ min: -5, max: 1000 }) }),
      fc.record({ del: fc.integer({ min: 0, max: 300 }) }),
      fc.constant('gzip' as const),
      fc.constant('identity' as const),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(op, { maxLength: 120 }), async (ops) => {
        const store = new RenderedStore<number>(numbered);
        const model = new Map<string, number>();
        const expected = () => {
          let text = '';
          for (const family of numbered) {
            text += `# HELP ${family.name} h.\n# TYPE ${family.name} gauge\n`;
            for (const v of model.values())
              for (const s of family.samples(v))
                text += `${family.name}${s.labels.length ? `{k="${v}"}` : ''} ${s.value}\n`;
          }
          return text;
        };
        for (const o of [...ops, 'gzip' as const, 'identity' as const]) {
          if (o === 'gzip') {
            const body = gunzipSync(Buffer.concat(await gzipBody([...store.pieces(), 'x 1\n'])));
            expect(body.toString()).to.equal(`${expected()}x 1\n`);
          } else if (o === 'identity') {
            expect(Buffer.concat(identityBody(store.pieces())).toString()).to.equal(expected());
          } else if ('set' in o) {
            store.set(`k${o.set}`, o.value);
            model.set(`k${o.set}`, o.value);
          } else {
            store.delete(`k${o.del}`);
            // A deleted key comes back at the end, as a new subject.
            model.delete(`k${o.del}`);
          }
        }
      }),
      { numRuns: 150 },
    );
  });

  it('per-scrape text of any size decodes, with gunzip and with the gzip command alike', async () => {
    const line = (i: number) => `process_metric{kind="k${i}"} ${i}\n`;
    const small = Array.from({ length: 200 }, (_, i) => line(i)).join(''); // a tail of a few KB: stored as is
    const large = Array.from({ length: 5000 }, (_, i) => line(i)).join(''); // over the stored limit: compressed
    const body = [encodedPiece('a 1\n'), small, encodedPiece('b 2\n'), large, 'ü 3\n'];
    const gz = Buffer.concat(await gzipBody(body));
    const expected = `a 1\n${small}b 2\n${large}ü 3\n`;
    expect(gunzipSync(gz).toString()).to.equal(expected);
    const cli = spawnSync('gzip', ['-dc'], { input: gz });
    expect(cli.status, String(cli.stderr)).to.equal(0);
    expect(cli.stdout.toString()).to.equal(expected);
  });
});
