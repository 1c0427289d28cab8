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

import { readdirSync, readFileSync } from "node:fs";
import * as path from "node:path";

/**
 * @typedef {{
 *   file: string, line: number, lang: "ts" | "js", code: string, context: string,
 *   firstLine: string,
 * }} DocSnippet
 * `line`: the 1-based line of the block's first code line in `file`; `context`: the
 * declarations of its snippet-context comment ("" without one); `firstLine`: its first line.
 */

const LANGS = /** @type {Record<string, "ts" | "js">} */ ({
  ts: "ts",
  typescript: "ts",
  js: "js",
  javascript: "js",
});

/**
 * The Markdown files users read that may hold code, relative to `root`.
 * @param {string} root
 */
export function userDocFiles(root) {
  const files = ["README.md"];
  for (const name of readdirSync(path.join(root, "docs")).sort()) {
    if (name.endsWith(".md")) files.push(`docs/${name}`);
  }
  for (const folder of readdirSync(path.join(root, "packages")).sort()) {
    const readme = `packages/${folder}/README.md`;
    try {
      readFileSync(path.join(root, readme));
      files.push(readme);
    } catch {
      // A folder without a README (being created or removed) has no code to check.
    }
  }
  return files;
}

/**
 * The TypeScript and JavaScript blocks of one Markdown text.
 * @param {string} text
 * @param {string} file the name reported with each block
 * @returns {DocSnippet[]}
 */
export function readSnippets(text, file) {
  const lines = text.split("\n");
  /** @type {DocSnippet[]} */
  const snippets = [];
  for (let i = 0; i < lines.length; i++) {
    const fence = /^```(\w+)\s*$/.exec(lines[i] ?? "");
    if (!fence) continue;
    const end = lines.findIndex((line, j) => j > i && line.startsWith("```"));
    if (end === -1) break;
    const lang = LANGS[fence[1] ?? ""];
    if (lang) {
      const code = lines.slice(i + 1, end).join("\n");
      snippets.push({
        file,
        line: i + 2,
        lang,
        code,
        context: contextAbove(lines, i),
        firstLine: lines[i + 1] ?? "",
      });
    }
    i = end;
  }
  return snippets;
}

/**
 * The declarations of a snippet-context comment ending right above line `fence`.
 * @param {string[]} lines
 * @param {number} fence
 */
function contextAbove(lines, fence) {
  if (lines[fence - 1]?.trim() !== "-->") return "";
  for (let j = fence - 2; j >= 0; j--) {
    if (lines[j]?.trim() === "<!-- snippet context")
      return lines.slice(j + 1, fence - 1).join("\n");
    if (lines[j]?.includes("-->")) return "";
  }
  return "";
}

/**
 * Every block of the user docs under `root`.
 * @param {string} root
 */
export function readUserDocSnippets(root) {
  return userDocFiles(root).flatMap((file) =>
    readSnippets(readFileSync(path.join(root, file), "utf8"), file),
  );
}

/**
 * The module a block is compiled as: its context, then its code. `offset` is the number of
 * lines before the code, to turn a compiler's line back into the document's.
 * @param {DocSnippet} snippet
 */
export function snippetModule(snippet) {
  const head = snippet.context ? `${snippet.context}\n` : "";
  const offset = head ? head.split("\n").length - 1 : 0;
  // `export {}`: a block with no import is still a module of its own.
  return { source: `${head}${snippet.code}\nexport {};\n`, offset };
}
