// A small JSON Schema (2020-12) validator covering the keywords docs/*.schema.json use: type, const, enum,
// required, properties, additionalProperties: false, items, minimum, oneOf, $ref to #/$defs, format date-time.
// Enough to hold our own documents to their published schema without a dependency; unknown keywords throw, so a
// schema that outgrows it fails loudly instead of passing silently.
type Schema = Record<string, unknown>;

const KNOWN = new Set([
  '$schema',
  '$id',
  '$defs',
  'title',
  'description',
  'type',
  'const',
  'enum',
  'required',
  'properties',
  'additionalProperties',
  'items',
  'minimum',
  'oneOf',
  '$ref',
  'format',
]);

function typeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

export function validate(schema: Schema, value: unknown): string[] {
  const root = schema;
  const errors: string[] = [];
  const check = (s: Schema, v: unknown, path: string, out: string[] = errors): void => {
    const err = (message: string) => void out.push(message);
    for (const key of Object.keys(s))
      if (!KNOWN.has(key)) throw new Error(`validator: unsupported keyword ${key}`);
    if (typeof s.$ref === 'string') {
      const name = s.$ref.replace('#/$defs/', '');
      const target = (root.$defs as Record<string, Schema> | undefined)?.[name];
      if (!target) throw new Error(`validator: unresolved ${s.$ref}`);
      check(target, v, path, out);
    }
    if (s.type !== undefined) {
      const actual = typeOf(v);
      const ok = s.type === actual || (s.type === 'number' && actual === 'integer');
      if (!ok) {
        err(`${path}: expected ${String(s.type)}, got ${actual}`);
        return;
      }
    }
    if ('const' in s && JSON.stringify(s.const) !== JSON.stringify(v))
      err(`${path}: expected ${JSON.stringify(s.const)}`);
    if (Array.isArray(s.enum) && !s.enum.some((e) => JSON.stringify(e) === JSON.stringify(v)))
      err(`${path}: ${JSON.stringify(v)} not in ${JSON.stringify(s.enum)}`);
    if (typeof s.minimum === 'number' && typeof v === 'number' && v < s.minimum)
      err(`${path}: ${v} < ${s.minimum}`);
    if (s.format === 'date-time' && typeof v === 'string' && Number.isNaN(Date.parse(v)))
      err(`${path}: not a date-time`);
    if (Array.isArray(s.oneOf)) {
      const matching = s.oneOf.filter((branch) => {
        const branchErrors: string[] = [];
        check(branch as Schema, v, path, branchErrors);
        return branchErrors.length === 0;
      });
      if (matching.length !== 1) err(`${path}: matches ${matching.length} of oneOf`);
    }
    if (typeOf(v) === 'object') {
      const obj = v as Record<string, unknown>;
      for (const key of (s.required as string[] | undefined) ?? [])
        if (!(key in obj)) err(`${path}: missing ${key}`);
      const props = (s.properties as Record<string, Schema> | undefined) ?? {};
      for (const [key, child] of Object.entries(obj)) {
        if (props[key]) check(props[key], child, `${path}.${key}`, out);
        else if (s.additionalProperties === false) err(`${path}: unexpected property ${key}`);
      }
    }
    if (Array.isArray(v) && s.items)
      for (const [i, item] of v.entries()) check(s.items as Schema, item, `${path}[${i}]`, out);
  };
  check(schema, value, '$');
  return errors;
}
