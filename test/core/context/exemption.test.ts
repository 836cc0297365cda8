import { expect } from 'chai';
import { boundedText, TRUNCATION_MARKER } from '../../../src/core/context/bounded-text.ts';
import {
  type ExemptionRules,
  evaluateExemption,
  isExemptionAnnotation,
  nextChangeSeconds,
  parseExemptionTime,
} from '../../../src/core/context/exemption.ts';

const DAY = 86_400;
const rules: ExemptionRules = { prefix: 'netpol-exporter.io/', maxDurationSeconds: 365 * DAY };
const at = (iso: string) => Date.parse(iso) / 1000;
const NOW = at('2026-06-01T12:00:00Z');
const CREATED = at('2025-01-01T00:00:00Z');

function annotations(over: Record<string, string | undefined> = {}): Record<string, string> {
  const base: Record<string, string | undefined> = {
    exempt: 'true',
    owner: 'team-payments',
    reason: 'legacy batch job, INC-1234',
    expires: '2026-06-30',
    ...over,
  };
  return Object.fromEntries(
    Object.entries(base)
      .filter((e): e is [string, string] => e[1] !== undefined)
      .map(([k, v]) => [`netpol-exporter.io/${k}`, v]),
  );
}

describe('exemption times', () => {
  it('reads a bare date as a whole UTC day: an expiry holds until the end of that day', () => {
    expect(parseExemptionTime('2026-06-30', 'end')).to.equal(at('2026-07-01T00:00:00Z'));
    expect(parseExemptionTime(' 2026-06-30 ', 'start')).to.equal(at('2026-06-30T00:00:00Z'));
  });

  it('reads RFC 3339 times with Z or an offset', () => {
    expect(parseExemptionTime('2026-06-30T12:30:00Z', 'end')).to.equal(at('2026-06-30T12:30:00Z'));
    expect(parseExemptionTime('2026-06-30T14:30:00+02:00', 'end')).to.equal(at('2026-06-30T12:30:00Z'));
    expect(parseExemptionTime('2026-06-30t12:30:00.5z', 'end')).to.equal(at('2026-06-30T12:30:00.5Z'));
  });

  it('rejects dates that do not exist and anything that is not a date', () => {
    for (const raw of [
      '2026-02-30',
      '2026-13-01',
      '2026-02-30T00:00:00Z',
      '2026-06-30T25:00:00Z',
      '2026-06-30T12:00:00', // no zone: ambiguous
      '30/06/2026',
      'next tuesday',
      '1782777600',
      '',
    ])
      expect(parseExemptionTime(raw, 'end'), raw).to.equal(undefined);
  });
});

