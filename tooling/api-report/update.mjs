// `npm run api:update`: writes every entry point's report from the built declarations.
import { mkdir, readdir, rm, writeFile } from "node:fs/promises";
import * as path from "node:path";
import { REPORT_DIR, renderReport, reportEntries, workspaceEntries } from "./api-report.mjs";

const entries = await workspaceEntries();
const reports = reportEntries(entries);
const written = new Set(entries.map((entry) => entry.reportFile));
for (const dir of new Set(entries.map((entry) => path.join(entry.packageDir, REPORT_DIR)))) {
  await mkdir(dir, { recursive: true });
  // A report whose entry point is gone goes with it.
  for (const file of await readdir(dir)) {
    if (!written.has(path.join(dir, file))) await rm(path.join(dir, file));
  }
}
for (const [index, entry] of entries.entries()) {
  const report = reports[index];
  if (report === undefined) throw new Error(`no report for ${entry.specifier}`);
  await writeFile(entry.reportFile, renderReport(report));
  console.log(`${path.relative(process.cwd(), entry.reportFile)}: ${entry.specifier}`);
}
