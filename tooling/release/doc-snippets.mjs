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
 * The TypeScript and JavaScript blocks of one Markdown text.
 * @param {string} text
 * @param {string} file the name reported with each block
 * @returns {DocSnippet[]}
 */
export function readSnippets(text, file) {
  /** @type {DocSnippet[]} */
  const snippets = [];
  const block = /^```(\w*)[ \t]*\n([\s\S]*?)^```/gm;
  for (const match of text.matchAll(block)) {
    const lang = LANGS[String(match[1])];
    if (!lang) continue;
    const before = text.slice(0, match.index);
    const code = String(match[2]).replace(/\n$/, "");
    const context = /<!-- snippet context\n((?:(?!-->)[\s\S])*?)\n-->\n$/.exec(before)?.[1] ?? "";
    const line = before.split("\n").length + 1;
    snippets.push({ file, line, lang, code, context, firstLine: code.split("\n")[0] ?? "" });
  }
  return snippets;
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
 * The module a block is compiled as: its context, then its code. `offset` is the number of
 * lines before the code, to turn a compiler's line back into the document's.
 * @param {DocSnippet} snippet
 */
export function snippetModule(snippet) {
  const head = snippet.context ? `${snippet.context}\n` : "";
  // `export {}`: a block with no import is still a module of its own.
  return { source: `${head}${snippet.code}\nexport {};\n`, offset: head.split("\n").length - 1 };
}

/**
 * Compiles every block of `snippets` under strict settings in `dir`, inside a project
 * that installed the packages. Problems point at the document's own lines.
 * @param {string} dir
 * @param {DocSnippet[]} snippets
 */
export async function compileSnippets(dir, snippets) {
  await mkdir(dir, { recursive: true });
  /** @type {Map<string, { snippet: DocSnippet, offset: number }>} */
  const files = new Map();
  for (const snippet of snippets) {
    const name = `${snippet.file.replace(/[^a-z0-9]+/gi, "-")}-L${snippet.line}.${snippet.lang === "ts" ? "ts" : "mjs"}`;
    const { source, offset } = snippetModule(snippet);
    await writeFile(path.join(dir, name), source);
    files.set(name, { snippet, offset });
  }
  // The packages' own declarations are checked, strictly, by the package checks.
  const options = {
    module: "nodenext",
    noEmit: true,
    allowJs: true,
    checkJs: true,
    skipLibCheck: true,
  };
  const problems = compile(dir, [...files.keys()], options).errors.map(
    ({ file, line, code, text }) => {
      const at = files.get(file);
      if (!at) return `${file}:${line}: ${code} ${text}`;
      return `${at.snippet.file}:${at.snippet.line + line - 1 - at.offset}: ${code} ${text}`;
    },
  );
  return { compiled: files.size, problems };
}
