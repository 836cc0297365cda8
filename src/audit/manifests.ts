// Kubernetes objects from YAML files, folders (recursively) or stdin (`-`), each with the file and line it came
// from. Malformed YAML is an InputError naming file:line:column, never a parser stack trace.
import { readdir, readFile, stat } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { isCollection, LineCounter, parseAllDocuments, visit } from 'yaml';
import { isObject } from '../core/facts.ts';

/** Bad input the user must fix (unreadable path, malformed YAML): exit code 2, one line, no stack. */
export class InputError extends Error {
  override name = 'InputError';
}

export interface ManifestObject {
  object: Record<string, unknown>;
  /** `file:line` of the document (or List item); `<stdin>` for `-`. */
  location: string;
}

const MANIFEST_EXTENSIONS = ['.yaml', '.yml', '.json'];

/** Every object in the given paths, in path order, then file order, then document order. */
export async function readManifests(
  paths: string[],
  readStdin: () => Promise<string> = () => readStream(process.stdin),
): Promise<ManifestObject[]> {
  const objects: ManifestObject[] = [];
  for (const path of paths) {
    if (path === '-') {
      objects.push(...parseManifests(await readStdin(), '<stdin>'));
      continue;
    }
    for (const file of await manifestFiles(path)) {
      let text: string;
      try {
        text = await readFile(file, 'utf8');
      } catch (err) {
        throw new InputError(`${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
      }
      objects.push(...parseManifests(text, displayName(file)));
    }
  }
  return objects;
}

/** Paths as the user would recognise them: relative to the working directory when inside it. */
function displayName(file: string): string {
  const rel = relative(process.cwd(), file);
  return rel && !rel.startsWith('..') ? rel : file;
}

async function manifestFiles(path: string): Promise<string[]> {
  let info: Awaited<ReturnType<typeof stat>>;
  try {
    info = await stat(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new InputError(`--manifests ${path}: ${code === 'ENOENT' ? 'no such file or directory' : code}`);
  }
  if (!info.isDirectory()) return [path];
  const files: string[] = [];
  // Sorted, so the output is the same on every machine; dot-folders (.git, .github) are not manifests.
  const entries = (await readdir(path, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : 1));
  for (const entry of entries) {
    if (entry.name.startsWith('.')) continue;
    const full = join(path, entry.name);
    if (entry.isDirectory()) files.push(...(await manifestFiles(full)));
    else if (MANIFEST_EXTENSIONS.some((ext) => entry.name.endsWith(ext))) files.push(full);
  }
  return files;
}

/**
 * A Helm chart's templates (`{{ .Values.x }}`, `{{- include ... }}`) are not YAML until Helm renders them: the parse
 * error alone ("Block collections are not allowed within flow collections") does not say so.
 */
const TEMPLATE = /\{\{-?\s*[^}]*\}\}/;

const HELM_HINT =
  'a Helm template ({{ ... }}) is not YAML until Helm renders it: pipe `helm template RELEASE CHART` into --manifests -';

/** All objects of a multi-document YAML text; `kind: List` (as `kubectl get -o yaml` writes) is unpacked. */
export function parseManifests(text: string, name: string): ManifestObject[] {
  const lineCounter = new LineCounter();
  const docs = parseAllDocuments(text, { lineCounter, prettyErrors: false });
  if (!Array.isArray(docs)) return []; // an empty stream
  const objects: ManifestObject[] = [];
  // Once per file: template syntax is rare, and a monorepo's file may hold thousands of documents.
  const mayBeTemplate = TEMPLATE.test(text);
  for (const doc of docs) {
    const error = doc.errors[0];
    if (error) {
      const { line, col } = lineCounter.linePos(error.pos[0]);
      const message = error.message.split('\n')[0] ?? error.code;
      throw new InputError(
        `${name}:${line}:${col}: malformed YAML: ${message}${mayBeTemplate ? `; ${HELM_HINT}` : ''}`,
      );
    }
    // An unquoted `{{ x }}` parses as a map used as a key, which no Kubernetes object has: an unrendered template.
    let templated: number | undefined;
    if (mayBeTemplate)
      visit(doc, {
        Pair: (_, pair) => {
          if (!isCollection(pair.key)) return;
          templated = pair.key.range?.[0] ?? 0;
          return visit.BREAK;
        },
      });
    if (templated !== undefined) {
      const { line, col } = lineCounter.linePos(templated);
      throw new InputError(`${name}:${line}:${col}: ${HELM_HINT}`);
    }
    const start = doc.contents?.range[0] ?? doc.range[0];
    const location = `${name}:${lineCounter.linePos(start).line}`;
    const value: unknown = doc.toJS({ maxAliasCount: 1000 });
    if (!isObject(value)) continue; // empty documents, comments-only documents, scalars
    if (typeof value.kind === 'string' && value.kind.endsWith('List') && Array.isArray(value.items)) {
      for (const item of value.items) if (isObject(item)) objects.push({ object: item, location });
    } else {
      objects.push({ object: value, location });
    }
  }
  return objects;
}

async function readStream(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  return Buffer.concat(chunks).toString('utf8');
}
