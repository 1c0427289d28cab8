/**
 * `npm run soak -- --requests N`: a long soak of the demo server; prints the report as
 * JSON and exits non-zero when an invariant broke.
 */
import { parseArgs } from "node:util";
import { runSoak } from "./soak.mjs";

const { values } = parseArgs({
  options: {
    requests: { type: "string", default: "100000" },
    concurrency: { type: "string", default: "64" },
  },
});
const report = await runSoak({
  requests: Number(values.requests),
  concurrency: Number(values.concurrency),
});
console.log(JSON.stringify(report, null, 2));
process.exitCode = report.problems.length === 0 ? 0 : 1;
