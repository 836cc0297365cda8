// Label selectors as k8s.io/apimachinery/pkg/labels parses them (lexer.go, selector.go): the same tokens, the same
// recursive descent, the same validation of keys and values, and errors worded as the real server words them.
// Written on its own on purpose, sharing no code with the exporter's parser, so a test that feeds both the same
// texts can tell when either one strays from the real grammar.

import { errors } from './status.ts';

/** The operators of k8s.io/apimachinery/pkg/selection, as labels.Parse produces them. */
export type LabelOperator = 'in' | 'notin' | '=' | '==' | '!=' | 'exists' | '!' | 'gt' | 'lt';

export interface LabelRequirement {
  key: string;
  operator: LabelOperator;
  /** Sorted and without duplicates (apimachinery keeps a string set); empty for `exists` and `!`. */
  values: string[];
}

type Labels = Readonly<Record<string, string>>;

// --- lexer ----------------------------------------------------------------------------------------------------------

type TokenKind =
  | 'identifier'
  | 'end'
  | '('
  | ')'
  | ','
  | '!'
  | '='
  | '=='
  | '!='
  | '>'
  | '<'
  | 'in'
  | 'notin';

interface Token {
  kind: TokenKind;
  literal: string;
}

const SYMBOLS: ReadonlySet<string> = new Set(['(', ')', ',', '!', '=', '==', '!=', '>', '<']);
const SPECIAL = new Set(['=', '!', '(', ')', ',', '>', '<']);
// Only these four: a form feed or a no-break space is part of an identifier (and then fails validation).
const WHITESPACE = new Set([' ', '\t', '\r', '\n']);

/** Splits the text into tokens; any run of characters that are neither special nor whitespace is an identifier. */
function tokens(text: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i] ?? '';
    if (WHITESPACE.has(c)) {
      i++;
    } else if (SPECIAL.has(c)) {
      // The longest run of special characters that is still a symbol: `!=` is one token, `=(` is two.
      let symbol = c;
      while (i + symbol.length < text.length && SYMBOLS.has(symbol + text[i + symbol.length])) {
        symbol += text[i + symbol.length];
      }
      out.push({ kind: symbol as TokenKind, literal: symbol });
      i += symbol.length;
    } else {
      let word = '';
      while (i < text.length && !SPECIAL.has(text[i] ?? '') && !WHITESPACE.has(text[i] ?? ''))
        word += text[i++];
      out.push({ kind: word === 'in' || word === 'notin' ? word : 'identifier', literal: word });
    }
  }
  out.push({ kind: 'end', literal: '' });
  return out;
}

// --- validation (k8s.io/apimachinery/pkg/util/validation) -----------------------------------------------------------

const QUALIFIED_NAME_FMT = '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]';
const QUALIFIED_NAME = new RegExp(`^${QUALIFIED_NAME_FMT}$`);
const QUALIFIED_NAME_MSG =
  "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
const DNS1123_LABEL_FMT = '[a-z0-9]([-a-z0-9]*[a-z0-9])?';
const DNS1123_SUBDOMAIN_FMT = `${DNS1123_LABEL_FMT}(\\.${DNS1123_LABEL_FMT})*`;
const DNS1123_SUBDOMAIN = new RegExp(`^${DNS1123_SUBDOMAIN_FMT}$`);
const DNS1123_SUBDOMAIN_MSG =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character";
const LABEL_VALUE_FMT = `(${QUALIFIED_NAME_FMT})?`;
const LABEL_VALUE = new RegExp(`^${LABEL_VALUE_FMT}$`);
const LABEL_VALUE_MSG =
  "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";

const maxLenError = (n: number) => `must be no more than ${n} characters`;
function regexError(msg: string, fmt: string, ...examples: string[]): string {
  return `${msg} (e.g. ${examples.map((e) => `'${e}', `).join('or ')}regex used for validation is '${fmt}')`;
}

/** validation.IsQualifiedName: an optional DNS subdomain prefix and `/`, then a name of at most 63 characters. */
function qualifiedNameErrors(key: string): string[] {
  const errs: string[] = [];
  const parts = key.split('/');
  let name: string;
  if (parts.length === 1) name = key;
  else if (parts.length === 2) {
    const prefix = parts[0] ?? '';
    name = parts[1] ?? '';
    if (prefix === '') errs.push('prefix part must be non-empty');
    else {
      if (Buffer.byteLength(prefix) > 253) errs.push(`prefix part ${maxLenError(253)}`);
      if (!DNS1123_SUBDOMAIN.test(prefix))
        errs.push(`prefix part ${regexError(DNS1123_SUBDOMAIN_MSG, DNS1123_SUBDOMAIN_FMT, 'example.com')}`);
    }
  } else {
    return [
      `a qualified name ${regexError(QUALIFIED_NAME_MSG, QUALIFIED_NAME_FMT, 'MyName', 'my.name', '123-abc')}` +
        " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')",
    ];
  }
  if (name === '') errs.push('name part must be non-empty');
  else if (Buffer.byteLength(name) > 63) errs.push(`name part ${maxLenError(63)}`);
  if (!QUALIFIED_NAME.test(name))
    errs.push(
      `name part ${regexError(QUALIFIED_NAME_MSG, QUALIFIED_NAME_FMT, 'MyName', 'my.name', '123-abc')}`,
    );
  return errs;
}

