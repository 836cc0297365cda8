// Property tests: whatever the API sends (missing fields, nulls, wrong types, unknown policyTypes, huge and unicode
// values, quotes, backslashes, newlines; events duplicated, reordered, policies before their namespace), the core
// never throws, its state equals a from-scratch computation, and the exposition parses and passes promtool.
import { expect } from 'chai';
import fc from 'fast-check';
import { DEFAULT_ANNOTATION_PREFIX } from '../../src/core/context/exemption.ts';
import { CoverageState } from '../../src/core/coverage-state.ts';
import { namespaceFacts, policyFacts } from '../../src/core/facts.ts';
import type { NamespaceVerdict } from '../../src/core/verdict.ts';
import { namespaceFamilies } from '../../src/exposition/families/namespace.ts';
import { protectionFamilies } from '../../src/exposition/families/protection.ts';
import { RenderedStore } from '../../src/exposition/rendered-store.ts';
import { escapeLabelValue, sampleLine } from '../../src/exposition/text.ts';
import { expositionProblems, promtoolCheck } from '../helpers/exposition-check.ts';

/** Strings an attacker or a buggy controller might put into names, labels and annotations. */
const hostileString = fc.oneof(
  fc.string(),
  fc.string({ unit: 'binary' }),
  fc.string({ unit: 'grapheme' }),
  fc.constantFrom(
    '',
    '"',
    '\\',
    '\n',
    '\\n',
    '\r\n',
    '"}\nfake_metric 1\n',
    'a"b\\c\nd',
    '\u0000',
    '\u2028\u2029',
    '\ud800',
    '😀👩‍👩‍👧',
    'Ω≈ç√∫',
    '{',
    '} 1',
    ' # HELP x',
  ),
  fc.constant('x'.repeat(70_000)),
  fc.constant('é\\"'.repeat(5000)),
);

/** Anything JSON can carry, with hostile strings in it. */
const anyJson = fc.oneof(
  { depthSize: 'small' },
  fc.constant(null),
  fc.boolean(),
  fc.integer(),
  fc.double(),
  hostileString,
  fc.array(fc.anything({ maxDepth: 2 }), { maxLength: 3 }),
  fc.dictionary(hostileString, fc.anything({ maxDepth: 2 }), { maxKeys: 3 }),
);

/** Usually the well-typed value, sometimes missing, null or of the wrong type. */
const maybe = <T>(arb: fc.Arbitrary<T>) =>
  fc.oneof(
    { arbitrary: arb, weight: 8 },
    { arbitrary: fc.constant(undefined), weight: 1 },
    { arbitrary: fc.constant(null), weight: 1 },
    { arbitrary: anyJson, weight: 1 },
  );

const name = fc.oneof(fc.constantFrom('a', 'b', 'kube-system', 'default'), hostileString);

const namespaceObject = fc.record(
  {
    apiVersion: fc.constant('v1'),
    kind: fc.constant('Namespace'),
    metadata: maybe(
      fc.record(
        {
          name: maybe(name),
          labels: maybe(fc.dictionary(hostileString, maybe(hostileString), { maxKeys: 4 })),
          annotations: maybe(
            fc.dictionary(
              fc.oneof(
                hostileString,
                fc
                  .constantFrom('exempt', 'owner', 'reason', 'expires')
                  .map((k) => DEFAULT_ANNOTATION_PREFIX + k),
              ),
              maybe(fc.oneof(hostileString, fc.constantFrom('true', '2030-01-01', '2020-01-01'))),
              { maxKeys: 5 },
            ),
          ),
          creationTimestamp: maybe(
            fc.oneof(
              hostileString,
              fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
            ),
          ),
          resourceVersion: maybe(hostileString),
        },
        { requiredKeys: [] },
      ),
    ),
    status: maybe(
      fc.record({ phase: maybe(fc.oneof(hostileString, fc.constantFrom('Active', 'Terminating'))) }),
    ),
  },
  { requiredKeys: [] },
);

