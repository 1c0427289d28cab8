// The dependency direction between the workspace's packages (SPEC §6), checked on their
// TypeScript sources: imports point one way, only the demo's legacy wiring reaches
// legacy-buffer, the libraries use nothing of OpenTelemetry at run time but its API
// outside their SDK and test-support entry points, and inside a package a self-contained
// folder (the demo's engine) imports nothing of the package outside itself.
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import { bareImports, packageNameOf } from "./package-rules.mjs";

/**
 * Which workspace packages each one may import.
 * @type {Record<string, string[] | undefined>}
 */
export const ALLOWED_IMPORTS = {
  "@llm-journey/context-propagation": [],
  "@llm-journey/tracer-core": ["@llm-journey/context-propagation"],
  // The private contract suite every layer's tests run (never published, never imported by src).
  "@llm-journey/layer-contract": ["@llm-journey/tracer-core"],
  "@llm-journey/tracer-api": [
    "@llm-journey/context-propagation",
    "@llm-journey/tracer-core",
    "@llm-journey/layer-contract",
  ],
  "@llm-journey/legacy-buffer": [
    "@llm-journey/context-propagation",
    "@llm-journey/tracer-core",
    "@llm-journey/layer-contract",
  ],
  "@llm-journey/node-llama-cpp": ["@llm-journey/context-propagation", "@llm-journey/tracer-core"],
  "@llm-journey/demo-server": [
    "@llm-journey/context-propagation",
    "@llm-journey/tracer-core",
    "@llm-journey/tracer-api",
    "@llm-journey/legacy-buffer",
    "@llm-journey/node-llama-cpp",
  ],
};

/** Only these demo-server folders may import legacy-buffer (dropped whole in Phase 3). */
const LEGACY_WIRING = "src/legacy/";

/**
 * Folders whose modules import nothing of their package outside themselves, so that the
 * layers inside a package point one way too: the demo's engine knows nothing of HTTP or
 * of the journey store, which program against its contract (`src/engine/engine-contract.ts`).
 * Its tests may assemble both sides.
 */
export const SELF_CONTAINED = {
  "@llm-journey/demo-server": ["src/engine/"],
};

/** Library files that may use the OpenTelemetry SDK: its isolated entry points and tests. */
const SDK_ALLOWED = /(^|\/)(sdk|testing|test-support|examples)\/|\.test\.ts$/;

/**
 * @typedef {{ packageName: string; packageDir: string; file: string; text: string }} SourceFile
 * `file` is relative to `packageDir`, with forward slashes.
 */

/**
 * Every import in `sources` that breaks the direction rules, as one readable line each.
 * @param {SourceFile[]} sources
 * @returns {string[]}
 */
export function importDirectionProblems(sources) {
  const problems = [];
  for (const { packageName, packageDir, file, text } of sources) {
    const allowed = ALLOWED_IMPORTS[packageName];
    const where = `${packageName}: ${file}`;
    if (allowed === undefined) {
      problems.push(`${where}: ${packageName} has no place in the dependency direction`);
      continue;
    }
    const isLibrary = packageName !== "@llm-journey/demo-server";
    for (const specifier of bareImports(text)) {
      const name = packageNameOf(specifier);
      if (name.startsWith("@llm-journey/") && name !== packageName) {
        if (!allowed.includes(name)) {
          problems.push(`${where} imports ${specifier}: ${packageName} must not depend on ${name}`);
        } else if (name === "@llm-journey/layer-contract" && !file.endsWith(".test.ts")) {
          problems.push(
            `${where} imports ${specifier}: only a package's tests may run the contract`,
          );
        } else if (
          name === "@llm-journey/legacy-buffer" &&
          !isLibrary &&
          !file.startsWith(LEGACY_WIRING)
        ) {
          problems.push(
            `${where} imports ${specifier}: only ${LEGACY_WIRING} may, so that Phase 3 can delete it`,
          );
        }
      }
      if (
        isLibrary &&
        name.startsWith("@opentelemetry/") &&
        name !== "@opentelemetry/api" &&
        !SDK_ALLOWED.test(file)
      ) {
        problems.push(
          `${where} imports ${specifier}: a library uses only @opentelemetry/api outside its sdk, testing and example entry points`,
        );
      }
    }
    const folder = (SELF_CONTAINED[packageName] ?? []).find((prefix) => file.startsWith(prefix));
    for (const specifier of relativeImports(text)) {
      const target = relative(packageDir, resolve(packageDir, dirname(file), specifier));
      if (target.startsWith(`..${sep}`)) {
        problems.push(
          `${where} imports ${specifier}: outside its package; import the package by name`,
        );
      } else if (
        folder !== undefined &&
        !file.endsWith(".test.ts") &&
        !`${target.split(sep).join("/")}/`.startsWith(folder)
      ) {
        problems.push(
          `${where} imports ${specifier}: ${folder} imports nothing of ${packageName} outside itself`,
        );
      }
    }
  }
  return problems;
}

/** @param {string} source */
function relativeImports(source) {
  const found = [];
  for (const match of source.matchAll(
    /(?:from\s+|import\s*\(\s*|import\s+)["'](\.{1,2}\/[^"']*)["']/g,
  )) {
    found.push(String(match[1]));
  }
  return found;
}

/**
 * The TypeScript sources of every package in the workspace at `root`.
 * @param {string} root
 * @returns {SourceFile[]}
 */
export function workspaceSources(root) {
  const sources = [];
  for (const parent of ["packages", "apps"]) {
    let folders = [];
    try {
      folders = readdirSync(join(root, parent));
    } catch {
      continue;
    }
    for (const folder of folders) {
      const packageDir = join(root, parent, folder);
      let manifest;
      try {
        manifest = JSON.parse(readFileSync(join(packageDir, "package.json"), "utf8"));
      } catch {
        continue;
      }
      for (const file of tsFiles(join(packageDir, "src"))) {
        sources.push({
          packageName: manifest.name,
          packageDir,
          file: relative(packageDir, file).split(sep).join("/"),
          text: readFileSync(file, "utf8"),
        });
      }
    }
  }
  return sources;
}

/** @param {string} dir @returns {string[]} */
function tsFiles(dir) {
  /** @type {string[]} */
  const files = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) files.push(...tsFiles(path));
    else if (entry.name.endsWith(".ts")) files.push(path);
  }
  return files;
}