function labelValueErrors(value: string): string[] {
  const errs: string[] = [];
  if (Buffer.byteLength(value) > 63) errs.push(maxLenError(63));
  if (!LABEL_VALUE.test(value))
    errs.push(regexError(LABEL_VALUE_MSG, LABEL_VALUE_FMT, 'MyValue', 'my_value', '12345'));
  return errs;
}

const GO_ESCAPES: Record<string, string> = {
  '\x07': '\\a',
  '\b': '\\b',
  '\f': '\\f',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
  '\v': '\\v',
  '\\': '\\\\',
  '"': '\\"',
};

/** Go's %q (strconv.Quote): what the real messages print a bad key or value with. */
function goQuote(text: string): string {
  let out = '';
  for (const c of text) {
    const code = c.codePointAt(0) ?? 0;
    if (GO_ESCAPES[c]) out += GO_ESCAPES[c];
    else if (c === ' ' || /[\p{L}\p{M}\p{N}\p{P}\p{S}]/u.test(c)) out += c;
    else if (code < 0x80) out += `\\x${code.toString(16).padStart(2, '0')}`;
    else if (code < 0x10000) out += `\\u${code.toString(16).padStart(4, '0')}`;
    else out += `\\U${code.toString(16).padStart(8, '0')}`;
  }
  return `"${out}"`;
}

/** field.Invalid(path, value, detail).Error(); a nil path prints as `<nil>`, as it does in the real messages. */
const invalid = (path: string, value: string, detail: string) =>
  `${path}: Invalid value: ${goQuote(value)}: ${detail}`;

/** strconv.ParseInt(s, 10, 64) succeeds. */
function isInt64(text: string): boolean {
  if (!/^[+-]?\d+$/.test(text)) return false;
  const n = BigInt(text);
  return n >= -(2n ** 63n) && n < 2n ** 63n;
}

/** A selector the grammar or the validation rejects (the 400 the caller sees). */
class ParseError extends Error {}

/** labels.NewRequirement's checks of the values (the key was checked as it was read); several problems are reported
 * together, as an aggregate error prints them. */
function requirement(key: string, operator: LabelOperator, values: string[]): LabelRequirement {
  const problems: string[] = [];
  if ((operator === 'gt' || operator === 'lt') && !isInt64(values[0] ?? ''))
    problems.push(
      invalid('values[0]', values[0] ?? '', "for 'Gt', 'Lt' operators, the value must be an integer"),
    );
  values.forEach((v, i) => {
    const valueErrors = labelValueErrors(v);
    if (valueErrors.length > 0) problems.push(invalid(`values[${i}][${key}]`, v, valueErrors.join('; ')));
  });
  if (problems.length === 1) throw new ParseError(problems[0]);
  if (problems.length > 1) throw new ParseError(`[${problems.join(', ')}]`);
  return { key, operator, values };
}

// --- parser -----------------------------------------------------------------------------------------------------

const BINARY_OPERATORS = 'in, notin, =, ==, !=, gt, lt';

class Parser {
  private position = 0;
  constructor(private readonly items: Token[]) {}

  /** In the "values" context the keywords `in` and `notin` are plain identifiers (a key or a value may be `in`). */
  private peek(asValue: boolean): Token {
    const t = this.items[this.position] ?? { kind: 'end', literal: '' };
    return asValue && (t.kind === 'in' || t.kind === 'notin')
      ? { kind: 'identifier', literal: t.literal }
      : t;
  }
  private next(asValue: boolean): Token {
    const t = this.peek(asValue);
    this.position = Math.min(this.position + 1, this.items.length - 1);
    return t;
  }

  parse(): LabelRequirement[] {
    const requirements: LabelRequirement[] = [];
    for (;;) {
      const start = this.peek(true);
      if (start.kind === 'end') return requirements;
      if (start.kind !== 'identifier' && start.kind !== '!')
        throw new ParseError(`found '${start.literal}', expected: !, identifier, or 'end of string'`);
      try {
        requirements.push(this.requirement());
      } catch (err) {
        if (!(err instanceof ParseError)) throw err;
        throw new ParseError(`unable to parse requirement: ${err.message}`);
      }
      const after = this.next(true);
      if (after.kind === 'end') return requirements;
      if (after.kind !== ',')
        throw new ParseError(`found '${after.literal}', expected: ',' or 'end of string'`);
      const following = this.peek(true);
      if (following.kind !== 'identifier' && following.kind !== '!')
        throw new ParseError(`found '${following.literal}', expected: identifier after ','`);
    }
  }

