// The README is the contract users read: every exposed metric family and every flag must be in it.
import { readFileSync } from 'node:fs';
import { expect } from 'chai';
import { serveFlags } from '../../src/cli/flags.ts';
import { simulateFlags } from '../../src/cli/simulate-main.ts';
import { ALL_FAMILIES } from '../../src/exposition/families/index.ts';

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

describe('README', () => {
  for (const family of ALL_FAMILIES) {
    it(`documents the metric ${family.name}`, () => {
      expect(readme).to.contain(`\`${family.name}\``);
    });
  }
  for (const f of Object.values(serveFlags)) {
    it(`documents the flag --${f.name} and ${f.env}`, () => {
      expect(readme).to.contain(`\`--${f.name}\``);
      expect(readme).to.contain(`\`${f.env}\``);
    });
  }
  for (const f of Object.values(simulateFlags)) {
    it(`documents the simulate flag --${f.name}`, () => {
      expect(readme).to.contain(`--${f.name}`);
    });
  }
});
