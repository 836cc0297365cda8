// The port and address stretches tier rules tell apart.
import { expect } from 'chai';
import { addressPoints, parseCidr, portMatch, portPoints } from '../../../src/core/exposure/traffic-space.ts';
import type { TierRule } from '../../../src/core/sources/reader.ts';

const rule = (over: Partial<TierRule['peers']>, ports?: TierRule['ports']): TierRule => ({
  action: 'deny',
  peers: {
    namespaces: [],
    pods: [],
    networks: [],
    nodes: false,
    domainNames: false,
    addresses: false,
    allAddresses: false,
    unknown: false,
    ...over,
  },
  ...(ports ? { ports } : {}),
});

describe('traffic space: ports and addresses', () => {
  it('one port per stretch between the bounds the rules name, per protocol', () => {
    expect(portPoints([rule({})])).to.deep.equal([{ protocol: '*', port: 0 }]);
    const points = portPoints([rule({}, [{ protocol: 'TCP', start: 80, end: 80 }])]);
    expect(points).to.deep.equal([
      { protocol: 'TCP', port: 1 },
      { protocol: 'TCP', port: 80 },
      { protocol: 'TCP', port: 81 },
      { protocol: 'UDP', port: 1 },
      { protocol: 'SCTP', port: 1 },
    ]);
    expect(points.map((p) => portMatch([{ protocol: 'TCP', start: 80, end: 80 }], p))).to.deep.equal([
      false,
      true,
      false,
      false,
      false,
    ]);
    // A named port may be any number.
    expect(portMatch([{ named: 'http' }], { protocol: 'TCP', port: 8080 })).to.equal('unknown');
  });

  it('reads CIDRs of both families, and refuses what is not one', () => {
    expect(parseCidr('10.0.0.0/8')).to.deep.equal({ family: 4, first: 10n << 24n, last: (11n << 24n) - 1n });
    expect(parseCidr('fd00::/8')?.first).to.equal(0xfdn << 120n);
    expect(parseCidr('::/0')).to.deep.include({ family: 6, first: 0n });
    for (const bad of ['10.0.0.0', '10.0.0.256/8', '10.0.0.0/33', 'fd00:::1/8', 'x/1'])
      expect(parseCidr(bad), bad).to.equal(undefined);
  });

  it('one address per stretch of each family; nodes and domain names apart', () => {
    const points = addressPoints([rule({ networks: ['192.0.2.0/24'], nodes: true })]);
    expect(points.map((p) => (p.kind === 'ip' ? `${p.family}:${p.value}` : p.kind))).to.deep.equal([
      '4:0',
      `4:${(192n << 24n) | (2n << 8n)}`,
      `4:${(192n << 24n) | (3n << 8n)}`,
      '6:0',
      'node',
    ]);
  });
});
