#!/usr/bin/env node
// Proves that every publishable package works when a user installs it alone from npm.
//
// For each package: pack it with pnpm (which turns `workspace:^` into real ranges); check
// the packed package.json and files; install the tarball into a fresh project outside the
// workspace with nothing but its declared dependencies (the internal ones from their own
// tarballs, as they are not published yet) and its peers; import every entry point from
// plain ESM JavaScript and require() it from CommonJS; type-check a strict TypeScript
// consumer against it; run publint and arethetypeswrong on the tarball. Source maps must
// lead to files in the tarball. A package with optional peers must load and type-check
// its main entry without them first: an application that brings its own SDK needs none.
//
// Library: `checkPackage(dir, options)` and `checkPackages(dirs, options)` return structured
// results. CLI: `node tooling/release/pack-and-install.mjs [--package NAME|DIR]... [--keep]`
// prints a summary and exits 1 when a step fails. Build the packages first.

import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import * as os from "node:os";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import {
  consumerSource,
  consumerTsconfig,
  explainTscOutput,
  IMPORT_CHECK_SCRIPT,
  REQUIRE_CHECK_SCRIPT,
  splitPeerDeclarationErrors,
} from "./consumer.mjs";
import {
  brokenReadmeLinks,
  contentProblems,
  entrySubpaths,
  licenseFileOf,
  manifestProblems,
  readmeFileOf,
  SUPPORTED_NODE,
  sourceMapProblems,
  specifierOf,
  undeclaredImports,
} from "./package-rules.mjs";
import { lastLines, run } from "./process.mjs";
import {
  internalDependencies,
  listPublishablePackages,
  packPackage,
  readJson,
  readWorkspacePackages,
  WORKSPACE_ROOT,
} from "./workspace.mjs";

export { listPublishablePackages, readWorkspacePackages, WORKSPACE_ROOT };

// Both linters are pinned devDependencies of the workspace root (installed by `npm run
// setup`), so the check never changes under us and needs no download of its own.
const ROOT_BIN = path.join(WORKSPACE_ROOT, "node_modules", ".bin");
const LINTER_BIN = {
  publint: path.join(ROOT_BIN, "publint"),
  attw: path.join(ROOT_BIN, "attw"),
};

/**
 * @typedef {"passed" | "failed" | "skipped"} StepStatus
 * @typedef {{ name: string, status: StepStatus, messages: string[], warnings: string[], ms: number }} StepResult
 * @typedef {{
 *   name: string, version: string, dir: string, tarball: string | undefined, manifest: any,
 *   ok: boolean, steps: StepResult[], ms: number,
 * }} PackageResult
 * @typedef {import("./consumer.mjs").ImportOutcome} ImportOutcome
 * @typedef {{
 *   root?: string,
 *   workDir?: string,
 *   tarballs?: Map<string, Promise<string>>,
 *   keep?: boolean,
 *   expectedExports?: Record<string, Record<string, string[]>>,
 *   licenseText?: string,
 *   publint?: boolean,
 *   attw?: boolean,
 *   consumerTypes?: string[],
 * }} CheckOptions
 *
 * `root`: the workspace (its typescript, @types and packages). `workDir`: where temporary
 * files go (a new directory under os.tmpdir() by default, removed unless `keep`). `tarballs`:
 * packed tarballs by package name, shared between checks. `expectedExports`: by package
 * name, the names that each of its subpaths must export. `licenseText`: the text the packed LICENSE must have.
 * `publint`, `attw`: false to leave a linter out. `consumerTypes`: the global types of the
 * TypeScript consumer (default Node's).
 */

/**
 * @typedef {{ problems?: string[], notes?: string[], warnings?: string[] }} StepOutcome
 */

/** @param {string} text */
function safeName(text) {
  return text.replace(/^@/, "").replace(/[^a-z0-9.-]+/gi, "-");
}

/** @param {string} dir @param {string} [prefix] @returns {Promise<string[]>} */
async function listFiles(dir, prefix = "") {
  const files = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const relative = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) files.push(...(await listFiles(path.join(dir, entry.name), relative)));
    else files.push(relative);
  }
  return files.sort();
}

/**
 * The version of a peer to install: the one the package is developed and tested against
 * (its devDependencies), else the peer range itself.
 * @param {any} manifest
 * @param {string} name
 */
function peerSpec(manifest, name) {
  return `${name}@${manifest.devDependencies?.[name] ?? manifest.peerDependencies[name]}`;
}

/**
 * The peers to install with a package: the required ones of it and of its internal
 * dependencies, and its own optional ones (installed in a second round).
 * @param {any} manifest
 * @param {any[]} internalManifests
 * @param {Map<string, unknown>} workspace
 */
