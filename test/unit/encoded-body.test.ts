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

  it('an empty body is still valid gzip', async () => {
    expect(gunzipSync(Buffer.concat(await gzipBody([]))).length).to.equal(0);
  });

  it("a rendered store's piece follows its changes", () => {
    const store = new RenderedStore<number>([
      { name: 'm', help: 'h.', type: 'gauge', samples: (v) => [{ labels: [['k', String(v)]], value: v }] },
    ]);
    store.set('a', 1);
    const first = store.piece();
    expect(store.piece()).to.equal(first);
    store.set('b', 2);
    expect(store.piece().bytes.toString()).to.equal(store.text());
    expect(store.piece().bytes.toString()).to.contain('m{k="2"} 2');
    store.delete('a');
    expect(store.piece().bytes.toString()).not.to.contain('m{k="1"}');
  });
});
