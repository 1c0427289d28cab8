// Prints the totals of the last vitest run as one line, `N passed, N failed`, the format
// CI reads. A run that never produced a report (install, build or lint failed) counts as
// one failure, so a broken pipeline can never look green.
import { readFileSync } from "node:fs";

const reportPath = process.argv[2] ?? ".test-artifacts/vitest-report.json";
let passed = 0;
let failed = 1;
let skipped = 0;
try {
  const report = JSON.parse(readFileSync(reportPath, "utf8"));
  passed = report.numPassedTests;
  failed = report.numFailedTests + (report.numTotalTestSuites > 0 ? 0 : 1);
  skipped = report.numPendingTests + report.numTodoTests;
  const brokenFiles = report.testResults.filter(
    (file) => file.status === "failed" && file.assertionResults.length === 0,
  );
  failed += brokenFiles.length; // a test file that failed to load has no test results
} catch {
  console.error(`no test report at ${reportPath}: the run stopped before the tests`);
}
console.log(`${passed} passed, ${failed} failed${skipped > 0 ? `, ${skipped} skipped` : ""}`);
