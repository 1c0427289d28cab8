// `npm run api:update`: writes every entry point's report from the built declarations, into
// report folders emptied first, so that the report of an entry point that is gone goes too.
import { rmSync } from "node:fs";
import * as path from "node:path";
import { apiReport, entryPoints, sharedCompiler } from "./api-report.mjs";

const entries = await entryPoints();
for (const dir of new Set(entries.map((entry) => path.join(entry.dir, "api-report")))) {
  rmSync(dir, { recursive: true, force: true });
}
const compilerState = sharedCompiler(entries);
for (const entry of entries) {
  const { messages } = apiReport(entry, { update: true, compilerState });
  console.log(`${path.relative(process.cwd(), entry.dir)}/api-report/${entry.name}.api.md`);
  for (const message of messages) console.error(`  ✗ ${message}`);
  if (messages.length) process.exitCode = 1;
}
