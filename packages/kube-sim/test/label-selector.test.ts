import { expect } from 'chai';
import { type LabelRequirement, labelsMatch, parseLabelRequirements } from '../src/label-selector.ts';
import { StatusError } from '../src/status.ts';

/** What the client reads from the 400: the Status message. */
function rejection(text: string): string {
  try {
    parseLabelRequirements(text);
  } catch (err) {
    expect(err).to.be.instanceOf(StatusError);
    expect((err as StatusError).code).to.equal(400);
    expect((err as StatusError).reason).to.equal('BadRequest');
    return (err as StatusError).message;
  }
  throw new Error(`${JSON.stringify(text)} was accepted`);
}

const req = (key: string, operator: LabelRequirement['operator'], values: string[] = []) => ({
  key,
  operator,
  values,
});

describe('label selectors as apimachinery parses them', () => {
  // Texts from apimachinery's own selector tests (TestSelectorParse, TestLexer) and edges around them.
  const accepted: [string, LabelRequirement[]][] = [
    ['', []],
    [' \t\r\n', []],
    ['x=a,y=b,z=c', [req('x', '=', ['a']), req('y', '=', ['b']), req('z', '=', ['c'])]],
    ['x!=a,y=b', [req('x', '!=', ['a']), req('y', '=', ['b'])]],
    ['x=', [req('x', '=', [''])]],
    ['x= ,z= ', [req('x', '=', ['']), req('z', '=', [''])]],
    ['x==a', [req('x', '==', ['a'])]],
    ['!x', [req('x', '!')]],
    ['! x', [req('x', '!')]],
    ['x', [req('x', 'exists')]],
    ['x>1', [req('x', 'gt', ['1'])]],
    ['x>1,z<5', [req('x', 'gt', ['1']), req('z', 'lt', ['5'])]],
    ['x in (b,a,a)', [req('x', 'in', ['a', 'b'])]],
    ['x in(a)', [req('x', 'in', ['a'])]],
    ['x notin ( a , b )', [req('x', 'notin', ['a', 'b'])]],
    ['x in ()', [req('x', 'in', [''])]],
    ['x in (,)', [req('x', 'in', [''])]],
    ['x in (a,)', [req('x', 'in', ['', 'a'])]],
    ['x in (a,,b)', [req('x', 'in', ['', 'a', 'b'])]],
    // `in` and `notin` are keywords only where an operator is expected.
    ['in in (in)', [req('in', 'in', ['in'])]],
    ['notin=notin', [req('notin', '=', ['notin'])]],
    ['example.com/app_name=my_value', [req('example.com/app_name', '=', ['my_value'])]],
    [`a=${'v'.repeat(63)}`, [req('a', '=', ['v'.repeat(63)])]],
  ];
  for (const [text, requirements] of accepted) {
    it(`accepts ${JSON.stringify(text)}`, () => {
      expect(parseLabelRequirements(text)).to.deep.equal(requirements);
    });
  }

  const rejected: [string, string][] = [
    ['x=a||y=b', 'unable to parse requirement: values[0][x]: Invalid value: "a||y": a valid label must be'],
    ['x==a==b', "found '==', expected: ',' or 'end of string'"],
    ['!x=a', "found '=', expected: ',' or 'end of string'"],
    [
      'x<a',
      `unable to parse requirement: values[0]: Invalid value: "a": for 'Gt', 'Lt' operators, the value must be an integer`,
    ],
    ['x y', "unable to parse requirement: found 'y', expected: in, notin, =, ==, !=, gt, lt"],
    ['x in a', "unable to parse requirement: found 'a' expected: '('"],
    ['x in (a,,)', "unable to parse requirement: found ')', expected: ',', or identifier"],
    ['x in (a b)', "unable to parse requirement: found 'b', expected: ',' or ')'"],
    ['x,', "found '', expected: identifier after ','"],
    [',x', "found ',', expected: !, identifier, or 'end of string'"],
    ['!', "unable to parse requirement: found '', expected: identifier"],
    [
      'A/b',
      'unable to parse requirement: <nil>: Invalid value: "A/b": prefix part a lowercase RFC 1123 subdomain must consist of',
    ],
    ['a/b/c', 'unable to parse requirement: <nil>: Invalid value: "a/b/c": a qualified name must consist of'],
    ['/a', 'unable to parse requirement: <nil>: Invalid value: "/a": prefix part must be non-empty'],
    [`${'k'.repeat(64)}`, 'name part must be no more than 63 characters'],
    [`a=${'v'.repeat(64)}`, 'must be no more than 63 characters'],
    ['a=b\u00a0', 'unable to parse requirement: values[0][a]: Invalid value: "b\\u00a0"'],
    ['\f', 'unable to parse requirement: <nil>: Invalid value: "\\f"'],
  ];
  for (const [text, message] of rejected) {
    it(`rejects ${JSON.stringify(text)} with a 400 the real server would word the same`, () => {
      expect(rejection(text)).to.contain(message);
    });
  }

  it('matches as Requirement.Matches: absent labels pass notin and !=, gt/lt compare integers', () => {
    const match = (text: string, labels: Record<string, string>) =>
      labelsMatch(parseLabelRequirements(text), labels);
    expect(match('x!=a', {})).to.equal(true);
    expect(match('x notin (a)', { x: 'b' })).to.equal(true);
    expect(match('x notin (a)', { x: 'a' })).to.equal(false);
    expect(match('x in ()', { x: '' })).to.equal(true);
    expect(match('x in ()', {})).to.equal(false);
    expect(match('x=', { x: '' })).to.equal(true);
    expect(match('x>9', { x: '10' })).to.equal(true);
    expect(match('x>9', { x: 'ten' })).to.equal(false);
    expect(match('x<9', {})).to.equal(false);
    expect(match('x,!y', { x: '' })).to.equal(true);
    expect(match('x,!y', { x: '', y: '' })).to.equal(false);
  });
});
