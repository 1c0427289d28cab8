/**
 * Prints the OTLP bytes one traced request costs, as a collector behind the demo server
 * receives them, with the default protocol (protobuf) and with JSON:
 * `npm run otlp-payload [-- --requests N]` at the repository root.
 */
import { parseArgs } from "node:util";
import { measureOtlpPayload } from "./otlp-payload.mjs";

const { values } = parseArgs({ options: { requests: { type: "string" } } });
const requests = values.requests === undefined ? 20 : Number(values.requests);
if (!Number.isInteger(requests) || requests < 1) {
  console.error(`--requests must be a whole number of at least 1, got ${values.requests}`);
  process.exit(2);
}
for (const protocol of [undefined, "http/json"]) {
  const result = await measureOtlpPayload({ requests, ...(protocol ? { protocol } : {}) });
  const label = protocol ?? "default";
  console.log(
    `${label} (${result.contentTypes.join(", ")}): ${result.bytesPerRequest} bytes per traced request ` +
      `(${result.bytes} bytes in ${result.exports} exports for ${result.requests} requests)`,
  );
}
