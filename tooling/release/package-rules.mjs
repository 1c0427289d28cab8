// What a packed package must satisfy before anyone installs it: pure functions over the
// packed package.json and the list of packed files, so that each rule is tested on its own.

import { builtinModules } from "node:module";
import * as path from "node:path";
import { DEPENDENCY_FIELDS } from "./workspace.mjs";

/** Packages that must only ever be peers: two copies of the OpenTelemetry API break tracing. */
export const PEER_ONLY = ["@opentelemetry/api"];

/**
 * The Node versions the packages support: those where an ES module can also be loaded with
 * `require()` without a flag (require(esm): 20.19 in the 20 line, 22.12 and later), so that
 * both `import` and `require()` work wherever `engines` lets the package install.
 */
export const SUPPORTED_NODE = "^20.19.0 || >=22.12.0";

const LICENSE_FILE = /^licen[cs]e(\.md|\.txt)?$/i;
const README_FILE = /^readme(\.md)?$/i;
/** Tests, test support, examples and fixtures: built, but not for users. */
const NOT_FOR_USERS =
  /(^|\/)(__tests__|test-support|examples|fixtures)\/|\.(test|spec)\.[cm]?[jt]sx?(\.map)?$/;

/** @param {string[]} files */
export function licenseFileOf(files) {
  return files.find((file) => LICENSE_FILE.test(file));
}

/** @param {string[]} files */
export function readmeFileOf(files) {
  return files.find((file) => README_FILE.test(file));
}

/**
 * The subpaths a user can import (".", "./sdk"…), without "./package.json" and patterns.
 * @param {any} manifest
 */
export function entrySubpaths(manifest) {
  const field = manifest.exports;
  if (field === undefined || typeof field === "string" || Array.isArray(field)) return ["."];
  const keys = Object.keys(field);
  if (!keys.every((key) => key.startsWith("."))) return ["."];
  return keys.filter((key) => key !== "./package.json" && !key.includes("*"));
}

/**
 * The import specifier of a subpath: "." is the package name itself.
 * @param {string} name
 * @param {string} subpath
 */
export function specifierOf(name, subpath) {
  return subpath === "." ? name : `${name}/${subpath.replace(/^\.\//, "")}`;
}

