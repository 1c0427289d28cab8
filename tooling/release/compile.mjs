// Type-checks (and compiles) files as a user's strict TypeScript project would, with the
// workspace's TypeScript, and reports each error with its file and line.

import * as path from "node:path";
import ts from "typescript";
import { WORKSPACE_ROOT } from "./workspace.mjs";

/** @typedef {{ file: string, line: number, code: string, text: string }} CompileError */

/**
 * Compiles `files` (relative to `dir`) with strict NodeNext settings and `options` (as a
 * tsconfig writes them), emitting only into an `outDir`; Node's types come from the workspace.
 * @param {string} dir
 * @param {string[]} files
 * @param {Record<string, unknown>} [options]
 * @returns {{ program: ts.Program, errors: CompileError[] }} each error's file relative to `dir`
 */
export function compile(dir, files, options = {}) {
  const json = {
    target: "ES2022",
    module: "nodenext",
    lib: ["ES2023"],
    strict: true,
    types: ["node"],
    typeRoots: [path.join(WORKSPACE_ROOT, "node_modules", "@types")],
    noEmit: options.outDir === undefined,
    ...options,
  };
  const converted = ts.convertCompilerOptionsFromJson(json, dir);
  const program = ts.createProgram(
    files.map((file) => path.join(dir, file)),
    converted.options,
  );
  const emitted = converted.options.noEmit ? [] : program.emit().diagnostics;
  const diagnostics = [...converted.errors, ...ts.getPreEmitDiagnostics(program), ...emitted];
  const errors = diagnostics
    .filter((diagnostic) => diagnostic.category === ts.DiagnosticCategory.Error)
    .map(({ file, start, code, messageText }) => ({
      file: file ? path.relative(dir, file.fileName) : "",
      line: file && start !== undefined ? file.getLineAndCharacterOfPosition(start).line + 1 : 0,
      code: `TS${code}`,
      text: ts.flattenDiagnosticMessageText(messageText, "\n"),
    }));
  return { program, errors };
}

/** @param {CompileError} error */
export const describeError = ({ file, line, code, text }) =>
  `${file}${line ? `:${line}` : ""}: ${code}: ${text}`;
