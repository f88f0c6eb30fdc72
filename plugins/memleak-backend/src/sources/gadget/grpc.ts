import http2 from 'node:http2';
import type { Duplex } from 'node:stream';

/**
 * gRPC over one HTTP/2 connection on any byte stream — here a pod
 * port-forward, which @grpc/grpc-js cannot dial (it only opens its own
 * sockets). gRPC's wire format on top of node:http2 is small: each message is
 * a 5-byte prefix (compressed flag, big-endian length) and its bytes; the
 * status comes in the trailers.
 */

/** A non-OK gRPC status, or a broken connection (code 14, UNAVAILABLE). */
export class GrpcError extends Error {
  readonly name = 'GrpcError';
  constructor(readonly code: number, message: string) {
    super(message);
  }
}

export const GRPC_UNAVAILABLE = 14;
const MAX_MESSAGE_BYTES = 64 * 1024 * 1024;

/**
 * gRPC keepalive: a port-forward can stay open after the far side is gone
 * (kwok keeps the WebSocket when the gadget's port closes), and a quiet
 * process sends no events, so silence alone proves nothing. An HTTP/2 PING
 * every 10 s that gets no answer within 20 s ends the connection.
 */
export const KEEPALIVE = { intervalMs: 10_000, timeoutMs: 20_000 };

/** Splits a byte stream into gRPC messages. */
export class MessageFramer {
  private buffer = Buffer.alloc(0);

  push(chunk: Buffer): Buffer[] {
    this.buffer =
      this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    const out: Buffer[] = [];
    while (this.buffer.length >= 5) {
      if (this.buffer[0] !== 0) {
        throw new GrpcError(12, 'compressed gRPC messages are not supported');
      }
      const length = this.buffer.readUInt32BE(1);
      if (length > MAX_MESSAGE_BYTES) {
        throw new GrpcError(8, `gRPC message of ${length} bytes is too large`);
      }
      if (this.buffer.length < 5 + length) break;
      out.push(this.buffer.subarray(5, 5 + length));
      this.buffer = this.buffer.subarray(5 + length);
    }
    return out;
  }
}

export function frameMessage(message: Uint8Array): Buffer {
  const frame = Buffer.allocUnsafe(5 + message.length);
  frame[0] = 0;
  frame.writeUInt32BE(message.length, 1);
  frame.set(message, 5);
  return frame;
}

/** A bidirectional call: write messages, read them as they come, then the status. */
export interface BidiCall {
  write(message: Uint8Array): void;
  /** Half-closes the request side. */
  end(): void;
  /** Resets the stream (client-side cancel). */
  cancel(): void;
  messages(): AsyncIterable<Buffer>;
}

export class GrpcConnection {
  private constructor(private readonly session: http2.ClientHttp2Session) {
    const timer = setInterval(() => this.keepalive(), KEEPALIVE.intervalMs);
    timer.unref();
    session.once('close', () => clearInterval(timer));
  }

  private keepalive(): void {
    if (this.closed) return;
    const deadline = setTimeout(
      () =>
        this.session.destroy(
          new Error(
            `the gadget service stopped answering (no reply to an HTTP/2 ping in ${
              KEEPALIVE.timeoutMs / 1000
            } s)`,
          ),
        ),
      KEEPALIVE.timeoutMs,
    );
    deadline.unref();
    const sent = this.session.ping(() => clearTimeout(deadline));
    if (!sent) clearTimeout(deadline); // too many pings in flight: the last one is still timed
  }

  /** Opens HTTP/2 (prior knowledge, no TLS) on `stream`. */
  static open(stream: Duplex): Promise<GrpcConnection> {
    return new Promise((resolve, reject) => {
      const session = http2.connect('http://gadget.invalid', {
        createConnection: () => stream as never,
      });
      const fail = (error: Error) =>
        reject(new GrpcError(GRPC_UNAVAILABLE, error.message));
      session.once('error', fail);
      session.once('connect', () => {
        session.off('error', fail);
        // Later session errors surface on the calls' streams.
        session.on('error', () => undefined);
        resolve(new GrpcConnection(session));
      });
    });
  }

  get closed(): boolean {
    return this.session.closed || this.session.destroyed;
  }

  async unary(path: string, request: Uint8Array): Promise<Buffer> {
    const call = this.bidi(path);
    call.write(request);
    call.end();
    let reply: Buffer | undefined;
    for await (const message of call.messages()) reply = message;
    if (!reply) throw new GrpcError(13, `${path} returned no message`);
    return reply;
  }

  bidi(path: string): BidiCall {
    const stream = this.session.request({
      ':method': 'POST',
      ':path': path,
      'content-type': 'application/grpc',
      te: 'trailers',
    });
    const framer = new MessageFramer();
    let status: { code: number; message: string } | undefined;
    const readStatus = (headers: http2.IncomingHttpHeaders) => {
      const code = headers['grpc-status'];
      if (code !== undefined) {
        status = {
          code: Number(code),
          message: decodeURIComponent(String(headers['grpc-message'] ?? '')),
        };
      }
    };
    stream.on('response', readStatus); // a trailers-only answer carries it here
    stream.on('trailers', readStatus);

    async function* messages(): AsyncIterable<Buffer> {
      try {
        for await (const chunk of stream) {
          for (const message of framer.push(chunk as Buffer)) yield message;
        }
      } catch (error) {
        throw new GrpcError(
          GRPC_UNAVAILABLE,
          `${path}: ${(error as Error).message}`,
        );
      }
      if (!status) {
        throw new GrpcError(
          GRPC_UNAVAILABLE,
          `${path}: the connection ended without a gRPC status`,
        );
      }
      if (status.code !== 0) throw new GrpcError(status.code, status.message);
    }

    return {
      write: message => {
        if (!stream.writable) return;
        stream.write(frameMessage(message));
      },
      end: () => {
        if (stream.writable) stream.end();
      },
      cancel: () => stream.close(http2.constants.NGHTTP2_CANCEL),
      messages,
    };
  }

  close(): void {
    if (!this.session.destroyed) this.session.destroy();
  }
}
