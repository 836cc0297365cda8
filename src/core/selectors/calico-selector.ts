// Calico's selector language (docs.tigera.io, "Selectors" in the NetworkPolicy / GlobalNetworkPolicy reference):
//   all()  global()  has(k)  !has(k)  k == 'v'  k != 'v'  k in {'a','b'}  k not in {'a'}
//   k contains 's'  k starts with 's'  k ends with 's'  !e  e && e  e || e  ( e )
// parsed into a small tree and evaluated in three-valued logic. A selector we cannot parse is kept as an error
// (its policy's protection is then unknown), never guessed.
import { andAll, type LabelLookup, not, orAny, type Tri, UNKNOWN_LABEL } from './label-selector.ts';

export type CalicoExpr =
  | { op: 'all' }
  | { op: 'global' }
  | { op: 'has'; key: string }
  | { op: '==' | '!=' | 'contains' | 'starts with' | 'ends with'; key: string; value: string }
  | { op: 'in' | 'not in'; key: string; values: string[] }
  | { op: 'not'; expr: CalicoExpr }
  | { op: 'and' | 'or'; exprs: CalicoExpr[] };

export type CalicoParse = { expr: CalicoExpr } | { error: string };

type Token = { kind: 'ident' | 'string' | 'punct'; text: string; at: number };

const PUNCT = ['==', '!=', '&&', '||', '!', '(', ')', '{', '}', ','];

function tokenize(input: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < input.length) {
    const c = input.charAt(i);
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (c === "'" || c === '"') {
      const end = input.indexOf(c, i + 1);
      if (end < 0) throw new Error(`unterminated string at ${i}`);
      tokens.push({ kind: 'string', text: input.slice(i + 1, end), at: i });
      i = end + 1;
      continue;
    }
    const punct = PUNCT.find((p) => input.startsWith(p, i));
    if (punct) {
      tokens.push({ kind: 'punct', text: punct, at: i });
      i += punct.length;
      continue;
    }
    const ident = /^[A-Za-z0-9_./-]+/.exec(input.slice(i));
    if (!ident) throw new Error(`unexpected ${JSON.stringify(c)} at ${i}`);
    tokens.push({ kind: 'ident', text: ident[0], at: i });
    i += ident[0].length;
  }
  return tokens;
}

class Parser {
  private pos = 0;
  constructor(private readonly tokens: Token[]) {}

  parse(): CalicoExpr {
    if (this.tokens.length === 0) return { op: 'all' }; // an empty selector selects everything
    const expr = this.or();
    const extra = this.peek();
    if (extra) throw new Error(`unexpected ${JSON.stringify(extra.text)} at ${extra.at}`);
    return expr;
  }

  private peek(offset = 0): Token | undefined {
    return this.tokens[this.pos + offset];
  }

  private next(): Token {
    const token = this.tokens[this.pos++];
    if (!token) throw new Error('unexpected end of selector');
    return token;
  }

  private expect(text: string): void {
    const token = this.next();
    if (token.text !== text || token.kind === 'string')
      throw new Error(`expected ${JSON.stringify(text)} at ${token.at}, got ${JSON.stringify(token.text)}`);
  }

  private isPunct(text: string, offset = 0): boolean {
    const token = this.peek(offset);
    return token?.kind === 'punct' && token.text === text;
  }

  private or(): CalicoExpr {
    const exprs = [this.and()];
    while (this.isPunct('||')) {
      this.pos++;
      exprs.push(this.and());
    }
    return exprs.length === 1 ? (exprs[0] as CalicoExpr) : { op: 'or', exprs };
  }

  private and(): CalicoExpr {
    const exprs = [this.unary()];
    while (this.isPunct('&&')) {
      this.pos++;
      exprs.push(this.unary());
    }
    return exprs.length === 1 ? (exprs[0] as CalicoExpr) : { op: 'and', exprs };
  }

