// What a packed package must satisfy before anyone installs it and that publint and
// arethetypeswrong do not check: pure functions over the packed package.json and files.

import { builtinModules } from "node:module";
import * as path from "node:path";
import ts from "typescript";
import { DEPENDENCY_FIELDS } from "./workspace.mjs";

/** Packages that must only ever be peers: two copies of the OpenTelemetry API break tracing. */
const PEER_ONLY = "@opentelemetry/api";

/**
 * The Node versions the packages support: those where an ES module can also be loaded with
 * `require()` without a flag (require(esm): 20.19 in the 20 line, 22.12 and later), so that
 * both `import` and `require()` work wherever `engines` lets the package install.
 */
export const SUPPORTED_NODE = "^20.19.0 || >=22.12.0";

/** Tests, test support, examples and fixtures: built, but not for users. */
const NOT_FOR_USERS =
  /(^|\/)(__tests__|test-support|examples|fixtures)\/|\.(test|spec)\.[cm]?[jt]sx?(\.map)?$/;

/** @param {string[]} files */
export const licenseFileOf = (files) =>
  files.find((file) => /^licen[cs]e(\.md|\.txt)?$/i.test(file));

/** @param {string[]} files */
export const readmeFileOf = (files) => files.find((file) => /^readme(\.md)?$/i.test(file));

/**
 * What a user can import: the package name, and its name with each subpath of `exports`
 * ("./sdk"…) but "./package.json" and patterns.
 * @param {any} manifest
 */
export function entrySpecifiers(manifest) {
  const subpaths = Object.keys(manifest.exports ?? {})
    .filter((key) => key.startsWith("./") && key !== "./package.json" && !key.includes("*"))
    .map((key) => `${manifest.name}/${key.slice(2)}`);
  return [manifest.name, ...subpaths];
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
      const internal = workspace.get(name)?.manifest;
      if (String(range).startsWith("workspace:")) {
        problems.push(`${field}["${name}"] is still "${range}" in the tarball`);
      } else if (internal?.private === true) {
        problems.push(`${field}["${name}"] is a private workspace package: it is never published`);
      } else if (internal && String(range).replace(/^[~^]/, "") !== internal.version) {
        problems.push(
          `${field}["${name}"] is "${range}" in the tarball, not a range of ${name}'s version ${internal.version}`,
        );
      }
    }
  }
  for (const field of ["dependencies", "optionalDependencies"]) {
    if (packed[field]?.[PEER_ONLY] !== undefined) {
      problems.push(`${PEER_ONLY} is in ${field}: it must be a peer dependency, never bundled`);
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
 * Problems in the packed files (paths relative to the package root).
 * @param {string[]} files
 * @param {{ license?: string, readme?: string, expectedLicense?: string }} [texts] the packed
 *   LICENSE's and README's texts, and the repository's LICENSE when they must be the same
 * @returns {string[]}
 */
export function contentProblems(files, { license, readme, expectedLicense } = {}) {
  const problems = [];
  if (!readmeFileOf(files)) problems.push("no README in the tarball");
  const licenseFile = licenseFileOf(files);
  if (!licenseFile) problems.push("no LICENSE file in the tarball");
  else if (expectedLicense !== undefined && license?.trim() !== expectedLicense.trim()) {
    problems.push(`${licenseFile} differs from the repository's LICENSE`);
  }
  // Broken on the npm page: an absolute URL works there.
  for (const href of readme === undefined ? [] : brokenReadmeLinks(readme, files)) {
    problems.push(`README links to ${href}, which is not in the tarball`);
  }
  for (const file of files.filter((name) => NOT_FOR_USERS.test(name))) {
    problems.push(`${file} is in the tarball: users do not need it`);
  }
  return problems;
}

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
  /** @param {string} file @param {string} target */
  const packed = (file, target) => present.has(path.posix.join(path.posix.dirname(file), target));
  const problems = [];
  for (const [file, text] of texts) {
    if (file.endsWith(".map")) {
      /** @type {{ sources?: string[], sourceRoot?: string, sourcesContent?: unknown[] }} */
      let map;
      try {
        map = JSON.parse(text);
      } catch {
        problems.push(`${file} is not a valid source map`);
        continue;
      }
      const missing = (map.sources ?? []).filter(
        (source, index) =>
          typeof map.sourcesContent?.[index] !== "string" &&
          !packed(file, path.posix.join(map.sourceRoot ?? "", source)),
      );
      if (missing.length) {
        problems.push(
          `${file} maps to ${missing.join(", ")}, which ${missing.length > 1 ? "are" : "is"} not in the tarball`,
        );
      }
    } else {
      const url = text.match(
        /^\s*(?:\/\/|\/\*)[#@]\s*sourceMappingURL=(\S+?)(?:\s*\*\/)?\s*$/m,
      )?.[1];
      if (url && !url.startsWith("data:") && !packed(file, url)) {
        problems.push(`${file} names its source map ${url}, which is not in the tarball`);
      }
    }
  }
  return problems;
}

/**
 * Relative README links that point at nothing in the tarball: broken on the npm page.
 * @param {string} readme
 * @param {string[]} files
 */
function brokenReadmeLinks(readme, files) {
  const hrefs = [...readme.matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)].map((match) => match[1]);
  const broken = hrefs.filter((href = "") => {
    if (/^([a-z][a-z0-9+.-]*:|#|\/\/)/i.test(href)) return false;
    const target = path.posix.normalize(href.split("#")[0] ?? "").replace(/\/$/, "");
    return (
      !["", "."].includes(target) &&
      !files.some((file) => file === target || file.startsWith(`${target}/`))
    );
  });
  return [...new Set(broken)];
}

/**
 * Imports of packages that the packed package.json does not declare: they work inside the
 * workspace, where everything is installed, and fail for a user. TypeScript's own scanner
 * finds them (imports, re-exports, `import()`, `require()`, `/// <reference types>`).
 * @param {any} packed
 * @param {Map<string, string>} sources packed file → its text (JavaScript and declarations)
 */
export function undeclaredImports(packed, sources) {
  const fields = DEPENDENCY_FIELDS.flatMap((field) => Object.keys(packed[field] ?? {}));
  const declared = [packed.name, ...fields];
  const problems = [];
  for (const [file, text] of sources) {
    const { importedFiles, typeReferenceDirectives } = ts.preProcessFile(text, true, true);
    for (const { fileName: specifier } of [...importedFiles, ...typeReferenceDirectives]) {
      if (/^(\.|\/|#|[a-z]+:)/i.test(specifier)) continue;
      const [scope, base] = specifier.split("/");
      const name = specifier.startsWith("@") ? `${scope}/${base}` : String(scope);
      // A declared one is the manifest's to check (@opentelemetry/api only as a peer).
      if (builtinModules.includes(name) || name === "node" || declared.includes(name)) continue;
      const hint = name === PEER_ONLY ? " (declare it as a peer dependency)" : "";
      problems.push(
        `${file} imports "${specifier}", but ${name} is not declared in dependencies or peerDependencies${hint}`,
      );
    }
  }
  return problems;
}
