// `npm run api:update`: writes every entry point's report from the built declarations, and
// deletes the report of an entry point that is gone.
import { readdirSync, rmSync } from "node:fs";
import * as path from "node:path";
import { apiReport, entryPoints, sharedCompiler } from "./api-report.mjs";

const entries = entryPoints();
const compilerState = sharedCompiler(entries);
for (const entry of entries) {
  const { messages } = apiReport(entry, { update: true, compilerState });
  console.log(`${path.relative(process.cwd(), entry.dir)}/api-report/${entry.name}.api.md`);
  for (const message of messages) console.error(`  ✗ ${message}`);
  if (messages.length) process.exitCode = 1;
}
for (const dir of new Set(entries.map((entry) => path.join(entry.dir, "api-report")))) {
  const kept = entries.map((entry) => path.join(entry.dir, "api-report", `${entry.name}.api.md`));
  for (const file of readdirSync(dir).map((name) => path.join(dir, name))) {
    if (!kept.includes(file)) rmSync(file);
  }
}
