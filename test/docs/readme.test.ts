// The README is the contract users read: every exposed metric family and every flag must be in it.
import { readFileSync } from 'node:fs';
import { expect } from 'chai';
import { serveFlags } from '../../src/cli/flags.ts';
import { simulateFlags } from '../../src/cli/simulate-main.ts';
import { exporterFamilies, servingFamilies } from '../../src/exposition/families/exporter.ts';
import { namespaceFamilies } from '../../src/exposition/families/namespace.ts';
import { namespaceContextFamilies } from '../../src/exposition/families/namespace-context.ts';
import {
  podIsolationFamilies,
  protectionFamilies,
  sourceStatusFamily,
} from '../../src/exposition/families/protection.ts';

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

describe('README', () => {
  const families = [
    ...namespaceFamilies,
    ...namespaceContextFamilies,
    ...exporterFamilies({ version: 'x', revision: 'y' }),
    ...protectionFamilies,
    ...podIsolationFamilies,
    sourceStatusFamily,
    ...servingFamilies,
  ];
  for (const family of families) {
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
