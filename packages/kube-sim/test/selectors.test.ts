import { expect } from 'chai';
import { parseFieldSelector, parseLabelSelector } from '../src/selectors.ts';
import { StatusError } from '../src/status.ts';

describe('simulator label selectors', () => {
  const web = { app: 'web', tier: 'front' };
  const db = { app: 'db' };
  const cases: [string, boolean, boolean, boolean][] = [
    // selector, matches web, matches db, matches no labels
    ['', true, true, true],
    ['app=web', true, false, false],
    ['app==web', true, false, false],
    ['app!=web', false, true, true],
    ['app in (web, db)', true, true, false],
    ['app notin (web)', false, true, true],
    ['tier', true, false, false],
    ['!tier', false, true, true],
    ['app in (web,db),tier', true, false, false],
    ['app=web,!tier', false, false, false],
  ];
  for (const [sel, w, d, none] of cases) {
    it(`"${sel}"`, () => {
      const m = parseLabelSelector(sel);
      expect([m(web), m(db), m(undefined)]).to.deep.equal([w, d, none]);
    });
  }

  it('rejects garbage with a 400 BadRequest', () => {
    expect(() => parseLabelSelector('app=(x'))
      .to.throw(StatusError)
      .with.property('code', 400);
  });
});

describe('simulator field selectors', () => {
  const o = { metadata: { name: 'a', namespace: 'ns1' } };
  it('supports metadata.name and metadata.namespace with =, ==, !=', () => {
    expect(parseFieldSelector('metadata.name=a')(o)).to.equal(true);
    expect(parseFieldSelector('metadata.name==b')(o)).to.equal(false);
    expect(parseFieldSelector('metadata.namespace!=ns1')(o)).to.equal(false);
    expect(parseFieldSelector('metadata.name=a,metadata.namespace=ns1')(o)).to.equal(true);
  });
  it('rejects other fields as the real server does', () => {
    expect(() => parseFieldSelector('spec.nodeName=x'))
      .to.throw(StatusError)
      .with.property('code', 400);
  });
});
