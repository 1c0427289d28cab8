// Prints the totals of the last vitest runs as one line, `N passed, N failed`, the format CI
// reads: `node scripts/test-summary.mjs <report.json>…` (default: the daily run's report).
// A run that never produced a report (install, build or lint failed) counts as one failure,
// so a broken pipeline can never look green.
import { readFileSync } from "node:fs";

/** The totals of one vitest JSON report; a missing or unreadable one is one failure. */
function totalsOf(reportPath) {
  try {
    const report = JSON.parse(readFileSync(reportPath, "utf8"));
    // A test file that failed to load has no test results.
    const brokenFiles = report.testResults.filter(
      (file) => file.status === "failed" && file.assertionResults.length === 0,
    ).length;
    return {
      passed: report.numPassedTests,
      failed: report.numFailedTests + (report.numTotalTestSuites > 0 ? 0 : 1) + brokenFiles,
      skipped: report.numPendingTests + report.numTodoTests,
    };
  } catch {
    console.error(`no test report at ${reportPath}: the run stopped before the tests`);
    return { passed: 0, failed: 1, skipped: 0 };
  }
}

const reports = process.argv.slice(2);
const totals = (reports.length > 0 ? reports : [".test-artifacts/vitest-report.json"]).map(
  totalsOf,
);
const sum = (key) => totals.reduce((total, run) => total + run[key], 0);
const skipped = sum("skipped");
console.log(
  `${sum("passed")} passed, ${sum("failed")} failed${skipped > 0 ? `, ${skipped} skipped` : ""}`,
);
