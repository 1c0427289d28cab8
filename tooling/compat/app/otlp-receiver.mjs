// A local OTLP/HTTP collector for the compatibility apps: it keeps every export request's
// content type and body, and answers as a collector does.

import { once } from "node:events";
import { createServer } from "node:http";

export async function startOtlpReceiver() {
  const posts = [];
  const server = createServer(async (req, res) => {
    const chunks = [];
    for await (const chunk of req) chunks.push(chunk);
    posts.push({ contentType: req.headers["content-type"], body: Buffer.concat(chunks) });
    const json = String(req.headers["content-type"]).includes("json");
    res.writeHead(200, { "content-type": json ? "application/json" : "application/x-protobuf" });
    res.end(json ? "{}" : undefined);
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const origin = `http://127.0.0.1:${server.address().port}`;
  return { origin, url: `${origin}/v1/traces`, posts, server };
}
