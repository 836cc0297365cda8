// The /metrics body from pre-encoded pieces must be exactly what the text says, with or without gzip: one
// ordinary gzip member that gunzip, Go's gzip reader (Prometheus) and browsers all decode.
import { gunzipSync } from 'node:zlib';
import { expect } from 'chai';
import { encodedPiece, gzipBody, identityBody } from '../../src/exposition/encoded-body.ts';
import { RenderedStore } from '../../src/exposition/rendered-store.ts';

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
    const store = new RenderedStore<number>([
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
        labels: ['k'],
        samples: (v) => [{ labels: [['k', String(v)]], value: v }],
      },
    ]);
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
});
