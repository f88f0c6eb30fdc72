import type { Duplex } from 'node:stream';
import { GrpcConnection } from './grpc';
import {
  decodeEvent,
  decodeInfoResponse,
  encodeInfoRequest,
  encodeRunRequest,
  encodeStopRequest,
  GadgetEvent,
  InfoResponse,
  RunRequest,
} from './protocol';

/** A running gadget: its events as they come, and how to end it. */
export interface GadgetRun {
  /** Ends when the server ends the run (OK after a stop or the timeout); throws a GrpcError otherwise. */
  events(): AsyncIterable<GadgetEvent>;
  /** Asks the server to stop the gadget; the event stream then ends. */
  stop(): void;
  /** Drops the call at once, without waiting for the server. */
  cancel(): void;
}

const CLIENT_VERSION = 'memleak';

/**
 * Inspektor Gadget's gadget service (the gRPC API of `gadgettracermanager`
 * and `ig daemon`) over one byte stream, e.g. a port-forward to a gadget pod.
 */
export class GadgetClient {
  private constructor(private readonly conn: GrpcConnection) {}

  static async connect(stream: Duplex): Promise<GadgetClient> {
    return new GadgetClient(await GrpcConnection.open(stream));
  }

  async getInfo(): Promise<InfoResponse> {
    const reply = await this.conn.unary(
      '/api.BuiltInGadgetManager/GetInfo',
      encodeInfoRequest(CLIENT_VERSION),
    );
    return decodeInfoResponse(reply);
  }

  run(request: RunRequest): GadgetRun {
    const call = this.conn.bidi('/api.GadgetManager/RunGadget');
    call.write(encodeRunRequest(request));
    let stopped = false;
    return {
      async *events() {
        for await (const message of call.messages()) yield decodeEvent(message);
      },
      stop() {
        if (stopped) return;
        stopped = true;
        call.write(encodeStopRequest());
        call.end();
      },
      cancel: () => call.cancel(),
    };
  }

  close(): void {
    this.conn.close();
  }
}
