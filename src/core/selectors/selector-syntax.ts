// Kubernetes label selectors as text (`k=v,k!=v,k in (a,b),!k,k>1`), read the way the API server reads the
// `labelSelector` of a list (k8s.io/apimachinery/pkg/labels: its tokens, its grammar, its checks of keys and values),
// then matched against label maps. Used for the scope flags. The simulated API server has its own parser, written
// separately on purpose: test/core/selectors/selector-syntax.test.ts feeds both the same texts.

export interface SelectorRequirement {
  key: string;
  operator: 'in' | 'notin' | 'exists' | 'doesnotexist' | 'gt' | 'lt';
  /** Without duplicates; empty for `exists` and `doesnotexist`; one whole number for `gt` and `lt`. */
  values: string[];
}

// --- tokens -----------------------------------------------------------------------------------------------------

type Punctuation = '(' | ')' | ',' | '!' | '=' | '==' | '!=' | '>' | '<';

interface Token {
  /** A word is any run of other characters: a key, a value, or (where an operator is due) `in` or `notin`. */
  kind: Punctuation | 'word' | 'end';
  text: string;
  /** Index of the first character, for messages. */
  at: number;
}

const PUNCTUATION = new Set(['(', ')', ',', '!', '=', '>', '<']);
// The real server separates tokens by these four only: a form feed or a no-break space stays inside the word it
// touches, and no key or value may contain it.
const SEPARATOR = new Set([' ', '\t', '\r', '\n']);

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text.charAt(i);
    if (SEPARATOR.has(c)) {
      i++;
    } else if (PUNCTUATION.has(c)) {
      // `==` and `!=` are the only two-character marks; `=!` or `!!` are two tokens.
      const two = text.slice(i, i + 2);
      const mark = (two === '==' || two === '!=' ? two : c) as Punctuation;
      tokens.push({ kind: mark, text: mark, at: i });
      i += mark.length;
    } else {
      let end = i + 1;
      while (end < text.length && !SEPARATOR.has(text.charAt(end)) && !PUNCTUATION.has(text.charAt(end)))
        end++;
      tokens.push({ kind: 'word', text: text.slice(i, end), at: i });
      i = end;
    }
  }
  tokens.push({ kind: 'end', text: '', at: text.length });
  return tokens;
}

// --- keys and values (k8s.io/apimachinery/pkg/util/validation) ---------------------------------------------------

const NAME = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const NAME_RULE = "letters, digits, '-', '_' and '.', starting and ending with a letter or digit";

/** Why `key` is not a label key (`[prefix/]name`), or undefined when it is one. */
function keyProblem(key: string): string | undefined {
  const parts = key.split('/');
  if (parts.length > 2) return "it has more than one '/'";
  const name = parts.at(-1) ?? '';
  if (parts.length === 2) {
    const prefix = parts[0] ?? '';
    if (prefix === '') return "its prefix before '/' is empty";
    if (prefix.length > 253) return `its prefix is ${prefix.length} characters long, more than 253`;
    if (!DNS_SUBDOMAIN.test(prefix))
      return "its prefix must be a lowercase DNS subdomain such as example.com (a-z, 0-9, '-' and '.')";
    if (name === '') return "its name after '/' is empty";
  }
  if (name.length > 63) return `its name is ${name.length} characters long, more than 63`;
  if (!NAME.test(name)) return `its name may hold only ${NAME_RULE}`;
  return undefined;
}

/** Why `value` is not a label value, or undefined when it is one (the empty value is one). */
function valueProblem(value: string): string | undefined {
  if (value.length > 63) return `it is ${value.length} characters long, more than 63`;
  if (value !== '' && !NAME.test(value)) return `it may hold only ${NAME_RULE}, or be empty`;
  return undefined;
}

/** What Go's strconv.ParseInt(text, 10, 64) accepts: the real server compares gt and lt values as int64. */
function isInt64(text: string): boolean {
  if (!/^[+-]?[0-9]+$/.test(text)) return false;
  const n = BigInt(text);
  return n >= -(2n ** 63n) && n < 2n ** 63n;
}

/** JSON quoting that also shows invisible characters (a no-break space pasted from a web page) as escapes. */
function quote(text: string): string {
  return JSON.stringify(text).replace(/[\p{C}\p{Z}]/gu, (c) =>
    c === ' ' ? c : `\\u{${(c.codePointAt(0) ?? 0).toString(16)}}`,
  );
}

// --- grammar ----------------------------------------------------------------------------------------------------

const OPERATOR: Partial<Record<Punctuation, SelectorRequirement['operator']>> = {
  '=': 'in',
  '==': 'in',
  '!=': 'notin',
  '>': 'gt',
  '<': 'lt',
};

class Reader {
  private position = 0;
  private readonly tokens: Token[];

  constructor(private readonly text: string) {
    this.tokens = tokenize(text);
  }

  private peek(): Token {
    return this.tokens[this.position] ?? { kind: 'end', text: '', at: this.text.length };
  }

  private take(): Token {
    const token = this.peek();
    if (this.position < this.tokens.length - 1) this.position++;
    return token;
  }

  private fail(problem: string): never {
    throw new Error(`label selector ${quote(this.text)}: ${problem}`);
  }

  private expected(what: string, found: Token): never {
    const shown = found.kind === 'end' ? 'the end' : quote(found.text);
    return this.fail(`expected ${what} at character ${found.at + 1}, found ${shown}`);
  }

