import { Duplex } from 'node:stream';
import type WebSocket from 'ws';

/** The WebSocket subprotocol of Kubernetes' channelled streams. */
export const PORT_FORWARD_PROTOCOL = 'v4.channel.k8s.io';

const DATA_CHANNEL = 0;
const ERROR_CHANNEL = 1;
/** Each channel's first two bytes from the server name its port (uint16 LE). */
const PORT_PREFIX_BYTES = 2;

/** The port-forward ended abnormally; the message is what the server said. */
export class PortForwardError extends Error {
  readonly name = 'PortForwardError';
}

/**
 * A pod port-forward (`pods/portforward?ports=P` over WebSocket) as a byte
 * stream. Every message carries a channel byte: channel 0 is the data of the
 * one port, channel 1 its errors; the server opens each channel with the port
 * number. Whatever the API server or kubelet writes on the error channel ends
 * the stream with that text. `ws` comes paused (see openWebSocket), so the
 * port prefix cannot be missed.
 */
export function portForwardStream(ws: WebSocket): Duplex {
  const prefixLeft = [PORT_PREFIX_BYTES, PORT_PREFIX_BYTES];
  let errorText = '';

  const stream = new Duplex({
    write(chunk: Buffer, _encoding, callback) {
      if (ws.readyState !== ws.OPEN) {
        callback(
          new PortForwardError(errorText.trim() || 'port-forward closed'),
        );
        return;
      }
      const frame = Buffer.allocUnsafe(chunk.length + 1);
      frame[0] = DATA_CHANNEL;
      chunk.copy(frame, 1);
      ws.send(frame, { binary: true }, callback);
    },
    final(callback) {
      // v4 has no half-close: the connection ends with the WebSocket.
      callback();
    },
    read() {
      ws.resume();
    },
    destroy(error, callback) {
      if (ws.readyState === ws.OPEN || ws.readyState === ws.CONNECTING) {
        ws.terminate();
      }
      callback(error);
    },
  });

  ws.on('message', (data: Buffer, isBinary: boolean) => {
    if (!isBinary || data.length === 0) return;
    const channel = data[0];
    let payload = data.subarray(1);
    if (channel === DATA_CHANNEL || channel === ERROR_CHANNEL) {
      const skip = Math.min(prefixLeft[channel], payload.length);
      prefixLeft[channel] -= skip;
      payload = payload.subarray(skip);
    }
    if (payload.length === 0) return;
    if (channel === DATA_CHANNEL) {
      if (!stream.push(payload)) ws.pause();
    } else if (channel === ERROR_CHANNEL) {
      // The error channel carries nothing but a failure (the kubelet could
      // not reach the pod's port): end with what it says.
      errorText += payload.toString('utf8');
      stream.destroy(new PortForwardError(errorText.trim()));
    }
  });
  ws.on('close', (code: number, reason: Buffer) => {
    if (errorText) {
      stream.destroy(new PortForwardError(errorText.trim()));
    } else if (code !== 1000 && code !== 1005) {
      stream.destroy(
        new PortForwardError(
          `port-forward closed (WebSocket ${code}${
            reason.length ? `: ${reason}` : ''
          })`,
        ),
      );
    } else {
      stream.push(null);
    }
  });
  ws.on('error', (error: Error) =>
    stream.destroy(new PortForwardError(error.message)),
  );
  return stream;
}