function peersOf(manifest, internalManifests, workspace) {
  /** @type {Set<string>} */
  const required = new Set();
  for (const current of [manifest, ...internalManifests]) {
    for (const peer of Object.keys(current.peerDependencies ?? {})) {
      if (current.peerDependenciesMeta?.[peer]?.optional || workspace.has(peer)) continue;
      required.add(peerSpec(current, peer));
    }
  }
  const optional = Object.keys(manifest.peerDependencies ?? {})
    .filter((peer) => manifest.peerDependenciesMeta?.[peer]?.optional)
    .map((peer) => peerSpec(manifest, peer));
  return { required: [...required], optional };
}

/**
 * Starts publint and arethetypeswrong on a tarball; they run while the install happens.
 * @param {string} tarball
 * @param {string} cwd
 * @param {CheckOptions} options
 */
function startLinters(tarball, cwd, options) {
  return {
    publint:
      options.publint === false
        ? undefined
        : run(LINTER_BIN.publint, ["run", tarball, "--strict"], { cwd }),
    attw:
      options.attw === false
        ? undefined
        : run(
            LINTER_BIN.attw,
            [tarball, "--profile", "esm-only", "--format", "ascii", "--no-color", "--no-emoji"],
            { cwd },
          ),
  };
}

/** @param {import("./process.mjs").RunResult} ran @param {RegExp} noise */
function linterProblems(ran, noise) {
  if (ran.code === 0) return [];
  const lines = ran.stdout.split("\n").filter((line) => line.trim() && !noise.test(line));
  return ran.stderr ? [...lines, lastLines(ran.stderr)] : lines;
}

/**
 * Checks one package (see the file comment for the steps).
 * @param {string} dir the package directory, already built
 * @param {CheckOptions} [options]
 * @returns {Promise<PackageResult>}
 */