  private unary(): CalicoExpr {
    if (this.isPunct('!')) {
      this.pos++;
      return { op: 'not', expr: this.unary() };
    }
    if (this.isPunct('(')) {
      this.pos++;
      const expr = this.or();
      this.expect(')');
      return expr;
    }
    return this.term();
  }

  private string(): string {
    const token = this.next();
    if (token.kind !== 'string') throw new Error(`expected a quoted string at ${token.at}`);
    return token.text;
  }

  private term(): CalicoExpr {
    const token = this.next();
    if (token.kind !== 'ident') throw new Error(`expected a label or function at ${token.at}`);
    if (this.isPunct('(')) {
      this.pos++;
      if (token.text === 'all' || token.text === 'global') {
        this.expect(')');
        return { op: token.text };
      }
      if (token.text === 'has') {
        const key = this.next();
        if (key.kind !== 'ident') throw new Error(`expected a label key at ${key.at}`);
        this.expect(')');
        return { op: 'has', key: key.text };
      }
      throw new Error(`unknown function ${token.text}() at ${token.at}`);
    }
    const key = token.text;
    const op = this.next();
    if (op.kind === 'punct' && (op.text === '==' || op.text === '!=')) {
      return { op: op.text, key, value: this.string() };
    }
    if (op.kind === 'ident') {
      if (op.text === 'in') return { op: 'in', key, values: this.set() };
      if (op.text === 'contains') return { op: 'contains', key, value: this.string() };
      const second = this.peek();
      if (second?.kind === 'ident') {
        const phrase = `${op.text} ${second.text}`;
        if (phrase === 'not in') {
          this.pos++;
          return { op: 'not in', key, values: this.set() };
        }
        if (phrase === 'starts with' || phrase === 'ends with') {
          this.pos++;
          return { op: phrase, key, value: this.string() };
        }
      }
    }
    throw new Error(`unknown operator ${JSON.stringify(op.text)} at ${op.at}`);
  }

  private set(): string[] {
    this.expect('{');
    const values: string[] = [];
    if (this.isPunct('}')) {
      this.pos++;
      return values;
    }
    for (;;) {
      values.push(this.string());
      if (this.isPunct(',')) {
        this.pos++;
        continue;
      }
      this.expect('}');
      return values;
    }
  }
}

export function parseCalicoSelector(text: string): CalicoParse {
  try {
    return { expr: new Parser(tokenize(text)).parse() };
  } catch (err) {
    return { error: err instanceof Error ? err.message : String(err) };
  }
}

/**
 * Evaluates against one label set. `global()` selects non-namespaced resources (host endpoints, global network
 * sets): it is false for anything in a namespace, which is all this exporter asks about.
 */
export function evaluateCalico(expr: CalicoExpr, lookup: LabelLookup): Tri {
  switch (expr.op) {
    case 'all':
      return true;
    case 'global':
      return false;
    case 'not':
      return not(evaluateCalico(expr.expr, lookup));
    case 'and':
      return andAll(expr.exprs.map((e) => evaluateCalico(e, lookup)));
    case 'or':
      return orAny(expr.exprs.map((e) => evaluateCalico(e, lookup)));
    default:
      break;
  }
  const value = lookup(expr.key);
  if (value === UNKNOWN_LABEL) return 'unknown';
  switch (expr.op) {
    case 'has':
      return value !== undefined;
    // A missing label never equals a value, and always differs from one (Calico's documented semantics).
    case '==':
      return value === expr.value;
    case '!=':
      return value !== expr.value;
    case 'in':
      return value !== undefined && expr.values.includes(value);
    case 'not in':
      return value === undefined || !expr.values.includes(value);
    case 'contains':
      return typeof value === 'string' && value.includes(expr.value);
    case 'starts with':
      return typeof value === 'string' && value.startsWith(expr.value);
    case 'ends with':
      return typeof value === 'string' && value.endsWith(expr.value);
  }
}
