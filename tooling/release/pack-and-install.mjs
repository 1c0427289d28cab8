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
// Library: `checkPackages(dirs, options)` returns a result per package, step by step.
// CLI: `node tooling/release/pack-and-install.mjs [--package NAME]... [--keep]` prints a
// summary and exits 1 when a step fails. Build the packages first.

import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
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

// Both linters are pinned devDependencies of the workspace root, so the check never
// changes under us and downloads nothing of its own.
const ROOT_BIN = path.join(WORKSPACE_ROOT, "node_modules", ".bin");
const LINTERS = [
  {
    name: /** @type {const} */ ("publint"),
    args: (/** @type {string} */ tarball) => ["run", tarball, "--strict"],
    noise: /^(Running publint|Packing|Unpacking|Linting)/,
  },
  {
    name: /** @type {const} */ ("attw"),
    args: (/** @type {string} */ tarball) => [
      tarball,
      "--profile",
      "esm-only",
      "--format",
      "ascii",
      "--no-color",
      "--no-emoji",
    ],
    noise: /^[\s┌├└│─┬┼┴┐┤┘+|-]/,
  },
];

/**
 * @typedef {"passed" | "failed" | "skipped"} StepStatus
 * @typedef {{ name: string, status: StepStatus, messages: string[], warnings: string[], ms: number }} StepResult
 * @typedef {{ name: string, version: string, dir: string, manifest: any, ok: boolean, steps: StepResult[], ms: number }} PackageResult
 * @typedef {import("./consumer.mjs").ImportOutcome} ImportOutcome
 * @typedef {{
 *   root?: string, workDir?: string, tarballs?: Map<string, Promise<string>>, keep?: boolean,
 *   expectedExports?: Record<string, Record<string, string[]>>, licenseText?: string,
 *   publint?: boolean, attw?: boolean, consumerTypes?: string[],
 * }} CheckOptions
 * `root`: the workspace (its typescript, @types and packages). `workDir`: where temporary
 * files go (removed unless `keep`). `tarballs`: packed tarballs by package name, shared
 * between packages. `expectedExports`: by package name and subpath, names that must be
 * exported. `licenseText`: what the packed LICENSE must say. `publint`, `attw`: false to
 * leave a linter out. `consumerTypes`: the TypeScript consumer's global types (Node's).
 * @typedef {string[] | { problems?: string[], notes?: string[], warnings?: string[] }} StepOutcome
 */

/**
 * The version of a peer to install: the one the package is developed against (its
 * devDependencies), else the peer range itself.
 * @param {any} manifest @param {string} name
 */
const peerSpec = (manifest, name) =>
  `${name}@${manifest.devDependencies?.[name] ?? manifest.peerDependencies[name]}`;

/**
 * The peers to install: the required ones of the package and of its internal dependencies,
 * and its own optional ones (installed in a second round).
 * @param {any} manifest @param {any[]} internalManifests @param {Map<string, unknown>} workspace
 */
function peersOf(manifest, internalManifests, workspace) {
  const required = new Set();
  for (const current of [manifest, ...internalManifests]) {
    for (const peer of Object.keys(current.peerDependencies ?? {})) {
      if (!current.peerDependenciesMeta?.[peer]?.optional && !workspace.has(peer)) {
        required.add(peerSpec(current, peer));
      }
    }
  }
  const optional = Object.keys(manifest.peerDependencies ?? {})
    .filter((peer) => manifest.peerDependenciesMeta?.[peer]?.optional)
    .map((peer) => peerSpec(manifest, peer));
  return { required: [...required], optional };
}

/**
 * A fresh project outside the workspace in which a package is installed and used.
 * @param {string} dir @param {string} root @param {string[]} types
 * @param {string[]} peers the package's peers: errors in their own declarations are warnings
 */