export async function checkPackage(dir, options = {}) {
  const started = Date.now();
  const root = options.root ?? WORKSPACE_ROOT;
  const workDir =
    options.workDir ?? (await mkdtemp(path.join(os.tmpdir(), "llm-journey-release-")));
  const tarballDir = path.join(workDir, "tarballs");
  const tarballs = options.tarballs ?? new Map();
  const source = await readJson(path.join(dir, "package.json"));
  const workspace = await readWorkspacePackages(root);
  const scratch = path.join(workDir, safeName(source.name));
  const packageRoot = path.join(scratch, "tarball", "package");
  const consumerDir = path.join(scratch, "consumer");
  /** @param {string} text */
  const shown = (text) => text.split(consumerDir).join("<consumer>").split(workDir).join("<tmp>");

  /** @type {PackageResult} */
  const result = {
    name: source.name,
    version: source.version,
    dir,
    tarball: undefined,
    manifest: undefined,
    ok: false,
    steps: [],
    ms: 0,
  };

  /**
   * Runs one step. Its body returns the problems found (the step fails when there is one),
   * or those with notes and warnings, which never fail it.
   * @param {string} name
   * @param {() => Promise<string[] | StepOutcome>} body
   */
  const step = async (name, body) => {
    const stepStarted = Date.now();
    /** @type {StepResult} */
    const record = { name, status: "passed", messages: [], warnings: [], ms: 0 };
    try {
      const outcome = await body();
      const {
        problems = [],
        notes = [],
        warnings = [],
      } = Array.isArray(outcome) ? { problems: outcome } : outcome;
      record.messages = [...problems, ...notes].map(shown);
      record.warnings = warnings.map(shown);
      if (problems.length > 0) record.status = "failed";
    } catch (error) {
      record.status = "failed";
      record.messages.push(shown(error instanceof Error ? error.message : String(error)));
    }
    record.ms = Date.now() - stepStarted;
    result.steps.push(record);
    return record;
  };
  /** @param {string[]} names @param {string} reason */
  const skip = (names, reason) => {
    for (const name of names) {
      result.steps.push({ name, status: "skipped", messages: [reason], warnings: [], ms: 0 });
    }
  };
  /** @param {string} packageName @param {string} packageDir */
  const tarballOf = (packageName, packageDir) => {
    let pending = tarballs.get(packageName);
    if (!pending) {
      pending = packPackage(packageDir, tarballDir, root);
      tarballs.set(packageName, pending);
    }
    return pending;
  };

  try {
    await mkdir(tarballDir, { recursive: true });
    await mkdir(path.dirname(packageRoot), { recursive: true });
    await mkdir(consumerDir, { recursive: true });

    // 1. Pack it, and the workspace packages it depends on.
    const internal = internalDependencies(source, workspace);
    /** @type {string[]} */
    let internalTarballs = [];
    /** @type {string[]} */
    let files = [];
    const pack = await step("pack", async () => {
      const own = await tarballOf(source.name, dir);
      internalTarballs = await Promise.all(
        internal.map((name) => tarballOf(name, /** @type {any} */ (workspace.get(name)).dir)),
      );
      const untar = await run("tar", ["-xzf", own, "-C", path.dirname(packageRoot)]);
      if (untar.code !== 0) return [`could not unpack ${own}: ${untar.stderr}`];
      files = await listFiles(packageRoot);
      result.manifest = await readJson(path.join(packageRoot, "package.json"));
      result.tarball = own;
      return [];
    });
    if (pack.status !== "passed" || !result.tarball) {
      skip(
        [
          "manifest",
          "contents",
          "source maps",
          "imports",
          "install",
          "import",
          "require",
          "typecheck",
          "publint",
          "attw",
        ],
        "not packed",
      );
      return result;
    }
    const tarball = result.tarball;
    const manifest = result.manifest;
    const linters = startLinters(tarball, scratch, options);

    // 2. What the tarball says and holds.
    await step("manifest", async () => manifestProblems(manifest, workspace));
    await step("contents", async () => {
      const license = licenseFileOf(files);
      const problems = contentProblems(files, {
        ...(license ? { license: await readFile(path.join(packageRoot, license), "utf8") } : {}),
        ...(options.licenseText === undefined ? {} : { expectedLicense: options.licenseText }),
      });
      const readme = readmeFileOf(files);
      const warnings = readme
        ? brokenReadmeLinks(await readFile(path.join(packageRoot, readme), "utf8"), files).map(
            (href) => `README links to ${href}, which is not in the tarball: broken on npm`,
          )
        : [];
      return { problems, warnings };
    });
    /** @type {Map<string, string>} the packed JavaScript, declarations and source maps */
    const texts = new Map();
    for (const file of files.filter((name) => /\.[cm]?js$|\.d\.[cm]?ts$|\.map$/.test(name))) {
      texts.set(file, await readFile(path.join(packageRoot, file), "utf8"));
    }
    await step("source maps", async () => sourceMapProblems(files, texts));
    await step("imports", async () =>
      undeclaredImports(manifest, new Map([...texts].filter(([file]) => !file.endsWith(".map")))),
    );

    // 3. A fresh project outside the workspace that has only what the package declares.
    await writeFile(
      path.join(consumerDir, "package.json"),
      `${JSON.stringify({ name: "consumer", version: "0.0.0", private: true, type: "module" }, null, 2)}\n`,
    );
    await writeFile(path.join(consumerDir, "import-check.mjs"), IMPORT_CHECK_SCRIPT);
    await writeFile(path.join(consumerDir, "require-check.cjs"), REQUIRE_CHECK_SCRIPT);
    /** @param {string[]} specs */
    const npmInstall = async (specs) => {
      // --omit=optional: the packages need none, and node-llama-cpp's are its GPU and other
      // platforms' builds (650 MB); its Linux x64 CPU build is not needed to import it.
      const flags = [
        "--no-audit",
        "--no-fund",
        "--ignore-scripts",
        "--prefer-offline",
        "--omit=optional",
      ];
      const ran = await run("npm", ["install", ...flags, ...specs], { cwd: consumerDir });
      return ran.code === 0
        ? []
        : [`npm install ${specs.join(" ")} failed:`, lastLines(ran.stderr || ran.stdout)];
    };
    const internalManifests = internal.map((name) => workspace.get(name)?.manifest);
    const peers = peersOf(manifest, internalManifests, workspace);
    const subpaths = entrySubpaths(manifest);
    const specifiers = subpaths.map((subpath) => specifierOf(manifest.name, subpath));

    /**
     * Loads every entry point with `import` (or `require()`) in a fresh Node process.
     * @param {"import-check.mjs" | "require-check.cjs"} script
     * @returns {Promise<Record<string, ImportOutcome>>}
     */
    const loadAll = async (script = "import-check.mjs") => {
      const ran = await run(process.execPath, [script, ...specifiers], {
        cwd: consumerDir,
        timeoutMs: 60_000,
      });
      if (ran.code !== 0) throw new Error(`${script} crashed:\n${lastLines(ran.stderr)}`);
      return JSON.parse(ran.stdout);
    };
    /** @param {Record<string, ImportOutcome>} outcomes @param {string[]} required */
    const importProblems = (outcomes, required) => {
      const problems = [];
      for (const specifier of required) {
        const outcome = outcomes[specifier];
        if (!outcome?.ok) {
          problems.push(`import "${specifier}" failed: ${outcome?.code} ${outcome?.message}`);
          continue;
        }
        if (!outcome.names?.length) problems.push(`"${specifier}" exports nothing`);
        const subpath = subpaths[specifiers.indexOf(specifier)] ?? ".";
        for (const expected of options.expectedExports?.[manifest.name]?.[subpath] ?? []) {
          if (!outcome.names?.includes(expected)) {
            problems.push(`"${specifier}" does not export ${expected}`);
          }
        }
      }
      return problems;
    };
    /**
     * @param {string[]} entries
     * @param {Record<string, ImportOutcome>} outcomes
     * @param {string} name
     */
    const typecheck = async (entries, outcomes, name) => {
      const consumer = consumerSource(
        entries.map((specifier) => {
          const names = outcomes[specifier]?.names;
          return names ? { specifier, runtimeNames: names } : { specifier };
        }),
      );
      await writeFile(path.join(consumerDir, `${name}.ts`), consumer);
      await writeFile(
        path.join(consumerDir, `tsconfig.${name}.json`),
        consumerTsconfig(
          `${name}.ts`,
          options.consumerTypes ?? ["node"],
          path.join(root, "node_modules", "@types"),
        ),
      );
      const tsc = path.join(root, "node_modules", "typescript", "bin", "tsc");
      const ran = await run(
        process.execPath,
        [tsc, "-p", `tsconfig.${name}.json`, "--pretty", "false"],
        { cwd: consumerDir },
      );
      return ran.code === 0
        ? []
        : splitPeerDeclarationErrors(
            explainTscOutput(`${ran.stdout}\n${ran.stderr}`.trim(), consumer),
            Object.keys(manifest.peerDependencies ?? {}),
          );
    };

    const installed = await step("install", () =>
      npmInstall([tarball, ...internalTarballs, ...peers.required]),
    );
    const remaining = peers.optional.length
      ? [
          "import without optional peers",
          "typecheck without optional peers",
          "install optional peers",
          "import",
          "require",
          "typecheck",
        ]
      : ["import", "require", "typecheck"];
    if (installed.status !== "passed") skip(remaining, "not installed");
    else {
      let canGoOn = true;
      if (peers.optional.length) {
        /** @type {Record<string, ImportOutcome>} */
        let bare = {};
        await step("import without optional peers", async () => {
          bare = await loadAll();
          const problems = importProblems(bare, [manifest.name]);
          const notes = [];
          for (const [specifier, outcome] of Object.entries(bare)) {
            if (specifier === manifest.name || outcome.ok) continue;
            const peer = peers.optional.find((spec) =>
              outcome.message?.includes(`'${spec.slice(0, spec.lastIndexOf("@"))}'`),
            );
            if (peer) notes.push(`"${specifier}" needs the optional peer ${peer}, as declared`);
            else problems.push(`import "${specifier}" failed: ${outcome.code} ${outcome.message}`);
          }
          return { problems, notes };
        });
        await step("typecheck without optional peers", () =>
          typecheck([manifest.name], bare, "consumer-main"),
        );
        const withPeers = await step("install optional peers", () => npmInstall(peers.optional));
        canGoOn = withPeers.status === "passed";
        if (!canGoOn) skip(["import", "require", "typecheck"], "optional peers not installed");
      }
      if (canGoOn) {
        /** @type {Record<string, ImportOutcome>} */
        let outcomes = {};
        await step("import", async () => {
          outcomes = await loadAll();
          return importProblems(outcomes, specifiers);
        });
        // CommonJS users load the same modules through require(esm), on every Node that
        // engines.node admits: same entry points, same names.
        await step("require", async () => {
          const required = await loadAll("require-check.cjs");
          const problems = [];
          for (const specifier of specifiers) {
            const outcome = required[specifier];
            if (!outcome?.ok) {
              problems.push(
                `require("${specifier}") failed on Node ${process.versions.node}: ${outcome?.code} ${outcome?.message} (engines.node should be "${SUPPORTED_NODE}")`,
              );
            } else if (
              JSON.stringify([...(outcome.names ?? [])].sort()) !==
              JSON.stringify([...(outcomes[specifier]?.names ?? [])].sort())
            ) {
              problems.push(`require("${specifier}") exports other names than import does`);
            }
          }
          return problems;
        });
        await step("typecheck", () => typecheck(specifiers, outcomes, "consumer"));
      }
    }

    // 4. The linters, started after packing.
    for (const [name, pending, noise] of /** @type {const} */ ([
      ["publint", linters.publint, /^(Running publint|Unpacking|Linting)/],
      ["attw", linters.attw, /^[\s┌├└│─┬┼┴┐┤┘+|-]/],
    ])) {
      if (!pending) {
        skip([name], "left out");
        continue;
      }
      const ran = await pending;
      const record = await step(name, async () => linterProblems(ran, noise));
      // It ran alongside the install: its own duration, not the wait for it.
      record.ms = ran.ms;
    }
    return result;
  } finally {
    result.ok = result.steps.length > 0 && result.steps.every((s) => s.status === "passed");
    result.ms = Date.now() - started;
    if (options.workDir === undefined && !options.keep) {
      await rm(workDir, { recursive: true, force: true });
    }
  }
}

