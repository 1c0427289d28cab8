// What the GitHub Actions workflows must satisfy before they ever run: GitHub's own
// workflow schema, and every npm script they call defined in the root package.json (so that
// renaming a script cannot silently break CI or a release).
//
// @actions/workflow-parser is the parser GitHub's Actions language service uses, with the
// workflow schema bundled (no network). It imports that schema as JSON without an import
// attribute, which plain Node refuses; vite loads it, so this module runs under vitest, whose
// tooling/release project inlines the package.

import {
  convertWorkflowTemplate,
  NoOperationTraceWriter,
  parseWorkflow,
} from "@actions/workflow-parser";

/**
 * `npm run X`, `npm run-script X` (flags before X allowed) and npm's lifecycle shorthands.
 * The name stops at whitespace, a quote or a shell operator.
 */
const NPM_SCRIPT_CALL =
  /\bnpm\s+(?:run|run-script)\s+(?:-{1,2}[\w-]+(?:=\S+)?\s+)*([^\s"'`;&|()]+)|\bnpm\s+(test|start|stop|restart)\b/g;

/**
 * The npm scripts a workflow calls, anywhere in its text (`run:` steps and action inputs
 * such as the changesets action's `version` and `publish` alike).
 * @param {string} content
 * @returns {string[]}
 */
export function npmScriptsCalled(content) {
  /** @type {Set<string>} */
  const names = new Set();
  for (const match of content.matchAll(NPM_SCRIPT_CALL)) names.add(String(match[1] ?? match[2]));
  return [...names];
}

/**
 * What GitHub's workflow schema says about a workflow file: unknown or misplaced keys, wrong
 * value types, expressions in places that do not allow them, invalid cron lines…
 * @param {string} file the name used in the messages
 * @param {string} content
 * @returns {Promise<string[]>}
 */
export async function schemaProblems(file, content) {
  const parsed = parseWorkflow({ name: file, content }, new NoOperationTraceWriter());
  const problems = parsed.context.errors.getErrors().map((error) => error.message);
  if (parsed.value) {
    const template = await convertWorkflowTemplate(parsed.context, parsed.value);
    for (const error of template.errors ?? []) problems.push(error.Message);
  }
  return [...new Set(problems)];
}

/**
 * Every problem of a workflow file: the schema's, then each npm script it calls that the
 * root package.json does not define.
 * @param {string} file
 * @param {string} content
 * @param {Record<string, string>} scripts the root package.json's `scripts`
 */
export async function workflowProblems(file, content, scripts) {
  const problems = await schemaProblems(file, content);
  for (const name of npmScriptsCalled(content)) {
    if (!Object.hasOwn(scripts, name)) {
      problems.push(`${file} calls the npm script "${name}", which package.json does not define`);
    }
  }
  return problems;
}
