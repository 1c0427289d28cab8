import type { FastifyInstance, FastifyRequest } from "fastify";
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
  app.addContentTypeParser(
    "application/json",
    { parseAs: "buffer" },
    async (request: FastifyRequest, body: Buffer) => {
      const encoding = request.headers["content-encoding"]?.trim().toLowerCase();
      if (encoding !== undefined && encoding !== "" && encoding !== "identity") {
        const message = "Content-Encoding is not supported: send the JSON body uncompressed";
        throw new OpenAiHttpError(415, message, { code: "unsupported_content_encoding" });
      }
      let text: string;
      try {
        text = utf8.decode(body);
      } catch {
        const message = "The request body is not valid UTF-8.";
        throw new OpenAiHttpError(400, message, { code: "invalid_encoding" });
      }
      try {
        return JSON.parse(text);
      } catch (error) {
        const message = `We could not parse the JSON body of your request: ${(error as Error).message}`;
        throw new OpenAiHttpError(400, message, { code: "invalid_json" });
      }
    },
  );
}