/**
 * Checks several packages with one temporary directory and one set of tarballs.
 * @param {string[]} dirs
 * @param {CheckOptions & { concurrency?: number }} [options]
 * @returns {Promise<PackageResult[]>}
 */
export async function checkPackages(dirs, options = {}) {
  const workDir =
    options.workDir ?? (await mkdtemp(path.join(os.tmpdir(), "llm-journey-release-")));
  const shared = { ...options, workDir, tarballs: options.tarballs ?? new Map() };
  /** @type {PackageResult[]} */
  const results = [];
  let next = 0;
  const worker = async () => {
    while (next < dirs.length) {
      const index = next++;
      results[index] = await checkPackage(String(dirs[index]), shared);
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.max(1, options.concurrency ?? 2) }, worker));
    return results;
  } finally {
    if (options.workDir === undefined && !options.keep) {
      await rm(workDir, { recursive: true, force: true });
    }
  }
}

/**
 * A human summary of one result.
 * @param {PackageResult} result
 */
export function formatResult(result) {
  /** @param {number} ms */
  const seconds = (ms) => `${(ms / 1000).toFixed(1)} s`;
  const lines = [
    `${result.ok ? "ok    " : "FAILED"} ${result.name}@${result.version} (${seconds(result.ms)})`,
  ];
  const marks = { passed: "✓", failed: "✗", skipped: "-" };
  for (const step of result.steps) {
    const time = step.status === "skipped" ? "" : seconds(step.ms);
    lines.push(`  ${marks[step.status]} ${step.name.padEnd(34)} ${time}`);
    for (const message of step.messages) lines.push(`      ${message}`);
    for (const warning of step.warnings) lines.push(`      warning: ${warning}`);
  }
  return lines.join("\n");
}

