/**
 * A cheaper load generator than node:http's client (`--client raw`): keep-alive sockets, requests written as
 * bytes, responses read by Content-Length. node:http's client took ~0.8 of the machine's two cores at 4,600
 * requests/s; this one took 0.3 — yet the server answered fewer (3,054/s, at 0.83 core, with 0.57 core busy
 * outside both processes): not understood yet, so node:http stays the default. Same interface as
 * createAccessClient (http-load.ts).
 */
import net from "node:net";
import { performance } from "node:perf_hooks";
import type { AccessClient, Reply } from "./http-load.js";

interface Connection {
  socket: net.Socket;
  buffer: Buffer;
  waiting: ((reply: { status: number; body: string }) => void) | null;
}

const HEAD_END = Buffer.from("\r\n\r\n");

function parse(connection: Connection): void {
  for (;;) {
    const end = connection.buffer.indexOf(HEAD_END);
    if (end < 0 || !connection.waiting) return;
    const head = connection.buffer.subarray(0, end).toString("latin1");
    const status = Number(head.slice(9, 12));
    const length = Number(/\r\ncontent-length: *(\d+)/i.exec(head)?.[1] ?? NaN);
    if (!Number.isFinite(length)) {
      connection.socket.destroy(new Error("response without Content-Length"));
      return;
    }
    if (connection.buffer.length < end + 4 + length) return;
    const body = connection.buffer.subarray(end + 4, end + 4 + length).toString("utf8");
    connection.buffer = connection.buffer.subarray(end + 4 + length);
    const waiting = connection.waiting;
    connection.waiting = null;
    waiting({ status, body });
  }
}

export function createRawAccessClient(port: number, apiKey: string): AccessClient {
  const idle: Connection[] = [];
  const all: Connection[] = [];
  const open = (): Connection => {
    const connection: Connection = { socket: net.connect(port, "127.0.0.1"), buffer: Buffer.alloc(0), waiting: null };
    connection.socket.setNoDelay(true);
    connection.socket.on("data", (chunk: Buffer) => {
      connection.buffer = connection.buffer.length === 0 ? chunk : Buffer.concat([connection.buffer, chunk]);
      parse(connection);
    });
    const fail = (error?: Error) => {
      const waiting = connection.waiting;
      connection.waiting = null;
      waiting?.({ status: 0, body: String(error ?? "connection closed") });
    };
    connection.socket.on("error", fail);
    connection.socket.on("close", () => fail());
    all.push(connection);
    return connection;
  };
  return {
    post(path, body): Promise<Reply> {
      const started = performance.now();
      const connection = idle.pop() ?? open();
      const request = `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nAuthorization: Bearer ${apiKey}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
      return new Promise((resolve) => {
        connection.waiting = ({ status, body: text }) => {
          if (status !== 0 && !connection.socket.destroyed) idle.push(connection);
          resolve({ status, body: text, ms: performance.now() - started });
        };
        connection.socket.write(request);
      });
    },
    close: () => {
      for (const connection of all) connection.socket.destroy();
    },
  };
}