describe('evaluateExemption', () => {
  it('is valid with exempt, owner, reason and expiry, until the expiry, and says when it changes', () => {
    const status = evaluateExemption(annotations(), CREATED, rules, NOW);
    expect(status).to.deep.equal({
      state: 'valid',
      owner: 'team-payments',
      reason: 'legacy batch job, INC-1234',
      expiresSeconds: at('2026-07-01T00:00:00Z'),
      changesAtSeconds: at('2026-07-01T00:00:00Z'),
    });
    expect(nextChangeSeconds(status)).to.equal(at('2026-07-01T00:00:00Z'));
  });

  it('expires at the expiry, with nothing left to wait for', () => {
    const expiry = at('2026-07-01T00:00:00Z');
    expect(evaluateExemption(annotations(), CREATED, rules, expiry - 1).state).to.equal('valid');
    const expired = evaluateExemption(annotations(), CREATED, rules, expiry);
    expect(expired).to.include({ state: 'expired', owner: 'team-payments', expiresSeconds: expiry });
    expect(nextChangeSeconds(expired)).to.equal(undefined);
  });

  it('reads an exemption that expired while nobody watched as expired, not malformed (restart-safe)', () => {
    // The same annotations evaluated a year later, as a freshly started exporter would.
    expect(evaluateExemption(annotations(), CREATED, rules, NOW + 365 * DAY).state).to.equal('expired');
  });

  it('ignores namespaces without exemption annotations, and an explicit exempt: "false"', () => {
    expect(evaluateExemption({}, CREATED, rules, NOW)).to.deep.equal({ state: 'none' });
    expect(evaluateExemption({ 'other.io/exempt': 'true' }, CREATED, rules, NOW).state).to.equal('none');
    expect(evaluateExemption(annotations({ exempt: 'false' }), CREATED, rules, NOW).state).to.equal('none');
  });

  const invalid: [string, Record<string, string | undefined>, string[]][] = [
    ['no owner', { owner: undefined }, ['missing_owner']],
    ['a blank owner', { owner: '   ' }, ['missing_owner']],
    ['no reason', { reason: undefined }, ['missing_reason']],
    ['no expiry', { expires: undefined }, ['missing_expiry']],
    ['an unparsable expiry', { expires: 'end of Q3' }, ['unparsable_expiry']],
    ['no exempt annotation', { exempt: undefined }, ['missing_exempt']],
    ['exempt: "yes"', { exempt: 'yes' }, ['bad_exempt_value']],
    ['an expiry beyond the maximum', { expires: '2027-12-31' }, ['expiry_too_far']],
    ['an expiry before the namespace existed', { expires: '2024-12-31' }, ['expiry_before_grant']],
    [
      'an expiry before the granted date',
      { granted: '2026-05-01', expires: '2026-04-30' },
      ['expiry_before_grant'],
    ],
    ['an unparsable granted date', { granted: 'yesterday' }, ['unparsable_granted']],
    [
      'several problems at once',
      { owner: undefined, reason: '', expires: 'soon' },
      ['missing_owner', 'missing_reason', 'unparsable_expiry'],
    ],
  ];
  for (const [what, over, problems] of invalid) {
    it(`is malformed with ${what}`, () => {
      const status = evaluateExemption(annotations(over), CREATED, rules, NOW);
      expect(status.state).to.equal('invalid');
      expect(status.state === 'invalid' && status.problems).to.deep.equal(problems);
    });
  }

  it('accepts exempt written as TRUE and values with surrounding spaces', () => {
    const status = evaluateExemption(annotations({ exempt: ' TRUE ', owner: ' bob ' }), CREATED, rules, NOW);
    expect(status).to.include({ state: 'valid', owner: 'bob' });
  });

  it('measures the maximum from granted when set (a 2-year grant stays malformed)', () => {
    const twoYears = annotations({ granted: '2026-05-01', expires: '2028-04-30' });
    expect(evaluateExemption(twoYears, CREATED, rules, NOW).state).to.equal('invalid');
    expect(evaluateExemption(twoYears, CREATED, rules, at('2028-01-01T00:00:00Z')).state).to.equal('invalid');
    const withinYear = annotations({ granted: '2026-05-01', expires: '2027-04-30' });
    expect(evaluateExemption(withinYear, CREATED, rules, NOW)).to.include({ state: 'valid' });
  });

  it('without granted, measures the maximum from now, and says when the expiry comes within it', () => {
    const status = evaluateExemption(annotations({ expires: '2027-12-31' }), CREATED, rules, NOW);
    const becomesValid = at('2028-01-01T00:00:00Z') - 365 * DAY;
    expect(nextChangeSeconds(status)).to.equal(becomesValid);
    expect(
      evaluateExemption(annotations({ expires: '2027-12-31' }), CREATED, rules, becomesValid).state,
    ).to.equal('valid');
  });

  it('does not check the grant when the namespace creation time is unknown', () => {
    // namespaceFacts gives NaN for a namespace without a parsable creationTimestamp.
    expect(evaluateExemption(annotations(), Number.NaN, rules, NOW)).to.include({ state: 'valid' });
    // With the creation time known, the same check refuses an expiry before it: the skip above is the guard's doing.
    expect(evaluateExemption(annotations(), at('2026-07-02T00:00:00Z'), rules, NOW)).to.deep.include({
      state: 'invalid',
      problems: ['expiry_before_grant'],
    });
  });

  it('bounds hostile owners and reasons: no control characters, at most 128/256 characters', () => {
    const hostile = `evil"}\\\n# HELP fake\r\n${'x'.repeat(10_000)}`;
    const status = evaluateExemption(
      annotations({ owner: hostile, reason: `✓ naïve ${'é'.repeat(1000)}` }),
      CREATED,
      rules,
      NOW,
    );
    if (status.state !== 'valid') throw new Error(`expected valid, got ${status.state}`);
    expect(Array.from(status.owner)).to.have.length(128);
    expect(status.owner).to.not.match(/[\n\r]/);
    expect(status.owner.endsWith(TRUNCATION_MARKER)).to.equal(true);
    expect(Array.from(status.reason)).to.have.length(256);
    expect(status.reason.startsWith('✓ naïve é')).to.equal(true);
  });

  it('keeps only its own annotations in the cache', () => {
    const keep = isExemptionAnnotation('example.com/netpol-');
    expect(keep('example.com/netpol-expires')).to.equal(true);
    expect(keep('example.com/netpol-granted')).to.equal(true);
    expect(keep('kubectl.kubernetes.io/last-applied-configuration')).to.equal(false);
    expect(keep('netpol-exporter.io/expires')).to.equal(false);
  });
});

describe('boundedText', () => {
  it('never splits a surrogate pair and replaces lone surrogates', () => {
    expect(boundedText('😀😀😀', 2)).to.equal(`😀${TRUNCATION_MARKER}`);
    expect(boundedText('a\ud800b', 10)).to.equal('a\ufffdb');
    expect(boundedText('short', 10)).to.equal('short');
  });
});
