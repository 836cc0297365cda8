// What a failed request says in the log: undici's `fetch failed` plus what it was caused by.
import { expect } from 'chai';
import { describeError } from '../../src/watch/kube-api.ts';

const fetchFailed = (cause: unknown) => Object.assign(new TypeError('fetch failed'), { cause });
const refused = (address: string, port: number) =>
  Object.assign(new Error(`connect ECONNREFUSED ${address}:${port}`), {
    code: 'ECONNREFUSED',
    address,
    port,
  });

describe('describeError', () => {
  it('names the code and address of a refused connection', () => {
    expect(describeError(fetchFailed(refused('10.0.0.1', 443)))).to.deep.equal({
      message: 'fetch failed (connect ECONNREFUSED 10.0.0.1:443)',
      cause: 'ECONNREFUSED',
      address: '10.0.0.1:443',
    });
  });

  it('names every address tried when a name resolves to several (an AggregateError without a message)', () => {
    const both = Object.assign(new AggregateError([refused('::1', 6443), refused('127.0.0.1', 6443)], ''), {
      code: 'ECONNREFUSED',
    });
    expect(describeError(fetchFailed(both))).to.deep.equal({
      message: 'fetch failed (ECONNREFUSED [::1]:6443, 127.0.0.1:6443)',
      cause: 'ECONNREFUSED',
      address: '[::1]:6443, 127.0.0.1:6443',
    });
  });

  it('keeps a TLS cause and leaves errors without one as they are', () => {
    const tls = Object.assign(new Error('self-signed certificate'), { code: 'DEPTH_ZERO_SELF_SIGNED_CERT' });
    expect(describeError(fetchFailed(tls)).message).to.equal('fetch failed (self-signed certificate)');
    expect(describeError(new Error('list /api/v1/namespaces: 500 boom'))).to.deep.equal({
      message: 'list /api/v1/namespaces: 500 boom',
    });
    expect(describeError('plain')).to.deep.equal({ message: 'plain' });
  });
});
