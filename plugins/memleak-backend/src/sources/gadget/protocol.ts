import protobuf from 'protobufjs';
import { resolvePackagePath } from '@backstage/backend-plugin-api';
import { readGadgetEvent } from './wire';

/**
 * Inspektor Gadget's gRPC messages, from our own .proto
 * (`proto/inspektor_gadget.proto`), as plain objects.
 */

export const API_VERSION = 1;
export const EVENT_DATA = 0;
export const EVENT_GADGET_INFO = 4;
export const EVENT_LOG_SHIFT = 16;
export const DATASOURCE_ARRAY = 2;
export const DATASOURCE_BIG_ENDIAN = 1;

export enum FieldKind {
  Invalid = 0,
  Bool = 1,
  Int8 = 2,
  Int16 = 3,
  Int32 = 4,
  Int64 = 5,
  Uint8 = 6,
  Uint16 = 7,
  Uint32 = 8,
  Uint64 = 9,
  Float32 = 10,
  Float64 = 11,
  String = 12,
  CString = 13,
  Bytes = 14,
}

export interface FieldInfo {
  name: string;
  fullName: string;
  index: number;
  payloadIndex: number;
  offs: number;
  size: number;
  flags: number;
  kind: number;
  parent: number;
}

export interface DataSourceInfo {
  id: number;
  name: string;
  type: number;
  fields: FieldInfo[];
  flags: number;
}

export interface GadgetInfo {
  name: string;
  imageName: string;
  id: string;
  dataSources: DataSourceInfo[];
}

export interface GadgetEvent {
  type: number;
  seq: number;
  payload: Uint8Array;
  dataSourceID: number;
}

export interface RunRequest {
  imageName: string;
  paramValues: Record<string, string>;
  logLevel: number;
  /** Nanoseconds; 0 until stopped. */
  timeoutNs: number;
}

export interface InfoResponse {
  version: string;
  experimental: boolean;
  serverVersion: string;
}

function loadTypes() {
  const root = protobuf.loadSync(
    resolvePackagePath(
      '@internal/plugin-memleak-backend',
      'proto/inspektor_gadget.proto',
    ),
  );
  const t = (name: string) => root.lookupType(`api.${name}`);
  return {
    InfoRequest: t('InfoRequest'),
    InfoResponse: t('InfoResponse'),
    GadgetControlRequest: t('GadgetControlRequest'),
    GadgetInfo: t('GadgetInfo'),
  };
}

/** Looked up once: a lookup walks the namespace and cost more than decoding an event. */
let cached: ReturnType<typeof loadTypes> | undefined;
function types() {
  cached ??= loadTypes();
  return cached;
}

const plain = { longs: Number, enums: Number, defaults: true, arrays: true };

export function encodeInfoRequest(clientVersion: string): Uint8Array {
  const { InfoRequest } = types();
  return InfoRequest.encode(
    InfoRequest.create({ version: clientVersion }),
  ).finish();
}

export function decodeInfoResponse(bytes: Uint8Array): InfoResponse {
  const { InfoResponse } = types();
  return InfoResponse.toObject(InfoResponse.decode(bytes), plain) as never;
}

export function encodeRunRequest(r: RunRequest): Uint8Array {
  const { GadgetControlRequest } = types();
  return GadgetControlRequest.encode(
    GadgetControlRequest.fromObject({
      runRequest: {
        imageName: r.imageName,
        paramValues: r.paramValues,
        version: API_VERSION,
        logLevel: r.logLevel,
        timeout: r.timeoutNs,
      },
    }),
  ).finish();
}

export function encodeStopRequest(): Uint8Array {
  const { GadgetControlRequest } = types();
  return GadgetControlRequest.encode(
    GadgetControlRequest.fromObject({ stopRequest: {} }),
  ).finish();
}

/** One event from its wire bytes (the payload is a view, not a copy). */
export function decodeEvent(bytes: Uint8Array): GadgetEvent {
  return readGadgetEvent(bytes);
}

export function decodeGadgetInfo(bytes: Uint8Array): GadgetInfo {
  const { GadgetInfo } = types();
  return GadgetInfo.toObject(GadgetInfo.decode(bytes), plain) as never;
}
