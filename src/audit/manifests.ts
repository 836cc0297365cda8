// Kubernetes objects from YAML files, folders (recursively) or stdin (`-`), each with the file and line it came
// from. Malformed YAML is an InputError naming file:line:column, never a parser stack trace.

import { createReadStream } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { isCollection, LineCounter, parseAllDocuments, visit } from 'yaml';
import { isObject } from '../core/facts.ts';
import {
  CONTROLLER_KINDS,
  DEFAULT_INGRESS_CLASS_ANNOTATION,
  EXPOSING_KINDS,
  INGRESS_CLASS_ANNOTATION,
} from '../core/internet-facing/facts.ts';
import { LOAD_BALANCER_ANNOTATIONS } from '../core/internet-facing/internal-load-balancer.ts';
import { sourceOfManifest } from '../core/sources/index.ts';
import { podMetadataPath } from './workloads.ts';
import { DocumentSplitter, eachDocument } from './yaml-documents.ts';

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

/** How far reading has come: for a progress line on a terminal. */
export interface ReadProgress {
  files: number;
  objects: number;
  /** Namespaces declared or named so far. */
  namespaces: number;
  /** True once everything is read. */
  done: boolean;
}

/**
 * Every object in the given paths, in path order, then file order, then document order. `onProgress` hears after
 * each file and every 1,000 objects.
 */
export async function readManifests(
  paths: string[],
  readStdin: () => Promise<string> = () => readStream(process.stdin),
  warnings: string[] = [],
  onProgress?: (progress: ReadProgress) => void,
): Promise<ManifestObject[]> {
  const objects: ManifestObject[] = [];
  const namespaces = new Set<string>();
  const progress: ReadProgress = { files: 0, objects: 0, namespaces: 0, done: false };
  const add = (list: ManifestObject[]) => {
    for (const item of list) objects.push(item);
    progress.files++;
    onProgress?.(progress);
  };
  const counted = (item: ManifestObject) => {
    const { kind, metadata } = item.object;
    const meta = isObject(metadata) ? metadata : {};
    const name = kind === 'Namespace' ? meta.name : meta.namespace;
    if (typeof name === 'string') namespaces.add(name);
    progress.namespaces = namespaces.size;
    if (++progress.objects % 1000 === 0) onProgress?.(progress);
  };
  for (const path of paths) {
    if (path === '-') {
      add(parseManifests(await readStdin(), '<stdin>', warnings, onProgress && counted));
      continue;
    }
    for (const file of await manifestFiles(path))
      add(await parseManifestFile(file, displayName(file), warnings, onProgress && counted));
  }
  progress.done = true;
  onProgress?.(progress);
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
export const TEMPLATE = /\{\{-?\s*[^}]*\}\}/;

const HELM_HINT =
  'a Helm template ({{ ... }}) is not YAML until Helm renders it: pipe `helm template RELEASE CHART` into --manifests -';

/**
 * Bytes of a file read at a time: small enough that each chunk's text is a young object that dies young (a string of
 * a megabyte would live in V8's large-object space until the next full collection).
 */
export const READ_CHUNK = 1 << 16;

/** A file's text, a chunk at a time (as readFile decodes it, a character split between chunks kept whole). */
async function* textChunks(file: string): AsyncGenerator<string> {
  try {
    for await (const chunk of createReadStream(file, { encoding: 'utf8', highWaterMark: READ_CHUNK }))
      yield chunk as string;
  } catch (err) {
    throw unreadable(file, err);
  }
}

