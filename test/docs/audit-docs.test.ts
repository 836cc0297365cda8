// The README documents every flag of audit and remediate, with its environment variable.
import { readFileSync } from 'node:fs';
import { expect } from 'chai';
import { auditFlags } from '../../src/cli/audit.ts';
import { remediateFlags } from '../../src/cli/remediate.ts';

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

describe('README (audit and remediate)', () => {
  for (const [command, flags] of Object.entries({ audit: auditFlags, remediate: remediateFlags })) {
    for (const f of Object.values(flags)) {
      it(`documents ${command} --${f.name} and ${f.env}`, () => {
        expect(readme).to.contain(`\`--${f.name}\``);
        expect(readme).to.contain(`\`${f.env}\``);
      });
    }
  }
  it('links the JSON schema of the report', () => {
    expect(readme).to.contain('docs/coverage-report.schema.json');
  });
});