  private requirement(): LabelRequirement {
    let negated = false;
    let t = this.next(true);
    if (t.kind === '!') {
      negated = true;
      t = this.next(true);
    }
    if (t.kind !== 'identifier') throw new ParseError(`found '${t.literal}', expected: identifier`);
    const key = t.literal;
    const keyErrors = qualifiedNameErrors(key);
    if (keyErrors.length > 0) throw new ParseError(invalid('<nil>', key, keyErrors.join('; ')));
    if (negated) return requirement(key, '!', []);
    const ahead = this.peek(true).kind;
    if (ahead === 'end' || ahead === ',') return requirement(key, 'exists', []);

    const op = this.next(false);
    let operator: LabelOperator;
    if (op.kind === 'in' || op.kind === 'notin' || op.kind === '=' || op.kind === '==' || op.kind === '!=')
      operator = op.kind;
    else if (op.kind === '>') operator = 'gt';
    else if (op.kind === '<') operator = 'lt';
    else throw new ParseError(`found '${op.literal}', expected: ${BINARY_OPERATORS}`);
    const values = operator === 'in' || operator === 'notin' ? this.valueSet() : this.exactValue();
    return requirement(key, operator, [...new Set(values)].sort());
  }

  /** `(a,b)`; `()` and stray commas stand for the empty value, as apimachinery reads them. */
  private valueSet(): string[] {
    const open = this.next(true);
    if (open.kind !== '(') throw new ParseError(`found '${open.literal}' expected: '('`);
    const first = this.peek(true);
    if (first.kind === ')') {
      this.next(true);
      return [''];
    }
    if (first.kind !== 'identifier' && first.kind !== ',')
      throw new ParseError(`found '${first.literal}', expected: ',', ')' or identifier`);
    const values: string[] = [];
    for (;;) {
      const t = this.next(true);
      if (t.kind === 'identifier') {
        values.push(t.literal);
        const ahead = this.peek(true);
        if (ahead.kind === ')') break;
        if (ahead.kind !== ',') throw new ParseError(`found '${ahead.literal}', expected: ',' or ')'`);
      } else if (t.kind === ',') {
        if (values.length === 0) values.push('');
        const ahead = this.peek(true);
        if (ahead.kind === ')') {
          values.push('');
          break;
        }
        if (ahead.kind === ',') {
          this.next(true);
          values.push('');
        }
      } else throw new ParseError(`found '${t.literal}', expected: ',', or identifier`);
    }
    this.next(true); // the `)` the loop stopped before
    return values;
  }

  /** The one value after `=`, `==`, `!=`, `>` or `<`; nothing before a comma or the end is the empty value. */
  private exactValue(): string[] {
    const ahead = this.peek(true);
    if (ahead.kind === 'end' || ahead.kind === ',') return [''];
    const t = this.next(true);
    if (t.kind === 'identifier') return [t.literal];
    throw new ParseError(`found '${t.literal}', expected: identifier`);
  }
}

/**
 * Parses a `labelSelector` as the real server does; a selector it rejects is a 400 BadRequest Status carrying
 * apimachinery's message. An empty (or all-whitespace) selector has no requirements and matches everything.
 */
export function parseLabelRequirements(text: string): LabelRequirement[] {
  try {
    return new Parser(tokens(text)).parse();
  } catch (err) {
    if (err instanceof ParseError) throw errors.badRequest(err.message);
    throw err;
  }
}

/** Requirement.Matches: `notin` and `!=` also hold when the label is absent; `gt`/`lt` compare integers. */
export function labelsMatch(requirements: readonly LabelRequirement[], labels: Labels): boolean {
  return requirements.every(({ key, operator, values }) => {
    const value = Object.hasOwn(labels, key) ? labels[key] : undefined;
    switch (operator) {
      case 'exists':
        return value !== undefined;
      case '!':
        return value === undefined;
      case 'in':
      case '=':
      case '==':
        return value !== undefined && values.includes(value);
      case 'notin':
      case '!=':
        return value === undefined || !values.includes(value);
      case 'gt':
      case 'lt': {
        if (value === undefined || !isInt64(value) || !isInt64(values[0] ?? '')) return false;
        const have = BigInt(value);
        const want = BigInt(values[0] ?? '');
        return operator === 'gt' ? have > want : have < want;
      }
    }
    return false;
  });
}