const selector = maybe(
  fc.record(
    {
      matchLabels: maybe(fc.dictionary(hostileString, maybe(hostileString), { maxKeys: 3 })),
      matchExpressions: maybe(
        fc.array(
          maybe(
            fc.record({
              key: maybe(hostileString),
              operator: maybe(
                fc.oneof(fc.constantFrom('In', 'NotIn', 'Exists', 'DoesNotExist'), hostileString),
              ),
              values: maybe(fc.array(maybe(hostileString), { maxLength: 3 })),
            }),
          ),
          { maxLength: 3 },
        ),
      ),
    },
    { requiredKeys: [] },
  ),
);

const policyObject = fc.record(
  {
    apiVersion: fc.constant('networking.k8s.io/v1'),
    kind: fc.constant('NetworkPolicy'),
    metadata: maybe(fc.record({ name: maybe(name), namespace: maybe(name) }, { requiredKeys: [] })),
    spec: maybe(
      fc.record(
        {
          podSelector: selector,
          policyTypes: maybe(
            fc.array(
              maybe(fc.oneof(fc.constantFrom('Ingress', 'Egress', 'Sideways', 'ingress'), hostileString)),
              {
                maxLength: 3,
              },
            ),
          ),
          ingress: maybe(fc.array(anyJson, { maxLength: 2 })),
          egress: maybe(fc.array(anyJson, { maxLength: 2 })),
        },
        { requiredKeys: [] },
      ),
    ),
  },
  { requiredKeys: [] },
);

type Event =
  | { kind: 'ns'; type: 'upsert' | 'delete'; obj: unknown }
  | { kind: 'np'; type: 'upsert' | 'delete'; obj: unknown };

const event: fc.Arbitrary<Event> = fc.oneof(
  fc.record({
    kind: fc.constant('ns' as const),
    type: fc.constantFrom('upsert' as const, 'delete' as const),
    obj: namespaceObject,
  }),
  fc.record({
    kind: fc.constant('np' as const),
    type: fc.constantFrom('upsert' as const, 'delete' as const),
    obj: policyObject,
  }),
);

/** Feeds events into a CoverageState the way the informers do, and renders every per-namespace family. */
function apply(events: Event[]): { state: CoverageState; text: string } {
  const state = new CoverageState();
  const families = [...namespaceFamilies, ...protectionFamilies];
  const store = new RenderedStore<NamespaceVerdict>(families);
  state.onChange((ns, verdict) => (verdict ? store.set(ns, verdict) : store.delete(ns)));
  for (const e of events) {
    if (e.kind === 'ns') {
      const facts = namespaceFacts(e.obj, { keepAnnotation: (k) => k.startsWith(DEFAULT_ANNOTATION_PREFIX) });
      if (!facts) continue; // malformed: the informer logs and drops it
      if (e.type === 'upsert') state.upsertNamespace(facts);
      else state.deleteNamespace(facts.name);
    } else {
      const facts = policyFacts(e.obj);
      if (!facts) continue;
      if (e.type === 'upsert') state.upsertPolicy(facts);
      else state.deletePolicy(facts.namespace, facts.name);
    }
  }
  return { state, text: store.text() };
}

/** The final state from scratch: the last event per object wins, deletes remove. */
function fromScratch(events: Event[]): string {
  const last = new Map<string, Event>();
  for (const e of events) {
    const facts = e.kind === 'ns' ? namespaceFacts(e.obj) : policyFacts(e.obj);
    if (!facts) continue;
    const key =
      e.kind === 'ns'
        ? `ns/${(facts as { name: string }).name}`
        : `np/${JSON.stringify([(facts as { namespace: string }).namespace, facts.name])}`;
    last.set(key, e);
  }
  const survivors = [...last.values()].filter((e) => e.type === 'upsert');
  // Policies first, then namespaces: a different order than the events, same answer expected.
  return apply([...survivors.filter((e) => e.kind === 'np'), ...survivors.filter((e) => e.kind === 'ns')])
    .text;
}

const sortedLines = (text: string) => text.split('\n').sort().join('\n');

