import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openRaw, parseResponses } from "../../test/support/raw-http.js";
import { ConnectionRequests } from "./connection-requests.js";

interface Seen {
  settled: boolean[];
  signal: AbortSignal;
  respond: () => void;
}

/** A bare Node server (no framework) whose handler answers only when told to. */
describe("ConnectionRequests on a plain Node server", () => {
  let server: Server;
  let url: string;
  let seen: Seen[] = [];
  const connections = new ConnectionRequests();

  beforeAll(async () => {
    server = createServer((request: IncomingMessage, response: ServerResponse) => {
      const entry: Seen = {
        settled: [],
        signal: connections.signal(request, response),
        respond: () => response.end("ok"),
      };
      connections.onSettled(request, response, (delivered) => entry.settled.push(delivered));
      request.resume();
      seen.push(entry);
    });
    connections.attach(server);
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const get = "GET / HTTP/1.1\r\nhost: test\r\n\r\n";
  const until = async (done: () => boolean) => {
    for (let i = 0; i < 250 && !done(); i++) await new Promise((r) => setTimeout(r, 10));
    expect(done()).toBe(true);
  };

  it("settles every pipelined request exactly once: answered ones delivered, the rest lost when the client leaves", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 12 }),
        fc.nat(12),
        async (pipelined, answeredFirst) => {
          seen = [];
          const answered = Math.min(answeredFirst, pipelined);
          const connection = await openRaw(url);
          connection.socket.write(get.repeat(pipelined));
          await until(() => seen.length === pipelined);
          // Answer the first ones, in order, and wait until the client has read them.
          for (const entry of seen.slice(0, answered)) entry.respond();
          await until(() => parseResponses(connection.received()).length === answered);
          connection.socket.destroy();
          await until(() => seen.every((entry) => entry.settled.length > 0));
          // Answers that come after the client left change nothing.
          for (const entry of seen.slice(answered)) entry.respond();
          await new Promise((r) => setTimeout(r, 5));
          seen.forEach((entry, i) => {
            expect(entry.settled).toEqual([i < answered]);
            expect(entry.signal.aborted).toBe(i >= answered);
          });
        },
      ),
      { numRuns: 15 },
    );
  });
});