async function createConsumer(dir, root, types, peers) {
  await mkdir(dir, { recursive: true });
  const manifest = { name: "consumer", version: "0.0.0", private: true, type: "module" };
  await writeFile(path.join(dir, "package.json"), `${JSON.stringify(manifest, null, 2)}\n`);
  await writeFile(path.join(dir, "import-check.mjs"), IMPORT_CHECK_SCRIPT);
  await writeFile(path.join(dir, "require-check.cjs"), REQUIRE_CHECK_SCRIPT);
  return {
    /** @param {string[]} specs */
    async install(specs) {
      // --omit=optional: the packages need none, and node-llama-cpp's are its GPU and other
      // platforms' builds (650 MB); its Linux x64 CPU build is not needed to import it.
      const flags = [
        "--no-audit",
        "--no-fund",
        "--ignore-scripts",
        "--prefer-offline",
        "--omit=optional",
      ];
      const ran = await run("npm", ["install", ...flags, ...specs], { cwd: dir });
      if (ran.code === 0) return [];
      return [`npm install ${specs.join(" ")} failed:`, lastLines(ran.stderr || ran.stdout)];
    },
    /**
     * Loads each specifier with `import` (or `require()`) in a fresh Node process.
     * @param {string[]} specifiers @param {"import-check.mjs" | "require-check.cjs"} script
     * @returns {Promise<Record<string, ImportOutcome>>}
     */
    async load(specifiers, script) {
      const ran = await run(process.execPath, [script, ...specifiers], {
        cwd: dir,
        timeoutMs: 60_000,
      });
      if (ran.code !== 0) throw new Error(`${script} crashed:\n${lastLines(ran.stderr)}`);
      return JSON.parse(ran.stdout);
    },
    /**
     * Type-checks a consumer of `specifiers` whose exported names must match `outcomes`'.
     * @param {string} name @param {string[]} specifiers @param {Record<string, ImportOutcome>} outcomes
     */
    async typecheck(name, specifiers, outcomes) {
      const source = consumerSource(
        specifiers.map((specifier) => ({ specifier, runtimeNames: outcomes[specifier]?.names })),
      );
      await writeFile(path.join(dir, `${name}.ts`), source);
      const tsconfig = consumerTsconfig(
        `${name}.ts`,
        types,
        path.join(root, "node_modules", "@types"),
      );
      await writeFile(path.join(dir, `tsconfig.${name}.json`), tsconfig);
      const tsc = path.join(root, "node_modules", "typescript", "bin", "tsc");
      const ran = await run(
        process.execPath,
        [tsc, "-p", `tsconfig.${name}.json`, "--pretty", "false"],
        {
          cwd: dir,
        },
      );
      if (ran.code === 0) return [];
      const messages = explainTscOutput(`${ran.stdout}\n${ran.stderr}`.trim(), source);
      return splitPeerDeclarationErrors(messages, peers);
    },
  };
}

/**
 * Checks one package (see the file comment for the steps). Once a step that later ones
 * need fails, those are recorded as skipped.
 * @param {string} dir the package directory, already built
 * @param {CheckOptions & { workDir: string, tarballs: Map<string, Promise<string>> }} options
 * @returns {Promise<PackageResult>}
 */