describe('hostile input (property-based)', function () {
  this.timeout(120_000);

  it('facts never throw on arbitrary objects, and a fact always has a non-empty string name', () => {
    fc.assert(
      fc.property(fc.oneof(namespaceObject, policyObject, fc.anything()), (obj) => {
        const ns = namespaceFacts(obj);
        const np = policyFacts(obj);
        for (const f of [ns, np]) if (f) expect(f.name).to.be.a('string').and.not.equal('');
        if (np) expect(np.namespace).to.be.a('string');
      }),
      { numRuns: 2000 },
    );
  });

  it('any event sequence (duplicates, reordering, policies before namespaces) renders text that parses', () => {
    let namespacesSeen = 0;
    fc.assert(
      fc.property(fc.array(event, { maxLength: 25 }), (events) => {
        const { state, text } = apply(events);
        namespacesSeen += state.namespaceCount;
        expect(expositionProblems(text)).to.deep.equal([]);
      }),
      { numRuns: 300 },
    );
    // The generator is not so hostile that nothing gets through to the exposition.
    expect(namespacesSeen).to.be.greaterThan(100);
  });

  it('the state after any event sequence equals the state computed from scratch (no lost delete, no ghost)', () => {
    // Few names so that events collide: the same object created, updated, deleted and re-created, in any order.
    const smallName = fc.constantFrom('a', 'b', 'c\n"x"');
    const ns = smallName.map((n) => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: n } }));
    const np = fc
      .record({ ns: smallName, name: fc.constantFrom('p', 'q'), deny: fc.boolean() })
      .map(({ ns: n, name: p, deny }) => ({
        apiVersion: 'networking.k8s.io/v1',
        kind: 'NetworkPolicy',
        metadata: { name: p, namespace: n },
        spec: { podSelector: {}, ...(deny ? { policyTypes: ['Ingress'] } : { ingress: [{}] }) },
      }));
    const colliding: fc.Arbitrary<Event> = fc.oneof(
      fc.record({
        kind: fc.constant('ns' as const),
        type: fc.constantFrom('upsert' as const, 'delete' as const),
        obj: ns,
      }),
      fc.record({
        kind: fc.constant('np' as const),
        type: fc.constantFrom('upsert' as const, 'delete' as const),
        obj: np,
      }),
    );
    fc.assert(
      fc.property(fc.array(colliding, { maxLength: 30 }), (events) => {
        // Each duplicate delivery of an event (a watch resumed from an older resourceVersion) changes nothing.
        const duplicated = events.flatMap((e, i) => (i % 3 === 0 ? [e, e] : [e]));
        expect(sortedLines(apply(duplicated).text)).to.equal(sortedLines(fromScratch(events)));
      }),
      { numRuns: 500 },
    );
  });

  it('sample lines parse back to exactly the label values that went in', () => {
    fc.assert(
      fc.property(hostileString, hostileString, (a, b) => {
        const line = sampleLine(
          'netpol_test',
          [
            ['namespace', a],
            ['other', b],
          ],
          1,
        );
        expect(line.split('\n')).to.have.length(2); // one line, whatever the values hold
        expect(expositionProblems(line)).to.deep.equal([]);
        expect(line).to.contain(`namespace="${escapeLabelValue(a)}"`);
      }),
      { numRuns: 2000 },
    );
  });

  it('promtool check metrics accepts a sample of generated outputs', () => {
    const samples = fc.sample(fc.array(event, { minLength: 5, maxLength: 25 }), { numRuns: 8, seed: 10 });
    samples.push([
      {
        kind: 'np',
        type: 'upsert',
        obj: { metadata: { name: 'p', namespace: 'ghost"\n\\' }, spec: { podSelector: {} } },
      },
      {
        kind: 'ns',
        type: 'upsert',
        obj: { metadata: { name: 'ghost"\n\\', labels: { a: '😀' } }, status: { phase: 'Weird"\nPhase' } },
      },
    ]);
    for (const events of samples) {
      const { text } = apply(events);
      const result = promtoolCheck(text);
      expect(result.ok, result.output).to.equal(true);
    }
  });
});
