// What the GitHub Actions workflows must satisfy before they ever run: GitHub's workflow
// schema, through @actions/workflow-parser (the parser of GitHub's Actions language service,
// schema bundled), and every npm script they call defined in the root package.json, so that
// renaming a script cannot silently break CI or a release. The parser imports its schema as
// JSON without an import attribute, which plain Node refuses: this module runs under vitest,
// which inlines the package (vitest.release.config.ts).

import {
  convertWorkflowTemplate,
  NoOperationTraceWriter,
  parseWorkflow,
} from "@actions/workflow-parser";

/** `npm run X`, `npm run-script X` (flags before X allowed) and npm's lifecycle shorthands. */
const NPM_SCRIPT_CALL =
  /\bnpm\s+(?:run|run-script)\s+(?:-{1,2}[\w-]+(?:=\S+)?\s+)*([^\s"'`;&|()]+)|\bnpm\s+(test|start|stop|restart)\b/g;

/**
 * The npm scripts a workflow calls, anywhere in its text (`run:` steps and action inputs
 * such as the changesets action's `version` and `publish` alike).
 * @param {string} content
 */
export function npmScriptsCalled(content) {
  return [...new Set([...content.matchAll(NPM_SCRIPT_CALL)].map((m) => String(m[1] ?? m[2])))];
}

/**
 * Every problem of a workflow file: the schema's (unknown or misplaced keys, wrong value
 * types, invalid expressions or cron lines…), then each npm script it calls that the root
 * package.json does not define.
 * @param {string} file the name used in the messages
 * @param {string} content
 * @param {Record<string, string>} scripts the root package.json's `scripts`
 */
export async function workflowProblems(file, content, scripts) {
  const parsed = parseWorkflow({ name: file, content }, new NoOperationTraceWriter());
  const problems = parsed.context.errors.getErrors().map((error) => error.message);
  if (parsed.value) {
    const template = await convertWorkflowTemplate(parsed.context, parsed.value);
    problems.push(...(template.errors ?? []).map((error) => error.Message));
  }
  for (const name of npmScriptsCalled(content).filter((name) => !Object.hasOwn(scripts, name))) {
    problems.push(`${file} calls the npm script "${name}", which package.json does not define`);
  }
  return [...new Set(problems)];
}
