/**
 * Decoding of the Kubernetes protobuf envelope for the few built-in kinds kubectl creates with its
 * typed clients (`kubectl create namespace|configmap|secret` send
 * `application/vnd.kubernetes.protobuf`). The envelope is the 4-byte magic `k8s\0` followed by a
 * `runtime.Unknown` message (k8s.io/apimachinery/pkg/runtime/generated.proto); the payload is the
 * k8s.io/api/core/v1 message. Only the fields those commands set are decoded; answers stay JSON,
 * which every client accepts as a fallback.
 */
import type { JsonObject } from './types.js';

const MAGIC = Buffer.from([0x6b, 0x38, 0x73, 0x00]);

export class ProtobufError extends Error {}

export interface Field {
  no: number;
  wire: number;
  value: bigint | Buffer;
}

export function* fields(buf: Buffer): Generator<Field> {
  let i = 0;
  const varint = (): bigint => {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      if (i >= buf.length) throw new ProtobufError('truncated varint');
      const b = buf[i++]!;
      result |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) return result;
      shift += 7n;
    }
  };
  while (i < buf.length) {
    const key = Number(varint());
    const no = key >> 3;
    const wire = key & 7;
    if (wire === 0) yield { no, wire, value: varint() };
    else if (wire === 2) {
      const len = Number(varint());
      if (i + len > buf.length) throw new ProtobufError('truncated field');
      yield { no, wire, value: buf.subarray(i, i + len) };
      i += len;
    } else if (wire === 1) {
      i += 8;
    } else if (wire === 5) {
      i += 4;
    } else throw new ProtobufError(`unsupported wire type ${wire}`);
  }
}

export const str = (f: Field) => (f.value as Buffer).toString('utf8');

function mapEntry(buf: Buffer, bytes: boolean): [string, string] {
  let k = '';
  let v = '';
  for (const f of fields(buf)) {
    if (f.no === 1) k = str(f);
    if (f.no === 2) v = bytes ? (f.value as Buffer).toString('base64') : str(f);
  }
  return [k, v];
}

export function objectMeta(buf: Buffer): JsonObject {
  const m: JsonObject = {};
  const labels: Record<string, string> = {};
  const annotations: Record<string, string> = {};
  const finalizers: string[] = [];
  for (const f of fields(buf)) {
    switch (f.no) {
      case 1:
        m.name = str(f);
        break;
      case 2:
        m.generateName = str(f);
        break;
      case 3:
        m.namespace = str(f);
        break;
      case 6:
        m.resourceVersion = str(f);
        break;
      case 11: {
        const [k, v] = mapEntry(f.value as Buffer, false);
        labels[k] = v;
        break;
      }
      case 12: {
        const [k, v] = mapEntry(f.value as Buffer, false);
        annotations[k] = v;
        break;
      }
      case 14:
        finalizers.push(str(f));
        break;
    }
  }
  if (Object.keys(labels).length) m.labels = labels;
  if (Object.keys(annotations).length) m.annotations = annotations;
  if (finalizers.length) m.finalizers = finalizers;
  return m;
}

function decodeKind(kind: string, raw: Buffer): JsonObject {
  const obj: JsonObject = { apiVersion: 'v1', kind };
  const maps: Record<string, Record<string, string>> = {};
  const put = (name: string, [k, v]: [string, string]) => ((maps[name] ??= {})[k] = v);
  for (const f of fields(raw)) {
    if (f.no === 1) {
      obj.metadata = objectMeta(f.value as Buffer);
      continue;
    }
    switch (kind) {
      case 'Namespace':
        if (f.no === 2) {
          const fin: string[] = [];
          for (const s of fields(f.value as Buffer)) if (s.no === 1) fin.push(str(s));
          obj.spec = fin.length ? { finalizers: fin } : {};
        }
        break;
      case 'ConfigMap':
        if (f.no === 2) put('data', mapEntry(f.value as Buffer, false));
        else if (f.no === 3) put('binaryData', mapEntry(f.value as Buffer, true));
        else if (f.no === 4) obj.immutable = f.value !== 0n;
        break;
      case 'Secret':
        if (f.no === 2) put('data', mapEntry(f.value as Buffer, true));
        else if (f.no === 3) obj.type = str(f);
        else if (f.no === 4) put('stringData', mapEntry(f.value as Buffer, false));
        else if (f.no === 5) obj.immutable = f.value !== 0n;
        break;
      default:
        throw new ProtobufError(`protobuf is not supported for ${kind}`);
    }
  }
  Object.assign(obj, maps);
  return obj;
}

