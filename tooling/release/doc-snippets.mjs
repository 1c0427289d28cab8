// The TypeScript and JavaScript blocks of what users read (the root README, docs/ and each
// package's README), so that a check can compile them against the packed packages and run
// the setups: documentation that no longer matches the code fails a test.
//
// A block that continues code the reader already has (a `request`, a `provider`) gets
// declarations from an HTML comment right above it, which Markdown does not show:
//
//   <!-- snippet context
//   declare const request: CoreRequestView;
//   -->
//
// A block whose first line names a stack (`SDK 2`, `SDK 3`) is checked on that stack only.

import { existsSync, readdirSync, readFileSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import * as path from "node:path";
import { compile } from "./compile.mjs";

/**
 * @typedef {{ file: string, line: number, lang: "ts" | "js", code: string, context: string }} DocSnippet
 * `line`: the 1-based line of the block's first code line in `file`; `context`: the
 * declarations of its snippet-context comment ("" without one).
 */

/**
 * The TypeScript and JavaScript blocks of one Markdown text.
 * @param {string} text
 * @param {string} file the name reported with each block
 * @returns {DocSnippet[]}
 */
export function readSnippets(text, file) {
  return [...text.matchAll(/^```(ts|typescript|js|javascript)[ \t]*\n([\s\S]*?)^```/gm)].map(
    (match) => {
      const before = text.slice(0, match.index);
      const code = String(match[2]).replace(/\n$/, "");
      const context = /<!-- snippet context\n((?:(?!-->)[\s\S])*?)\n-->\n$/.exec(before)?.[1] ?? "";
      const lang = match[1]?.startsWith("t") ? "ts" : "js";
      const line = before.split("\n").length + 1;
      return { file, line, lang, code, context };
    },
  );
}

/**
 * Every block of the Markdown users read: the root README, docs/ and each package's README.
 * @param {string} root
 */
export function readUserDocSnippets(root) {
  const docs = readdirSync(path.join(root, "docs"))
    .filter((name) => name.endsWith(".md"))
    .map((name) => `docs/${name}`);
  const readmes = readdirSync(path.join(root, "packages"))
    .map((folder) => `packages/${folder}/README.md`)
    .filter((file) => existsSync(path.join(root, file)));
  return ["README.md", ...docs.sort(), ...readmes.sort()].flatMap((file) =>
    readSnippets(readFileSync(path.join(root, file), "utf8"), file),
  );
}

/**
 * Compiles every block of `snippets` under strict settings in `dir`, inside a project
 * that installed the packages. Problems point at the document's own lines.
 * @param {string} dir
 * @param {DocSnippet[]} snippets
 */
export async function compileSnippets(dir, snippets) {
  await mkdir(dir, { recursive: true });
  // By compiled file: its document, and what turns the file's line into the document's.
  /** @type {Map<string, { file: string, offset: number }>} */
  const files = new Map();
  for (const { file, line, lang, code, context } of snippets) {
    const name = `${file.replace(/[^a-z0-9]+/gi, "-")}-L${line}.${lang === "ts" ? "ts" : "mjs"}`;
    // Its context, then its code; `export {}`: a block with no import is a module of its own.
    const head = context ? `${context}\n` : "";
    await writeFile(path.join(dir, name), `${head}${code}\nexport {};\n`);
    files.set(name, { file, offset: line - head.split("\n").length });
  }
  // The packages' own declarations are checked, strictly, by the package checks.
  const options = { allowJs: true, checkJs: true, skipLibCheck: true };
  const problems = compile(dir, [...files.keys()], options).errors.map((error) => {
    const at = files.get(error.file) ?? { file: error.file, offset: 0 };
    return `${at.file}:${error.line + at.offset}: ${error.code} ${error.text}`;
  });
  return { compiled: files.size, problems };
}
