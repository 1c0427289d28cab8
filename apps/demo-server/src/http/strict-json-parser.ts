import type { FastifyInstance } from "fastify";
import { OpenAiHttpError } from "../openai/openai-error.js";

const utf8 = new TextDecoder("utf-8", { fatal: true });

/**
 * Parses JSON bodies strictly: bytes that are not UTF-8 are rejected instead of being
 * silently replaced with U+FFFD, and the body must be an object. JSON is the only type
 * parsed: every other one, `text/plain` included, gets 415, and so does a compressed body
 * (`Content-Encoding` other than `identity`), which the server does not decode.
 */
export function registerStrictJsonParser(app: FastifyInstance): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser("application/json", { parseAs: "buffer" }, (request, body, done) => {
    const encoding = request.headers["content-encoding"]?.trim().toLowerCase();
    if (encoding !== undefined && encoding !== "" && encoding !== "identity") {
      done(
        new OpenAiHttpError(
          415,
          "Content-Encoding is not supported: send the JSON body uncompressed",
          { code: "unsupported_content_encoding" },
        ),
        undefined,
      );
      return;
    }
    let text: string;
    try {
      text = utf8.decode(body as Buffer);
    } catch {
      done(
        new OpenAiHttpError(400, "The request body is not valid UTF-8.", {
          code: "invalid_encoding",
        }),
        undefined,
      );
      return;
    }
    try {
      done(null, JSON.parse(text));
    } catch (error) {
      done(
        new OpenAiHttpError(
          400,
          `We could not parse the JSON body of your request: ${(error as Error).message}`,
          { code: "invalid_json" },
        ),
        undefined,
      );
    }
  });
}