const CORE_KINDS = ['Namespace', 'ConfigMap', 'Secret'];
/** Decoders of kinds outside core/v1, by `apiVersion/kind`. */
const decoders = new Map<string, (raw: Buffer) => JsonObject>();

/** Teaches the decoder one more kind (`raw` is the kind's message, without the envelope). */
export function registerProtobufKind(
  apiVersion: string,
  kind: string,
  decode: (raw: Buffer) => JsonObject,
): void {
  decoders.set(`${apiVersion}/${kind}`, decode);
}

/** Whether create/update bodies of this kind may come as protobuf. */
export function acceptsProtobuf(r: { group: string; version: string; kind: string }): boolean {
  if (r.group === '') return CORE_KINDS.includes(r.kind);
  return decoders.has(`${r.group}/${r.version}/${r.kind}`);
}

/** Decodes a protobuf-encoded Namespace, ConfigMap, Secret or registered kind into its JSON form. */
export function decodeProtobufObject(body: Buffer): JsonObject {
  if (body.length < 4 || !body.subarray(0, 4).equals(MAGIC))
    throw new ProtobufError('missing the k8s protobuf prefix');
  let apiVersion = '';
  let kind = '';
  let raw: Buffer = Buffer.alloc(0);
  for (const f of fields(body.subarray(4))) {
    if (f.no === 1)
      for (const t of fields(f.value as Buffer)) {
        if (t.no === 1) apiVersion = str(t);
        if (t.no === 2) kind = str(t);
      }
    else if (f.no === 2) raw = f.value as Buffer;
  }
  const extra = decoders.get(`${apiVersion}/${kind}`);
  if (extra) return { apiVersion, kind, ...extra(raw) };
  if (apiVersion !== 'v1') throw new ProtobufError(`protobuf is not supported for ${apiVersion}/${kind}`);
  return decodeKind(kind, raw);
}

/**
 * Decodes protobuf DeleteOptions (meta/v1, as typed clients such as Helm's release storage send
 * with a DELETE): grace period, preconditions, orphanDependents, propagationPolicy, dryRun.
 */
export function decodeProtobufDeleteOptions(body: Buffer): JsonObject {
  if (body.length < 4 || !body.subarray(0, 4).equals(MAGIC))
    throw new ProtobufError('missing the k8s protobuf prefix');
  let raw: Buffer = Buffer.alloc(0);
  for (const f of fields(body.subarray(4))) if (f.no === 2) raw = f.value as Buffer;
  const out: JsonObject = {};
  const dryRun: string[] = [];
  for (const f of fields(raw)) {
    if (f.no === 1) out.gracePeriodSeconds = Number(f.value);
    else if (f.no === 2) {
      const pre: JsonObject = {};
      for (const p of fields(f.value as Buffer)) {
        if (p.no === 1) pre.uid = str(p);
        if (p.no === 2) pre.resourceVersion = str(p);
      }
      out.preconditions = pre;
    } else if (f.no === 3) out.orphanDependents = f.value !== 0n;
    else if (f.no === 4) out.propagationPolicy = str(f);
    else if (f.no === 5) dryRun.push(str(f));
  }
  if (dryRun.length) out.dryRun = dryRun;
  return out;
}