async function checkPackage(dir, options) {
  const started = Date.now();
  const root = options.root ?? WORKSPACE_ROOT;
  const { workDir, tarballs } = options;
  const source = await readJson(path.join(dir, "package.json"));
  const workspace = await readWorkspacePackages(root);
  const scratch = path.join(workDir, source.name.replace(/^@/, "").replace(/[^a-z0-9.-]+/gi, "-"));
  const packageRoot = path.join(scratch, "package");
  const consumerDir = path.join(scratch, "consumer");
  /** @param {string} text */
  const shown = (text) => text.split(consumerDir).join("<consumer>").split(workDir).join("<tmp>");
  /** @type {PackageResult} */
  const result = {
    name: source.name,
    version: source.version,
    dir,
    manifest: undefined,
    ok: false,
    steps: [],
    ms: 0,
  };
  /** @type {string | undefined} why the steps from now on cannot run */
  let blocked;

  /**
   * Runs one step: its body returns the problems found (the step fails on any), or those
   * with notes and warnings, which never fail it.
   * @param {string} name @param {() => Promise<StepOutcome>} body @param {string} [blocks]
   *   what later steps miss when this one fails
   */
  const step = async (name, body, blocks) => {
    /** @type {StepResult} */
    const record = {
      name,
      status: "skipped",
      messages: blocked ? [blocked] : [],
      warnings: [],
      ms: 0,
    };
    result.steps.push(record);
    if (blocked) return record;
    const stepStarted = Date.now();
    try {
      const outcome = await body();
      const {
        problems = [],
        notes = [],
        warnings = [],
      } = Array.isArray(outcome) ? { problems: outcome } : outcome;
      record.status = problems.length ? "failed" : "passed";
      record.messages = [...problems, ...notes].map(shown);
      record.warnings = warnings.map(shown);
    } catch (error) {
      record.status = "failed";
      record.messages = [shown(error instanceof Error ? error.message : String(error))];
    }
    record.ms = Date.now() - stepStarted;
    if (record.status === "failed" && blocks) blocked = blocks;
    return record;
  };
  /** @param {string} name @param {string} packageDir */
  const tarballOf = (name, packageDir) => {
    if (!tarballs.has(name))
      tarballs.set(name, packPackage(packageDir, path.join(workDir, "tarballs"), root));
    return /** @type {Promise<string>} */ (tarballs.get(name));
  };

  const internal = internalDependencies(source, workspace);
  /** @type {string[]} */
  let internalTarballs = [];
  /** @type {string[]} */
  let files = [];
  let tarball = "";
  await mkdir(path.join(workDir, "tarballs"), { recursive: true });
  await step(
    "pack",
    async () => {
      tarball = await tarballOf(source.name, dir);
      internalTarballs = await Promise.all(
        internal.map((name) => tarballOf(name, /** @type {any} */ (workspace.get(name)).dir)),
      );
      await mkdir(scratch, { recursive: true });
      const untar = await run("tar", ["-xzf", tarball, "-C", scratch]);
      if (untar.code !== 0) return [`could not unpack ${tarball}: ${untar.stderr}`];
      const listed = await run("tar", ["-tzf", tarball]);
      files = listed.stdout
        .split("\n")
        .filter(Boolean)
        .map((file) => file.replace(/^package\//, ""))
        .sort();
      result.manifest = await readJson(path.join(packageRoot, "package.json"));
      return [];
    },
    "not packed",
  );
  const manifest = result.manifest;
  // The linters read the tarball: they run while the rest is checked.
  const linters = LINTERS.map(({ name, args, noise }) => ({
    name,
    noise,
    ran:
      blocked || options[name] === false
        ? undefined
        : run(path.join(ROOT_BIN, name), args(tarball), { cwd: scratch }),
  }));

  await step("manifest", async () => manifestProblems(manifest, workspace));
  await step("contents", async () => {
    const license = licenseFileOf(files);
    const readme = readmeFileOf(files);
    const problems = contentProblems(files, {
      ...(license ? { license: await readFile(path.join(packageRoot, license), "utf8") } : {}),
      ...(options.licenseText === undefined ? {} : { expectedLicense: options.licenseText }),
    });
    const links = readme
      ? brokenReadmeLinks(await readFile(path.join(packageRoot, readme), "utf8"), files)
      : [];
    const warnings = links.map(
      (href) => `README links to ${href}, which is not in the tarball: broken on npm`,
    );
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

  // A fresh project outside the workspace that has only what the package declares.
  const consumer = await createConsumer(
    consumerDir,
    root,
    options.consumerTypes ?? ["node"],
    Object.keys(manifest?.peerDependencies ?? {}),
  );
  const peers = manifest
    ? peersOf(
        manifest,
        internal.map((name) => workspace.get(name)?.manifest),
        workspace,
      )
    : { required: [], optional: [] };
  const subpaths = manifest ? entrySubpaths(manifest) : [];
  const specifiers = subpaths.map((subpath) => specifierOf(source.name, subpath));
  /** @param {Record<string, ImportOutcome>} outcomes @param {string[]} required */
  const importProblems = (outcomes, required) =>
    required.flatMap((specifier) => {
      const outcome = outcomes[specifier];
      if (!outcome?.ok)
        return [`import "${specifier}" failed: ${outcome?.code} ${outcome?.message}`];
      const subpath = subpaths[specifiers.indexOf(specifier)] ?? ".";
      const expected = options.expectedExports?.[source.name]?.[subpath] ?? [];
      return [
        ...(outcome.names?.length ? [] : [`"${specifier}" exports nothing`]),
        ...expected
          .filter((name) => !outcome.names?.includes(name))
          .map((name) => `"${specifier}" does not export ${name}`),
      ];
    });

  await step(
    "install",
    () => consumer.install([tarball, ...internalTarballs, ...peers.required]),
    "not installed",
  );
  if (peers.optional.length) {
    /** @type {Record<string, ImportOutcome>} */
    let bare = {};
    await step("import without optional peers", async () => {
      bare = await consumer.load(specifiers, "import-check.mjs");
      const problems = importProblems(bare, [source.name]);
      const notes = [];
      for (const [specifier, outcome] of Object.entries(bare)) {
        if (specifier === source.name || outcome.ok) continue;
        const peer = peers.optional.find((spec) =>
          outcome.message?.includes(`'${spec.slice(0, spec.lastIndexOf("@"))}'`),
        );
        if (peer) notes.push(`"${specifier}" needs the optional peer ${peer}, as declared`);
        else problems.push(`import "${specifier}" failed: ${outcome.code} ${outcome.message}`);
      }
      return { problems, notes };
    });
    await step("typecheck without optional peers", () =>
      consumer.typecheck("consumer-main", [source.name], bare),
    );
    await step(
      "install optional peers",
      () => consumer.install(peers.optional),
      "optional peers not installed",
    );
  }
  /** @type {Record<string, ImportOutcome>} */
  let outcomes = {};
  await step("import", async () => {
    outcomes = await consumer.load(specifiers, "import-check.mjs");
    return importProblems(outcomes, specifiers);
  });
  // CommonJS users load the same modules through require(esm), on every Node that
  // engines.node admits: same entry points, same names.
  await step("require", async () => {
    const required = await consumer.load(specifiers, "require-check.cjs");
    return specifiers.flatMap((specifier) => {
      const outcome = required[specifier];
      if (!outcome?.ok) {
        return [
          `require("${specifier}") failed on Node ${process.versions.node}: ${outcome?.code} ${outcome?.message} (engines.node should be "${SUPPORTED_NODE}")`,
        ];
      }
      const same =
        [...(outcome.names ?? [])].sort().join() ===
        [...(outcomes[specifier]?.names ?? [])].sort().join();
      return same ? [] : [`require("${specifier}") exports other names than import does`];
    });
  });
  await step("typecheck", () => consumer.typecheck("consumer", specifiers, outcomes));

  blocked = undefined;
  for (const { name, noise, ran } of linters) {
    if (!ran) {
      result.steps.push({
        name,
        status: "skipped",
        messages: [manifest ? "left out" : "not packed"],
        warnings: [],
        ms: 0,
      });
      continue;
    }
    const done = await ran;
    const record = await step(name, async () => {
      if (done.code === 0) return [];
      const lines = done.stdout.split("\n").filter((line) => line.trim() && !noise.test(line));
      return done.stderr ? [...lines, lastLines(done.stderr)] : lines;
    });
    record.ms = done.ms; // it ran alongside the others: its own duration, not the wait
  }
  result.ok = result.steps.every((s) => s.status === "passed");
  result.ms = Date.now() - started;
  return result;
}

/**
 * Checks packages two at a time, with one temporary directory and one set of tarballs.
 * @param {string[]} dirs
 * @param {CheckOptions} [options]
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
    for (let index = next++; index < dirs.length; index = next++) {
      results[index] = await checkPackage(String(dirs[index]), shared);
    }
  };
  try {
    await Promise.all([worker(), worker()]);
    return results;
  } finally {
    if (options.workDir === undefined && !options.keep)
      await rm(workDir, { recursive: true, force: true });
  }
}

/**
 * The options for the workspace's own packages: its LICENSE is what each tarball's must say.
 * @param {string} [root]
 * @returns {Promise<CheckOptions>}
 */
export async function workspaceCheckOptions(root = WORKSPACE_ROOT) {
  const license = path.join(root, "LICENSE");
  return existsSync(license) ? { root, licenseText: await readFile(license, "utf8") } : { root };
}

async function main() {
  const args = process.argv.slice(2);
  const wanted = args.flatMap((arg, index) =>
    arg === "--package" && args[index + 1] ? [String(args[index + 1])] : [],
  );
  const workspace = await readWorkspacePackages(WORKSPACE_ROOT);
  const dirs = wanted.length
    ? wanted.map((want) => workspace.get(want)?.dir ?? path.resolve(want))
    : await listPublishablePackages(WORKSPACE_ROOT);
  const workDir = await mkdtemp(path.join(os.tmpdir(), "llm-journey-release-"));
  const results = await checkPackages(dirs, {
    ...(await workspaceCheckOptions()),
    workDir,
    keep: true,
  });
  const marks = { passed: "✓", failed: "✗", skipped: "-" };
  for (const result of results) {
    console.log(
      `${result.ok ? "ok    " : "FAILED"} ${result.name}@${result.version} (${result.ms} ms)`,
    );
    for (const step of result.steps) {
      console.log(`  ${marks[step.status]} ${step.name}`);
      for (const message of step.messages) console.log(`      ${message}`);
      for (const warning of step.warnings) console.log(`      warning: ${warning}`);
    }
  }
  if (args.includes("--keep")) console.log(`temporary files kept in ${workDir}`);
  else await rm(workDir, { recursive: true, force: true });
  process.exitCode = results.every((result) => result.ok) ? 0 : 1;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await main();
}
