// Minimal decoding of Kubernetes' protobuf request bodies. kubectl's typed commands (`kubectl create namespace X`)
// send protobuf with no JSON fallback, so the simulator decodes the one kind such commands create here: Namespace
// (metadata and spec.finalizers). Anything else is answered 415, as a server without that codec would.

import type { KObject, ObjectMeta } from './objects.ts';
import { StatusError } from './status.ts';

const MAGIC = Buffer.from([0x6b, 0x38, 0x73, 0x00]); // "k8s\0"

interface Field {
  no: number;
  bytes?: Buffer;
  varint?: number;
}

function varint(buf: Buffer, pos: number): [number, number] {
  let result = 0;
  let shift = 0;
  for (;;) {
    const b = buf[pos++];
    if (b === undefined) throw new Error('truncated varint');
    result += (b & 0x7f) * 2 ** shift;
    if ((b & 0x80) === 0) return [result, pos];
    shift += 7;
  }
}

function fields(buf: Buffer): Field[] {
  const out: Field[] = [];
  let pos = 0;
  while (pos < buf.length) {
    const [tag, p1] = varint(buf, pos);
    const no = Math.floor(tag / 8);
    const wire = tag & 7;
    if (wire === 0) {
      const [v, p2] = varint(buf, p1);
      out.push({ no, varint: v });
      pos = p2;
    } else if (wire === 2) {
      const [len, p2] = varint(buf, p1);
      out.push({ no, bytes: buf.subarray(p2, p2 + len) });
      pos = p2 + len;
    } else if (wire === 1) pos = p1 + 8;
    else if (wire === 5) pos = p1 + 4;
    else throw new Error(`unsupported wire type ${wire}`);
  }
  return out;
}

const str = (f: Field | undefined) => f?.bytes?.toString('utf8');

function stringMap(fs: Field[], no: number): Record<string, string> | undefined {
  const entries = fs.filter((f) => f.no === no && f.bytes);
  if (entries.length === 0) return undefined;
  const out: Record<string, string> = {};
  for (const e of entries) {
    const kv = fields(e.bytes ?? Buffer.alloc(0));
    out[str(kv.find((f) => f.no === 1)) ?? ''] = str(kv.find((f) => f.no === 2)) ?? '';
  }
  return out;
}

function objectMeta(buf: Buffer): ObjectMeta {
  const fs = fields(buf);
  const meta: ObjectMeta = {};
  const name = str(fs.find((f) => f.no === 1));
  const generateName = str(fs.find((f) => f.no === 2));
  const resourceVersion = str(fs.find((f) => f.no === 6));
  if (name) meta.name = name;
  if (generateName) meta.generateName = generateName;
  if (resourceVersion) meta.resourceVersion = resourceVersion;
  const labels = stringMap(fs, 11);
  const annotations = stringMap(fs, 12);
  if (labels) meta.labels = labels;
  if (annotations) meta.annotations = annotations;
  return meta;
}

export function isProtobuf(contentType: string): boolean {
  return contentType.includes('application/vnd.kubernetes.protobuf');
}

export function decodeProtobufObject(body: Buffer): KObject {
  const unsupported = (why: string) =>
    new StatusError(
      415,
      'UnsupportedMediaType',
      `the body of the request was in an unknown format - accepted media types include: application/json, application/yaml (${why})`,
    );
  if (!body.subarray(0, 4).equals(MAGIC)) throw unsupported('missing protobuf envelope');
  try {
    const unknown = fields(body.subarray(4));
    const typeMeta = fields(unknown.find((f) => f.no === 1)?.bytes ?? Buffer.alloc(0));
    const apiVersion = str(typeMeta.find((f) => f.no === 1));
    const kind = str(typeMeta.find((f) => f.no === 2));
    if (apiVersion !== 'v1' || kind !== 'Namespace')
      throw unsupported(`protobuf is only decoded for v1 Namespace, not ${apiVersion} ${kind}`);
    const raw = fields(unknown.find((f) => f.no === 2)?.bytes ?? Buffer.alloc(0));
    const obj: KObject = {
      apiVersion,
      kind,
      metadata: objectMeta(raw.find((f) => f.no === 1)?.bytes ?? Buffer.alloc(0)),
    };
    const spec = raw.find((f) => f.no === 2)?.bytes;
    if (spec) {
      const finalizers = fields(spec)
        .filter((f) => f.no === 1)
        .map((f) => str(f) ?? '');
      if (finalizers.length > 0) obj.spec = { finalizers };
    }
    return obj;
  } catch (e) {
    if (e instanceof StatusError) throw e;
    throw unsupported(`undecodable protobuf: ${(e as Error).message}`);
  }
}
