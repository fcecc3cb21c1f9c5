import { connect, type Socket } from "node:net";

/** A raw RESP2 reply: bytes stay bytes, integers stay their digits, nothing is transformed. */
export type Reply =
  | { readonly type: "status"; readonly value: Buffer }
  | { readonly type: "error"; readonly value: string }
  | { readonly type: "integer"; readonly value: string }
  | { readonly type: "bulk"; readonly value: Buffer | null }
  | { readonly type: "array"; readonly value: readonly Reply[] | null };

export type Argument = string | Buffer;

interface Pending {
  readonly count: number;
  readonly replies: Reply[];
  resolve(replies: Reply[]): void;
  reject(error: Error): void;
}

const CRLF = Buffer.from("\r\n");

/**
 * A minimal RESP2 client for the bridge and the tests: pipelined, in-order, no reply transforms. Each
 * `send` writes all its commands in one write, so commands of one call are never interleaved with others'.
 */
export class RespConnection {
  private buffer: Buffer = Buffer.alloc(0);
  private readonly pending: Pending[] = [];
  private failure: Error | undefined;
  private readonly socket: Socket;

  private constructor(socket: Socket) {
    this.socket = socket;
    socket.on("data", (chunk) => this.receive(chunk));
    const fail = (error: Error) => {
      this.failure = error;
      for (const p of this.pending.splice(0)) p.reject(error);
    };
    socket.on("error", fail);
    socket.on("close", () => fail(this.failure ?? new Error("connection to redis-server closed")));
  }

  static connect(port: number, host = "127.0.0.1"): Promise<RespConnection> {
    return new Promise((resolve, reject) => {
      const socket = connect({ port, host, noDelay: true });
      socket.once("error", reject);
      socket.once("connect", () => {
        socket.off("error", reject);
        resolve(new RespConnection(socket));
      });
    });
  }

  get usable(): boolean {
    return this.failure === undefined && !this.socket.destroyed;
  }

  /** Sends the commands and resolves with one reply per command, in order. */
  send(commands: readonly (readonly Argument[])[]): Promise<Reply[]> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.pending.push({ count: commands.length, replies: [], resolve, reject });
      this.socket.write(Buffer.concat(commands.map(encode)));
    });
  }

  close(): void {
    this.socket.destroy();
  }

  private receive(chunk: Buffer): void {
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    let offset = 0;
    for (;;) {
      const parsed = parse(this.buffer, offset);
      if (!parsed) break;
      offset = parsed.next;
      const head = this.pending[0];
      if (!head) continue;
      head.replies.push(parsed.reply);
      if (head.replies.length === head.count) {
        this.pending.shift();
        head.resolve(head.replies);
      }
    }
    this.buffer = this.buffer.subarray(offset);
  }
}

function encode(command: readonly Argument[]): Buffer {
  const parts: Buffer[] = [Buffer.from(`*${command.length}\r\n`)];
  for (const argument of command) {
    const bytes = typeof argument === "string" ? Buffer.from(argument, "utf8") : argument;
    parts.push(Buffer.from(`$${bytes.length}\r\n`), bytes, CRLF);
  }
  return Buffer.concat(parts);
}

function parse(buffer: Buffer, offset: number): { reply: Reply; next: number } | undefined {
  const end = buffer.indexOf(CRLF, offset);
  if (end < 0) return undefined;
  const line = buffer.subarray(offset + 1, end);
  const next = end + 2;
  switch (buffer[offset]) {
    case 0x2b: // +
      return { reply: { type: "status", value: Buffer.from(line) }, next };
    case 0x2d: // -
      return { reply: { type: "error", value: line.toString("utf8") }, next };
    case 0x3a: // :
      return { reply: { type: "integer", value: line.toString("latin1") }, next };
    case 0x24: {
      // $
      const length = Number(line.toString("latin1"));
      if (length < 0) return { reply: { type: "bulk", value: null }, next };
      if (buffer.length < next + length + 2) return undefined;
      return {
        reply: { type: "bulk", value: Buffer.from(buffer.subarray(next, next + length)) },
        next: next + length + 2,
      };
    }
    case 0x2a: {
      // *
      const length = Number(line.toString("latin1"));
      if (length < 0) return { reply: { type: "array", value: null }, next };
      const items: Reply[] = [];
      let at = next;
      for (let i = 0; i < length; i++) {
        const item = parse(buffer, at);
        if (!item) return undefined;
        items.push(item.reply);
        at = item.next;
      }
      return { reply: { type: "array", value: items }, next: at };
    }
    default:
      throw new Error(`unexpected RESP2 type byte ${buffer[offset]}`);
  }
}
