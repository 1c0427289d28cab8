import { connect, type Socket } from "node:net";

/** One HTTP/1.1 request, written by hand so that several can go out in one write. */
export function rawRequest(
  path: string,
  body: unknown,
  headers: Record<string, string> = {},
): string {
  const text = JSON.stringify(body);
  const extra = Object.entries(headers)
    .map(([name, value]) => `${name}: ${value}\r\n`)
    .join("");
  return (
    `POST ${path} HTTP/1.1\r\nhost: test\r\ncontent-type: application/json\r\n` +
    `content-length: ${Buffer.byteLength(text)}\r\n${extra}\r\n${text}`
  );
}

export interface RawConnection {
  socket: Socket;
  /** Everything the server sent so far. */
  received(): Buffer;
  /** Resolves with everything the server sent once the connection is closed. */
  closed: Promise<Buffer>;
}

/** A plain TCP connection to the server, collecting what it answers. */
export async function openRaw(url: string): Promise<RawConnection> {
  const { hostname, port } = new URL(url);
  const socket = connect(Number(port), hostname);
  await new Promise<void>((resolve, reject) => {
    socket.once("connect", resolve);
    socket.once("error", reject);
  });
  const chunks: Buffer[] = [];
  socket.on("data", (chunk: Buffer) => chunks.push(chunk));
  socket.on("error", () => {}); // the server may reset the connection: "close" follows
  const closed = new Promise<Buffer>((resolve) => {
    socket.once("close", () => resolve(Buffer.concat(chunks)));
  });
  return { socket, received: () => Buffer.concat(chunks), closed };
}

export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/**
 * The complete responses in `data`, in order (`content-length` or chunked bodies); a
 * response cut short is left out.
 */
export function parseResponses(data: Buffer): RawResponse[] {
  const responses: RawResponse[] = [];
  let at = 0;
  while (at < data.length) {
    const headEnd = data.indexOf("\r\n\r\n", at);
    if (headEnd < 0) break;
    const [statusLine = "", ...lines] = data.subarray(at, headEnd).toString("latin1").split("\r\n");
    const headers: Record<string, string> = {};
    for (const line of lines) {
      const colon = line.indexOf(":");
      headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
    }
    let bodyAt = headEnd + 4;
    let body: Buffer;
    if (headers["transfer-encoding"] === "chunked") {
      const parts: Buffer[] = [];
      for (;;) {
        const sizeEnd = data.indexOf("\r\n", bodyAt);
        if (sizeEnd < 0) return responses;
        const size = Number.parseInt(data.subarray(bodyAt, sizeEnd).toString("latin1"), 16);
        if (sizeEnd + 2 + size + 2 > data.length) return responses;
        parts.push(data.subarray(sizeEnd + 2, sizeEnd + 2 + size));
        bodyAt = sizeEnd + 2 + size + 2;
        if (size === 0) break;
      }
      body = Buffer.concat(parts);
    } else {
      const length = Number(headers["content-length"] ?? 0);
      if (bodyAt + length > data.length) break;
      body = data.subarray(bodyAt, bodyAt + length);
      bodyAt += length;
    }
    responses.push({
      status: Number(statusLine.split(" ")[1]),
      headers,
      body: body.toString("utf8"),
    });
    at = bodyAt;
  }
  return responses;
}