const unreadable = (file: string, err: unknown) =>
  new InputError(`${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);

/**
 * What parseManifests reads in a file, read a chunk at a time: a monorepo's file of tens of megabytes is never one
 * string (nor its bytes) on the fast way. Where the fast way cannot read it (a Helm template, what only the full
 * parser reads right), the whole text goes to parseManifests.
 */
async function parseManifestFile(
  file: string,
  name: string,
  warnings: string[],
  onObject?: (object: ManifestObject) => void,
): Promise<ManifestObject[]> {
  const fast: ManifestObject[] = [];
  const fastWarnings: string[] = [];
  const documents = new DocumentSplitter(({ value, line }) => {
    const before = fast.length;
    unpack(value, `${name}:${line}`, fast, fastWarnings);
    if (onObject) for (let i = before; i < fast.length; i++) onObject(fast[i] as ManifestObject);
  });
  const templates = templateSpotter();
  let read = true;
  for await (const chunk of textChunks(file)) {
    if (templates(chunk) || !documents.push(chunk)) {
      read = false;
      break;
    }
  }
  if (read && documents.end()) {
    for (const w of fastWarnings) warnings.push(w);
    return fast;
  }
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw unreadable(file, err);
  }
  return parseManifests(text, name, warnings, onObject);
}

/**
 * Whether TEMPLATE matches the pieces of a text joined, piece by piece. A match may span pieces: a `{{` is decided by
 * the first `}` after it (a match when another `}` follows), so what could still begin one is kept for the next piece:
 * from the first `{{` after the last `}` that is not the text's last character, or a last `{`.
 */
export function templateSpotter(): (piece: string) => boolean {
  let open = '';
  return (piece) => {
    const text = open + piece;
    if (TEMPLATE.test(text)) return true;
    const end = text.endsWith('}') ? text.length - 1 : text.length;
    const after = text.slice((end > 0 ? text.lastIndexOf('}', end - 1) : -1) + 1);
    const start = after.indexOf('{{');
    open = start >= 0 ? after.slice(start) : after.endsWith('{') ? '{' : '';
    return false;
  };
}

/**
 * All objects of a multi-document YAML text. Lists are unpacked as kubectl's decoder unpacks them: `kind: List` (as
 * `kubectl get -o yaml` writes) and typed lists (`NamespaceList`, `PodList`, ... as the API server and many tools
 * write them), whose items carry no `kind` or `apiVersion`: an item with neither gets the list's kind less `List`
 * and the list's apiVersion (apimachinery's unstructured decoder does exactly that; a plain `List` names no kind, so
 * its items must carry their own). What is read and cannot be used gets one line in `warnings`, never silence.
 */
export function parseManifests(
  text: string,
  name: string,
  warnings: string[] = [],
  onObject?: (object: ManifestObject) => void,
): ManifestObject[] {
  // The fast way first; a stream it cannot read (malformed, or maybe a Helm template) goes to the full parser,
  // whose errors name file:line:column.
  const fast: ManifestObject[] = [];
  const fastWarnings: string[] = [];
  // Once per file: template syntax is rare, and a monorepo's file may hold thousands of documents.
  const mayBeTemplate = TEMPLATE.test(text);
  const read =
    !mayBeTemplate &&
    eachDocument(text, ({ value, line }) => {
      const before = fast.length;
      unpack(value, `${name}:${line}`, fast, fastWarnings);
      // As it goes, for a progress line through one large file (a stream the full parser rereads counts twice).
      if (onObject) for (let i = before; i < fast.length; i++) onObject(fast[i] as ManifestObject);
    });
  if (read) {
    for (const w of fastWarnings) warnings.push(w);
    return fast;
  }
  const lineCounter = new LineCounter();
  const docs = parseAllDocuments(text, { lineCounter, prettyErrors: false });
  if (!Array.isArray(docs)) return []; // an empty stream
  const objects: ManifestObject[] = [];
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
    unpack(doc.toJS({ maxAliasCount: 1000 }), location, objects, warnings);
  }
  if (onObject) for (const o of objects) onObject(o);
  return objects;
}

/** A parsed document (or list item) into objects, lists unpacked recursively as kubectl's builder flattens them. */
function unpack(
  value: unknown,
  location: string,
  objects: ManifestObject[],
  warnings: string[],
  item?: string,
): void {
  if (value === null || value === undefined) {
    // An empty document or a comments-only one holds nothing; an empty list item is worth a word.
    if (item) warnings.push(`${location}: ${item} is empty; not counted`);
    return;
  }
  if (!isObject(value)) {
    const what = Array.isArray(value) ? 'a sequence' : `a ${typeof value}`;
    warnings.push(
      `${location}: ${item ?? 'the document'} is ${what}, not a Kubernetes object (a mapping); not counted`,
    );
    return;
  }
  const { kind, apiVersion, items } = value;
  if (!(typeof kind === 'string' && kind.endsWith('List') && Array.isArray(items))) {
    objects.push({ object: detach(slim(value)), location });
    return;
  }
  const itemKind = kind.slice(0, -'List'.length);
  for (const [i, entry] of items.entries()) {
    const label = `item ${i} of ${kind}`;
    if (isObject(entry) && itemKind !== '' && entry.kind === undefined && entry.apiVersion === undefined)
      unpack({ ...entry, apiVersion, kind: itemKind }, location, objects, warnings, label);
    else unpack(entry, location, objects, warnings, label);
  }
}

/**
 * The kinds internet-facing.ts reads (Services, Ingresses, Gateway API routes, ReferenceGrants, and the
 * IngressClasses, GatewayClasses and Gateways that say which controller forwards), and the annotations it reads.
 */
const EXPOSING: ReadonlySet<string> = new Set([...EXPOSING_KINDS, ...CONTROLLER_KINDS].map((k) => k.kind));
const KEPT_ANNOTATIONS: Record<string, ReadonlySet<string>> = {
  Service: LOAD_BALANCER_ANNOTATIONS,
  Ingress: new Set([INGRESS_CLASS_ANNOTATION]),
  IngressClass: new Set([DEFAULT_INGRESS_CLASS_ANNOTATION]),
};

/**
 * Only what the audit reads of an object, so a large repository's container specs, config data, annotations and
 * managed fields are not kept: Namespaces and policies whole; of a workload its name and its pods' labels; of
 * anything else its name and namespace (which place it).
 */
function slim(object: Record<string, unknown>): Record<string, unknown> {
  const { apiVersion, kind, metadata } = object;
  if (kind === 'Namespace' || kind === 'NetworkPolicy' || sourceOfManifest(object)) return object;
  const meta = isObject(metadata) ? metadata : undefined;
  const slimMeta: Record<string, unknown> = {};
  if (meta?.name !== undefined) slimMeta.name = meta.name;
  if (meta?.namespace !== undefined) slimMeta.namespace = meta.namespace;
  // What may open a namespace to the internet (internet-facing.ts): its spec, and the annotations read there (a
  // Service's load balancer ones, an Ingress's class, an IngressClass's default mark).
  if (typeof kind === 'string' && EXPOSING.has(kind)) {
    const kept = KEPT_ANNOTATIONS[kind];
    if (kept && isObject(meta?.annotations))
      slimMeta.annotations = Object.fromEntries(
        Object.entries(meta.annotations).filter(([key]) => kept.has(key)),
      );
    return { apiVersion, kind, metadata: slimMeta, spec: object.spec };
  }
  if (kind === 'Pod' && meta?.labels !== undefined) slimMeta.labels = meta.labels;
  const out: Record<string, unknown> = { apiVersion, kind, ...(meta ? { metadata: slimMeta } : {}) };
  // A workload's pod template, down to the labels workloads.ts reads there: `spec`, ..., `metadata`.
  const path = typeof kind === 'string' && kind !== 'Pod' ? podMetadataPath(kind) : undefined;
  if (path) {
    let at: unknown = object;
    for (const key of path) at = isObject(at) ? at[key] : undefined;
    const labels = isObject(at) ? at.labels : undefined;
    const template = labels === undefined ? {} : { metadata: { labels } };
    out.spec = path
      .slice(1, -1)
      .reduceRight<Record<string, unknown>>((inner, key) => ({ [key]: inner }), template);
  }
  return out;
}

/**
 * A compact copy of what is kept of each document: JSON.parse shares short strings (labels, kinds, names) the way
 * property names are shared, gives objects of one shape one layout, and holds no slice of the text read. At 24,000
 * namespaces this is a third less heap than the parser's own objects. What JSON would change (dates a YAML
 * timestamp makes, non-finite numbers, `undefined`) is copied by hand instead.
 */
function detach<T>(value: T): T {
  return jsonSafe(value) ? (JSON.parse(JSON.stringify(value)) as T) : copy(value);
}

function jsonSafe(value: unknown): boolean {
  if (typeof value === 'string' || typeof value === 'boolean' || value === null) return true;
  if (typeof value === 'number') return Number.isFinite(value) && !Object.is(value, -0);
  if (Array.isArray(value)) return value.every(jsonSafe);
  return plain(value) && Object.keys(value).every((k) => k !== '__proto__' && jsonSafe(value[k]));
}

const plain = (value: unknown): value is Record<string, unknown> =>
  isObject(value) && Object.getPrototypeOf(value) === Object.prototype;

function copy<T>(value: T): T {
  if (typeof value === 'string') return JSON.parse(JSON.stringify(value)) as T;
  if (Array.isArray(value)) return value.map(copy) as T;
  // fromEntries defines properties, so a `__proto__` key stays a key.
  if (plain(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, copy(v)])) as T;
  return value;
}

async function readStream(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  return Buffer.concat(chunks).toString('utf8');
}
