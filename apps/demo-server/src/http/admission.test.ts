import type { IncomingMessage } from "node:http";
import { Socket } from "node:net";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { OpenAiHttpError } from "../openai/openai-error.js";
import { Admission } from "./admission.js";
import { ConnectionRequests } from "./connection-requests.js";

/** A request on `socket`, as Admission sees one: only its connection matters. */
const requestOn = (socket: Socket) => ({ socket }) as unknown as IncomingMessage;

function refusalOf(admit: () => unknown): OpenAiHttpError | undefined {
  try {
    admit();
    return undefined;
  } catch (error) {
    expect(error).toBeInstanceOf(OpenAiHttpError);
    return error as OpenAiHttpError;
  }
}

describe("Admission", () => {
  it("refuses past the server's limit and past a connection's share, with 429", () => {
    const admission = new Admission(
      { maxInEngine: 3, maxPerConnection: 2 },
      new ConnectionRequests(),
    );
    const [a, b] = [new Socket(), new Socket()];
    const releaseA1 = admission.admit(requestOn(a));
    admission.admit(requestOn(a));
    expect(refusalOf(() => admission.admit(requestOn(a)))?.code).toBe(
      "too_many_pipelined_requests",
    );
    admission.admit(requestOn(b));
    expect(refusalOf(() => admission.admit(requestOn(b)))).toMatchObject({
      statusCode: 429,
      type: "requests",
      code: "queue_full",
    });
    // Giving a place back twice frees it once.
    releaseA1();
    releaseA1();
    admission.admit(requestOn(b));
    expect(refusalOf(() => admission.admit(requestOn(b)))?.code).toBe(
      "too_many_pipelined_requests",
    );
  });

  it("never holds more than its limits, and holds nothing once every place is given back", () => {
    const sockets = [new Socket(), new Socket(), new Socket()];
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 6 }),
        fc.integer({ min: 1, max: 4 }),
        fc.array(fc.tuple(fc.boolean(), fc.nat(2), fc.nat(50)), { maxLength: 80 }),
        (maxInEngine, maxPerConnection, steps) => {
          const admission = new Admission(
            { maxInEngine, maxPerConnection },
            new ConnectionRequests(),
          );
          const held: Array<{ socket: number; release: () => void }> = [];
          for (const [admit, socket, pick] of steps) {
            if (admit) {
              const perSocket = held.filter((h) => h.socket === socket).length;
              const full = perSocket >= maxPerConnection || held.length >= maxInEngine;
              const refusal = refusalOf(() =>
                held.push({
                  socket,
                  release: admission.admit(requestOn(sockets[socket] as Socket)),
                }),
              );
              // Refused exactly when a limit is reached.
              expect(refusal !== undefined).toBe(full);
            } else if (held.length > 0) {
              const [gone] = held.splice(pick % held.length, 1);
              gone?.release();
              gone?.release();
            }
            expect(held.length).toBeLessThanOrEqual(maxInEngine);
          }
          for (const h of held.splice(0)) h.release();
          // Everything given back: the full limits are available again on one connection.
          const again = Array.from({ length: Math.min(maxInEngine, maxPerConnection) }, () =>
            admission.admit(requestOn(sockets[0] as Socket)),
          );
          expect(again).toHaveLength(Math.min(maxInEngine, maxPerConnection));
        },
      ),
    );
  });
});