/** @param {string} text */
function escapeRegExp(text) {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/**
 * Problems in the packed package.json that a user would hit.
 * @param {any} packed the package.json inside the tarball
 * @param {Map<string, { manifest: any }>} workspace the workspace packages by name
 * @returns {string[]}
 */
export function manifestProblems(packed, workspace) {
  const problems = [];
  for (const field of DEPENDENCY_FIELDS) {
    for (const [name, range] of Object.entries(packed[field] ?? {})) {
      if (String(range).startsWith("workspace:")) {
        problems.push(`${field}["${name}"] is still "${range}" in the tarball`);
        continue;
      }
      const internal = workspace.get(name);
      if (!internal) continue;
      if (internal.manifest.private === true) {
        problems.push(`${field}["${name}"] is a private workspace package: it is never published`);
      }
      const version = String(internal.manifest.version);
      if (!new RegExp(`^[~^]?${escapeRegExp(version)}$`).test(String(range))) {
        problems.push(
          `${field}["${name}"] is "${range}" in the tarball, not a range of ${name}'s version ${version}`,
        );
      }
    }
  }
  for (const name of PEER_ONLY) {
    for (const field of ["dependencies", "optionalDependencies"]) {
      if (packed[field]?.[name] !== undefined) {
        problems.push(`${name} is in ${field}: it must be a peer dependency, never bundled`);
      }
    }
  }
  if (packed.exports === undefined) problems.push("no exports map");
  if (!packed.license) problems.push('no "license" field');
  if (!packed.repository) problems.push('no "repository" field');
  if (!packed.engines?.node) problems.push('no "engines.node" field');
  else if (packed.engines.node !== SUPPORTED_NODE) {
    problems.push(
      `engines.node is "${packed.engines.node}", not the supported "${SUPPORTED_NODE}" (the Node versions where both import and require() of an ES module work)`,
    );
  }
  return problems;
}

/**
 * Problems in the packed files (paths relative to the package root). An export target
 * missing from the tarball, or `types` not first among conditions, is publint's to report.
 * @param {string[]} files
 * @param {{ license?: string, expectedLicense?: string }} [texts] the packed LICENSE's text and
 *   the repository's, when they must be the same
 * @returns {string[]}
 */
export function contentProblems(files, texts = {}) {
  const problems = [];
  if (!readmeFileOf(files)) problems.push("no README in the tarball");
  const license = licenseFileOf(files);
  if (!license) problems.push("no LICENSE file in the tarball");
  else if (texts.license !== undefined && texts.expectedLicense !== undefined) {
    if (texts.license.trim() !== texts.expectedLicense.trim()) {
      problems.push(`${license} differs from the repository's LICENSE`);
    }
  }
  for (const file of files) {
    if (NOT_FOR_USERS.test(file)) problems.push(`${file} is in the tarball: users do not need it`);
  }
  return problems;
}

/** The `//# sourceMappingURL=…` line (or its block-comment form) of compiled code or declarations. */
const SOURCE_MAPPING_URL = /^\s*(?:\/\/|\/\*)[#@]\s*sourceMappingURL=(\S+?)(?:\s*\*\/)?\s*$/m;

/**
 * Source maps that lead nowhere for a user: a `sourceMappingURL` naming a map that is not
 * in the tarball, and a map whose sources are neither in the tarball nor embedded
 * (`sourcesContent`). Debuggers, bundlers and editors report both, or silently fall back.
 * @param {string[]} files every packed file
 * @param {Map<string, string>} texts packed file → its text: every `.js`, `.d.ts` and `.map`
 * @returns {string[]}
 */
export function sourceMapProblems(files, texts) {
  const present = new Set(files);
  const problems = [];
  for (const [file, text] of texts) {
    if (file.endsWith(".map")) {
      /** @type {{ sources?: unknown[], sourceRoot?: string, sourcesContent?: unknown[] }} */
      let map;
      try {
        map = JSON.parse(text);
      } catch {
        problems.push(`${file} is not a valid source map`);
        continue;
      }
      const missing = (map.sources ?? []).filter((source, index) => {
        if (typeof map.sourcesContent?.[index] === "string") return false;
        const target = path.posix.join(
          path.posix.dirname(file),
          map.sourceRoot ?? "",
          String(source),
        );
        return !present.has(target);
      });
      if (missing.length) {
        problems.push(
          `${file} maps to ${missing.join(", ")}, which ${missing.length > 1 ? "are" : "is"} not in the tarball`,
        );
      }
      continue;
    }
    const url = text.match(SOURCE_MAPPING_URL)?.[1];
    if (!url || url.startsWith("data:")) continue;
    const target = path.posix.join(path.posix.dirname(file), url);
    if (!present.has(target)) {
      problems.push(`${file} names its source map ${url}, which is not in the tarball`);
    }
  }
  return problems;
}

/**
 * Relative README links that point at nothing in the tarball: broken on the npm page.
 * @param {string} readme
 * @param {string[]} files
 */
export function brokenReadmeLinks(readme, files) {
  const present = new Set(files);
  /** @type {Set<string>} */
  const broken = new Set();
  for (const match of readme.matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)) {
    const href = String(match[1]);
    if (/^([a-z][a-z0-9+.-]*:|#|\/\/)/i.test(href)) continue;
    const target = path.posix.normalize(href.split("#")[0] ?? "").replace(/\/$/, "");
    if (target === "" || target === ".") continue;
    const isDirectory = files.some((file) => file.startsWith(`${target}/`));
    if (!present.has(target) && !isDirectory) broken.add(href);
  }
  return [...broken];
}

const SPECIFIER_PATTERNS = [
  /\bfrom\s*["']([^"'\n]+)["']/g,
  /\bimport\s*["']([^"'\n]+)["']/g,
  /\bimport\s*\(\s*["']([^"'\n]+)["']\s*\)/g,
  /\brequire\s*\(\s*["']([^"'\n]+)["']\s*\)/g,
  /<reference\s+types\s*=\s*["']([^"']+)["']/g,
];

const BUILTINS = new Set([...builtinModules, "node"]);

/**
 * The package a bare specifier belongs to: "@scope/name/sub" → "@scope/name".
 * @param {string} specifier
 */
export function packageNameOf(specifier) {
  const parts = specifier.split("/");
  return specifier.startsWith("@") ? parts.slice(0, 2).join("/") : String(parts[0]);
}

/**
 * Bare import specifiers in compiled JavaScript or in declarations.
 * @param {string} source
 */
export function bareImports(source) {
  // Whole-line comments only (stripping `//` anywhere would eat URLs inside strings), and
  // not `///` directives, which name type packages.
  const code = source.replace(/^\s*\/\/(?!\/).*$/gm, "").replace(/^\s*\/\*[\s\S]*?\*\//gm, "");
  /** @type {Set<string>} */
  const found = new Set();
  for (const pattern of SPECIFIER_PATTERNS) {
    for (const match of code.matchAll(pattern)) {
      const specifier = String(match[1]);
      if (/^(\.|\/|#|[a-z]+:)/i.test(specifier)) continue;
      found.add(specifier);
    }
  }
  return [...found];
}

/**
 * Imports of packages that the packed package.json does not declare: they work inside the
 * workspace, where everything is installed, and fail for a user.
 * @param {any} packed
 * @param {Map<string, string>} sources packed file → its text (JavaScript and declarations)
 */
export function undeclaredImports(packed, sources) {
  const problems = [];
  const peers = new Set(Object.keys(packed.peerDependencies ?? {}));
  const declared = new Set([
    packed.name,
    ...peers,
    ...Object.keys(packed.dependencies ?? {}),
    ...Object.keys(packed.optionalDependencies ?? {}),
  ]);
  for (const [file, text] of sources) {
    for (const specifier of bareImports(text)) {
      const name = packageNameOf(specifier);
      if (BUILTINS.has(name) || BUILTINS.has(specifier)) continue;
      if (!declared.has(name)) {
        const hint = PEER_ONLY.includes(name) ? " (declare it as a peer dependency)" : "";
        problems.push(
          `${file} imports "${specifier}", but ${name} is not declared in dependencies or peerDependencies${hint}`,
        );
      } else if (PEER_ONLY.includes(name) && !peers.has(name)) {
        problems.push(`${file} imports "${specifier}": ${name} must be a peer dependency`);
      }
    }
  }
  return problems;
}
