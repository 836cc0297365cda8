// Golden text for the exporter's own families.
import { expect } from 'chai';
import { exporterFamilies } from '../../../src/exposition/families/exporter.ts';
import { renderHeader, renderSamples } from '../../../src/exposition/family.ts';

const sourceStatusFamily = exporterFamilies.find((f) => f.name === 'netpol_exporter_source_status');
if (!sourceStatusFamily) throw new Error('no source status family');

describe('exporter families', () => {
  it('source status: 1 for the current state, 0 for the others', () => {
    const text =
      renderHeader(sourceStatusFamily) +
      renderSamples(sourceStatusFamily, {
        build: { version: 'v', revision: 'r' },
        watches: [],
        sources: [{ source: 'cilium_networkpolicy', state: 'forbidden' }],
      });
    expect(text).to.contain('# TYPE netpol_exporter_source_status gauge\n');
    expect(text).to.contain(
      'netpol_exporter_source_status{source="cilium_networkpolicy",state="watching"} 0\n',
    );
    expect(text).to.contain(
      'netpol_exporter_source_status{source="cilium_networkpolicy",state="not_served"} 0\n',
    );
    expect(text).to.contain(
      'netpol_exporter_source_status{source="cilium_networkpolicy",state="forbidden"} 1\n',
    );
  });
});