/**
 * The options the CLI and the release flow use for the workspace's own packages.
 * @param {string} [root]
 * @returns {Promise<CheckOptions>}
 */
export async function workspaceCheckOptions(root = WORKSPACE_ROOT) {
  const license = path.join(root, "LICENSE");
  return existsSync(license) ? { root, licenseText: await readFile(license, "utf8") } : { root };
}

async function main() {
  const args = process.argv.slice(2);
  if (args.includes("--help")) {
    console.log(
      "usage: node tooling/release/pack-and-install.mjs [--package NAME|DIR]... [--keep] [--no-publint] [--no-attw] [--json FILE]",
    );
    return;
  }
  const valuesOf = (/** @type {string} */ flag) =>
    args.flatMap((arg, index) =>
      arg === flag && args[index + 1] ? [String(args[index + 1])] : [],
    );
  const wanted = valuesOf("--package");
  let dirs = await listPublishablePackages(WORKSPACE_ROOT);
  if (wanted.length) {
    const workspace = await readWorkspacePackages(WORKSPACE_ROOT);
    dirs = wanted.map((want) => workspace.get(want)?.dir ?? path.resolve(want));
  }
  const started = Date.now();
  const workDir = await mkdtemp(path.join(os.tmpdir(), "llm-journey-release-"));
  const keep = args.includes("--keep");
  const results = await checkPackages(dirs, {
    ...(await workspaceCheckOptions()),
    workDir,
    keep,
    publint: !args.includes("--no-publint"),
    attw: !args.includes("--no-attw"),
  });
  for (const result of results) console.log(formatResult(result));
  const failed = results.filter((result) => !result.ok);
  const total = ((Date.now() - started) / 1000).toFixed(1);
  console.log(
    `\n${results.length - failed.length} of ${results.length} packages install and work on their own (${total} s)`,
  );
  const [jsonFile] = valuesOf("--json");
  if (jsonFile) await writeFile(jsonFile, `${JSON.stringify(results, null, 2)}\n`);
  if (keep) console.log(`temporary files kept in ${workDir}`);
  else await rm(workDir, { recursive: true, force: true });
  process.exitCode = failed.length ? 1 : 0;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await main();
}