  /** Requirements joined by commas, all of which must hold; nothing at all selects everything. */
  selector(): SelectorRequirement[] {
    const requirements: SelectorRequirement[] = [];
    if (this.peek().kind === 'end') return requirements;
    for (;;) {
      requirements.push(this.requirement());
      const after = this.take();
      if (after.kind === 'end') return requirements;
      if (after.kind !== ',') this.expected("',' or the end", after);
    }
  }

  /** `!key`, `key`, `key <op> value` or `key in|notin (values)`. */
  private requirement(): SelectorRequirement {
    const first = this.take();
    if (first.kind === '!') return { key: this.key(this.take()), operator: 'doesnotexist', values: [] };
    const key = this.key(first);
    const next = this.peek();
    if (next.kind === 'end' || next.kind === ',') return { key, operator: 'exists', values: [] };
    const op = this.take();
    if (op.kind === 'word' && (op.text === 'in' || op.text === 'notin'))
      return { key, operator: op.text, values: this.valueSet() };
    const operator = OPERATOR[op.kind as Punctuation];
    if (operator === undefined)
      return this.expected(`an operator (=, ==, !=, in, notin, > or <) after ${quote(key)}`, op);
    const value = this.value();
    if ((operator === 'gt' || operator === 'lt') && !isInt64(value))
      this.fail(`${quote(`${key}${op.text}${value}`)} compares with a whole number, not ${quote(value)}`);
    return { key, operator, values: [value] };
  }

  private key(token: Token): string {
    // `in` and `notin` are keywords only where an operator is due: a key may be called `in`.
    if (token.kind !== 'word') this.expected("a label key or '!'", token);
    const problem = keyProblem(token.text);
    if (problem) this.fail(`${quote(token.text)} is not a label key: ${problem}`);
    return token.text;
  }

  private checkedValue(token: Token): string {
    const problem = valueProblem(token.text);
    if (problem) this.fail(`${quote(token.text)} is not a label value: ${problem}`);
    return token.text;
  }

  /** The value after `=`, `==`, `!=`, `>` or `<`: nothing before a comma or the end is the empty value. */
  private value(): string {
    const next = this.peek();
    if (next.kind === 'end' || next.kind === ',') return '';
    const token = this.take();
    if (token.kind !== 'word') this.expected('a label value', token);
    return this.checkedValue(token);
  }

  /**
   * `(a,b)`. Nothing between two commas, or between a comma and a parenthesis, is the empty value, and so is `()`.
   * API servers before Kubernetes 1.35 reject an even run of commas straight before `)` (`(a,,)`; later ones read it
   * as `(a,)`): rejected here too, so the selector means the same to every server in use.
   */
  private valueSet(): string[] {
    const open = this.take();
    if (open.kind !== '(') this.expected("'(' after in or notin", open);
    const values: string[] = [];
    let current: string | undefined;
    let commasInARow = 0;
    for (;;) {
      const token = this.take();
      if (token.kind === ')') {
        if (commasInARow >= 2 && commasInARow % 2 === 0)
          this.fail(
            `${commasInARow} commas in a row before ')' at character ${token.at + 1}: Kubernetes before 1.35 rejects that; one comma stands for the empty value`,
          );
        break;
      }
      if (token.kind === ',') {
        values.push(current ?? '');
        current = undefined;
        commasInARow++;
      } else if (token.kind === 'word' && current === undefined) {
        current = this.checkedValue(token);
        commasInARow = 0;
      } else {
        this.expected(current === undefined ? "a label value, ',' or ')'" : "',' or ')'", token);
      }
    }
    values.push(current ?? '');
    return [...new Set(values)];
  }
}

/**
 * Kubernetes label selector syntax: `k=v`, `k==v`, `k!=v`, `k in (a,b)`, `k notin (a,b)`, `k`, `!k`, `k>1`, `k<1`,
 * joined by commas (all must hold). Throws a message saying what is wrong and where on anything the API server
 * would refuse.
 */
export function parseLabelSelector(text: string): SelectorRequirement[] {
  // The real server's lexer reads a NUL where a token begins as the end of the text (`\0app` would select every
  // namespace there): refuse it rather than guess.
  const nul = text.indexOf('\0');
  if (nul >= 0) throw new Error(`label selector ${quote(text)}: a NUL character at character ${nul + 1}`);
  return new Reader(text).selector();
}

/** Kubernetes semantics: `notin` and `!=` also match when the label is absent; `gt` and `lt` compare whole numbers
 * and fail when the label is absent or not a number. An empty selector matches all. */
export function selectorMatches(
  requirements: readonly SelectorRequirement[],
  labels: Readonly<Record<string, string>>,
): boolean {
  return requirements.every(({ key, operator, values }) => {
    const value = Object.hasOwn(labels, key) ? labels[key] : undefined;
    switch (operator) {
      case 'exists':
        return value !== undefined;
      case 'doesnotexist':
        return value === undefined;
      case 'in':
        return value !== undefined && values.includes(value);
      case 'notin':
        return value === undefined || !values.includes(value);
      case 'gt':
      case 'lt': {
        const bound = values[0] ?? '';
        if (value === undefined || !isInt64(value) || !isInt64(bound)) return false;
        return operator === 'gt' ? BigInt(value) > BigInt(bound) : BigInt(value) < BigInt(bound);
      }
    }
    return false;
  });
}
