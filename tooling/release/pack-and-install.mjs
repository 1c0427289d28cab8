#!/usr/bin/env node
// Proves that every publishable package works when a user installs it alone from npm.
//
// For each package: pack it with pnpm (which turns `workspace:^` into real ranges); check
// the packed package.json and files; install the tarball into a fresh project outside the
// workspace with nothing but its declared dependencies (the internal ones from their own
// tarballs, as they are not published yet) and its peers; import every entry point from
// plain ESM JavaScript and require() it from CommonJS; type-check a strict TypeScript
// consumer against it, whose declared exports must be the ones the JavaScript has; run
// publint and arethetypeswrong on the tarball. Source maps must lead to files in the
// tarball. A package with optional peers must load and type-check its main entry without
// them first: an application that brings its own SDK needs none.
//
// Library: `checkPackages(dirs, options)` returns a result per package, step by step; a
// step that later ones need ends the package's check when it fails.
// CLI: `node tooling/release/pack-and-install.mjs [--package NAME]... [--keep]` prints a
// summary and exits 1 when a step fails. Build the packages first.

import { existsSync } from "node:fs";
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import * as os from "node:os";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { compile, describeError } from "./compile.mjs";
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
import { run } from "./process.mjs";
import { scratchProject } from "./scratch-project.mjs";
import {
  DEPENDENCY_FIELDS,
  listPublishablePackages,
  pack,
  readJson,
  readWorkspacePackages,
  WORKSPACE_ROOT,
} from "./workspace.mjs";

export { listPublishablePackages, readWorkspacePackages, WORKSPACE_ROOT };

// Both linters are pinned devDependencies of the workspace root, so the check never
// changes under us and downloads nothing of its own.
const ROOT_BIN = path.join(WORKSPACE_ROOT, "node_modules", ".bin");
const LINTERS = {
  publint: {
    args: (/** @type {string} */ tarball) => ["run", tarball, "--strict"],
    noise: /^(Running publint|Packing|Unpacking|Linting)/,
  },
  attw: {
    args: (/** @type {string} */ tarball) => [
      ...[tarball, "--profile", "esm-only", "--format", "ascii"],
      ...["--no-color", "--no-emoji"],
    ],
    noise: /^[\s┌├└│─┬┼┴┐┤┘+|-]/,
  },
};
const LOAD_ENTRIES = fileURLToPath(new URL("load-entries.cjs", import.meta.url));

/**
 * @typedef {{ name: string, status: "passed" | "failed", messages: string[], warnings: string[] }} StepResult
 * @typedef {{ name: string, version: string, dir: string, manifest: any, ok: boolean, steps: StepResult[] }} PackageResult
 * @typedef {{ ok: boolean, code?: string, message?: string, names?: string[] }} LoadOutcome
 * @typedef {{
 *   root?: string, workDir?: string, keep?: boolean, licenseText?: string,
 *   expectedExports?: Record<string, Record<string, string[]>>,
 *   publint?: boolean, attw?: boolean, consumerTypes?: string[],
 * }} CheckOptions
 * `root`: the workspace (its packages). `workDir`: where temporary files go (removed unless
 * `keep`). `expectedExports`: by package name and subpath, names that must be exported.
 * `licenseText`: what the packed LICENSE must say. `publint`, `attw`: false to leave a
 * linter out. `consumerTypes`: the TypeScript consumer's global types (Node's).
 * @typedef {string[] | { problems?: string[], notes?: string[], warnings?: string[] }} StepOutcome
 */

/**
 * The workspace packages that one needs at run time, transitively: their tarballs are
 * installed with it, since they are not on the registry yet.
 * @param {any} manifest @param {Map<string, { manifest: any }>} workspace
 * @returns {string[]}
 */
function internalDependencies(manifest, workspace, seen = new Set([manifest.name])) {
  for (const field of DEPENDENCY_FIELDS) {
    for (const name of Object.keys(manifest[field] ?? {})) {
      const internal = workspace.get(name);
      if (internal && !seen.has(name)) {
        seen.add(name);
        internalDependencies(internal.manifest, workspace, seen);
      }
    }
  }
  return [...seen].slice(1);
}

/**
 * The peers to install, as `name@version` (the version the package is developed against,
 * else the peer range): the required ones of the package and of its internal
 * dependencies, and its own optional ones (installed in a second round).
 * @param {any[]} manifests the package's first @param {Map<string, unknown>} workspace
 */
function peersOf(manifests, workspace) {
  /** @param {any} manifest @param {boolean} optional */
  const peers = (manifest, optional) =>
    Object.keys(manifest.peerDependencies ?? {})
      .filter((peer) => !workspace.has(peer))
      .filter((peer) => Boolean(manifest.peerDependenciesMeta?.[peer]?.optional) === optional)
      .map(
        (peer) => `${peer}@${manifest.devDependencies?.[peer] ?? manifest.peerDependencies[peer]}`,
      );
  return {
    required: [...new Set(manifests.flatMap((manifest) => peers(manifest, false)))],
    optional: peers(manifests[0], true),
  };
}

/**
 * Type-checks a consumer that imports each of `specifiers`, and compares each entry's
 * declared values with the names its JavaScript exports (`loaded`). Errors in a peer's own
 * declarations are warnings: the package cannot fix them, and a strict user of the peer
 * sees them without it (node-llama-cpp 3.21's need skipLibCheck).
 * @param {string} dir @param {string[]} specifiers @param {Record<string, LoadOutcome>} loaded
 * @param {string[]} types @param {string[]} peers
 */
async function typecheckConsumer(dir, specifiers, loaded, types, peers) {
  const lines = specifiers.map((specifier, i) => `export * as entry${i} from "${specifier}";`);
  await writeFile(path.join(dir, "consumer.ts"), `${lines.join("\n")}\n`);
  const { program, errors } = compile(dir, ["consumer.ts"], {
    module: "NodeNext",
    noEmit: true,
    skipLibCheck: false,
    types,
  });
  const inPeer = (/** @type {string} */ file) =>
    peers.some((peer) => file.startsWith(`node_modules/${peer}/`));
  const problems = errors.filter(({ file }) => !inPeer(file)).map(describeError);
  const checker = program.getTypeChecker();
  const consumer = /** @type {ts.SourceFile} */ (
    program.getSourceFile(path.join(dir, "consumer.ts"))
  );
  for (const statement of consumer.statements) {
    if (!ts.isExportDeclaration(statement) || !statement.moduleSpecifier) continue;
    // An entry without declarations has no names to compare: its error says so.
    if (!checker.getSymbolAtLocation(statement.moduleSpecifier)) continue;
    const specifier = /** @type {ts.StringLiteral} */ (statement.moduleSpecifier).text;
    const namespace = /** @type {ts.NamespaceExport} */ (statement.exportClause);
    const declared = checker
      .getTypeAtLocation(namespace.name)
      .getProperties()
      .map((p) => p.name);
    const runtime = loaded[specifier]?.names ?? declared;
    for (const name of declared.filter((name) => !runtime.includes(name))) {
      problems.push(
        `"${specifier}": the types declare "${name}", but the JavaScript does not export it`,
      );
    }
    for (const name of runtime.filter((name) => !declared.includes(name))) {
      problems.push(
        `"${specifier}": the JavaScript exports "${name}", but the types do not declare it`,
      );
    }
  }
  return { problems, warnings: errors.filter(({ file }) => inPeer(file)).map(describeError) };
}

/**
 * Checks one package (see the file comment for the steps).
 * @param {string} dir the package directory, already built
 * @param {CheckOptions & { workDir: string, packOnce: (dir: string) => Promise<import("./workspace.mjs").PackReport> }} options
 * @returns {Promise<PackageResult>}
 */
async function checkPackage(dir, options) {
  const { workDir, packOnce, root = WORKSPACE_ROOT } = options;
  const source = await readJson(path.join(dir, "package.json"));
  const workspace = await readWorkspacePackages(root);
  const scratch = path.join(workDir, source.name.replace(/^@/, "").replace(/[^a-z0-9.-]+/gi, "-"));
  const packageRoot = path.join(scratch, "package");
  /** @type {StepResult[]} */
  const steps = [];
  /** @type {PackageResult} */
  const result = {
    name: source.name,
    version: source.version,
    dir,
    manifest: undefined,
    ok: false,
    steps,
  };
  /** @type {Promise<void>[]} the linters, which read the tarball while the rest is checked */
  const linting = [];
  const finish = async () => {
    await Promise.all(linting);
    result.ok = steps.every((step) => step.status === "passed");
    return result;
  };

  /**
   * Runs one step: its body returns the problems found (the step fails on any), or those
   * with notes and warnings, which never fail it. Resolves to whether it passed.
   * @param {string} name @param {() => StepOutcome | Promise<StepOutcome>} body
   */
  const step = async (name, body) => {
    /** @type {StepResult} */
    const record = { name, status: "failed", messages: [], warnings: [] };
    try {
      const outcome = await body();
      const {
        problems = [],
        notes = [],
        warnings = [],
      } = Array.isArray(outcome) ? { problems: outcome } : outcome;
      Object.assign(record, { messages: [...problems, ...notes], warnings });
      if (problems.length === 0) record.status = "passed";
    } catch (error) {
      record.messages = [error instanceof Error ? error.message : String(error)];
    }
    steps.push(record);
    return record.status === "passed";
  };

  const internal = internalDependencies(source, workspace);
  let tarball = "";
  /** @type {string[]} */
  let internalTarballs = [];
  /** @type {string[]} */
  let files = [];
  const packed = await step("pack", async () => {
    const report = await packOnce(dir);
    tarball = report.filename;
    files = report.files.map((file) => file.path).sort();
    internalTarballs = await Promise.all(
      internal.map(async (name) => (await packOnce(String(workspace.get(name)?.dir))).filename),
    );
    await mkdir(scratch, { recursive: true });
    const untar = await run("tar", ["-xzf", tarball, "-C", scratch]);
    if (untar.code !== 0) return [`could not unpack ${tarball}: ${untar.stderr}`];
    result.manifest = await readJson(path.join(packageRoot, "package.json"));
    return [];
  });
  if (!packed) return finish();
  const manifest = result.manifest;
  for (const [name, { args, noise }] of Object.entries(LINTERS)) {
    if (options[/** @type {"publint" | "attw"} */ (name)] === false) continue;
    const ran = run(path.join(ROOT_BIN, name), args(tarball), { cwd: scratch });
    linting.push(
      ran.then(async (done) => {
        await step(name, () => {
          const lines = done.stdout.split("\n").filter((line) => line.trim() && !noise.test(line));
          return done.code === 0 ? [] : [...lines, ...(done.stderr ? [done.stderr] : [])];
        });
      }),
    );
  }

  await step("manifest", () => manifestProblems(manifest, workspace));
  /** @param {string | undefined} file */
  const packedText = (file) => (file ? readFile(path.join(packageRoot, file), "utf8") : undefined);
  await step("contents", async () => {
    const license = await packedText(licenseFileOf(files));
    const readme = await packedText(readmeFileOf(files));
    const problems = contentProblems(files, {
      ...(license === undefined ? {} : { license }),
      ...(options.licenseText === undefined ? {} : { expectedLicense: options.licenseText }),
    });
    const warnings = (readme === undefined ? [] : brokenReadmeLinks(readme, files)).map(
      (href) => `README links to ${href}, which is not in the tarball: broken on npm`,
    );
    return { problems, warnings };
  });
  /** @type {Map<string, string>} the packed JavaScript, declarations and source maps */
  const texts = new Map();
  for (const file of files.filter((name) => /\.[cm]?js$|\.d\.[cm]?ts$|\.map$/.test(name))) {
    texts.set(file, String(await packedText(file)));
  }
  await step("source maps", () => sourceMapProblems(files, texts));
  const code = new Map([...texts].filter(([file]) => !file.endsWith(".map")));
  await step("imports", () => undeclaredImports(manifest, code));

  // A fresh project outside the workspace that has only what the package declares.
  const consumer = await scratchProject(path.join(scratch, "consumer"));
  await copyFile(LOAD_ENTRIES, path.join(consumer.dir, "load-entries.cjs"));
  const internalManifests = internal.map((name) => workspace.get(name)?.manifest);
  const peers = peersOf([manifest, ...internalManifests], workspace);
  const subpaths = entrySubpaths(manifest);
  const specifiers = subpaths.map((subpath) => specifierOf(source.name, subpath));
  // --omit=optional: the packages need none, and node-llama-cpp's are its GPU and other
  // platforms' builds (650 MB); its Linux x64 CPU build is not needed to import it.
  /** @param {string[]} specs */
  const install = async (specs) => {
    await consumer.install(["--ignore-scripts", "--omit=optional", ...specs]);
    return [];
  };
  /** @param {"import" | "require"} how @param {string[]} entries @returns {Promise<Record<string, LoadOutcome>>} */
  const load = (how, entries) => consumer.node(["load-entries.cjs", how, ...entries], 60_000);
  /** @param {string[]} entries @param {Record<string, LoadOutcome>} loaded */
  const typecheck = (entries, loaded) =>
    typecheckConsumer(
      consumer.dir,
      entries,
      loaded,
      options.consumerTypes ?? ["node"],
      Object.keys(manifest.peerDependencies ?? {}),
    );
  /** @param {Record<string, LoadOutcome>} outcomes @param {string[]} required */
  const importProblems = (outcomes, required) =>
    required.flatMap((specifier) => {
      const { ok, code, message, names = [] } = outcomes[specifier] ?? { ok: false };
      if (!ok) return [`import "${specifier}" failed: ${code} ${message}`];
      const subpath = subpaths[specifiers.indexOf(specifier)] ?? ".";
      const expected = options.expectedExports?.[source.name]?.[subpath] ?? [];
      return [
        ...(names.length ? [] : [`"${specifier}" exports nothing`]),
        ...expected
          .filter((name) => !names.includes(name))
          .map((name) => `"${specifier}" does not export ${name}`),
      ];
    });

  if (!(await step("install", () => install([tarball, ...internalTarballs, ...peers.required])))) {
    return finish();
  }
  if (peers.optional.length) {
    /** @type {Record<string, LoadOutcome>} */
    let bare = {};
    await step("import without optional peers", async () => {
      bare = await load("import", specifiers);
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
    await step("typecheck without optional peers", () => typecheck([source.name], bare));
    if (!(await step("install optional peers", () => install(peers.optional)))) return finish();
  }
  /** @type {Record<string, LoadOutcome>} */
  let imported = {};
  await step("import", async () => {
    imported = await load("import", specifiers);
    return importProblems(imported, specifiers);
  });
  // CommonJS users load the same modules through require(esm), on every Node that
  // engines.node admits: same entry points, same names.
  await step("require", async () => {
    const required = await load("require", specifiers);
    return specifiers.flatMap((specifier) => {
      const { ok, code, message, names = [] } = required[specifier] ?? { ok: false };
      if (!ok) {
        return [
          `require("${specifier}") failed on Node ${process.versions.node}: ${code} ${message} (engines.node should be "${SUPPORTED_NODE}")`,
        ];
      }
      const same =
        [...names].sort().join() === [...(imported[specifier]?.names ?? [])].sort().join();
      return same ? [] : [`require("${specifier}") exports other names than import does`];
    });
  });
  await step("typecheck", () => typecheck(specifiers, imported));
  return finish();
}

/**
 * Checks packages two at a time, with one temporary directory and one tarball per package.
 * @param {string[]} dirs
 * @param {CheckOptions} [options]
 * @returns {Promise<PackageResult[]>}
 */
export async function checkPackages(dirs, options = {}) {
  const workDir =
    options.workDir ?? (await mkdtemp(path.join(os.tmpdir(), "llm-journey-release-")));
  const tarballs = path.join(workDir, "tarballs");
  await mkdir(tarballs, { recursive: true });
  /** @type {Map<string, Promise<import("./workspace.mjs").PackReport>>} */
  const packs = new Map();
  /** @param {string} dir */
  const packOnce = (dir) => {
    if (!packs.has(dir)) {
      packs.set(
        dir,
        pack(dir, tarballs, { root: options.root }).then(([report]) => /** @type {any} */ (report)),
      );
    }
    return /** @type {Promise<any>} */ (packs.get(dir));
  };
  /** @type {PackageResult[]} */
  const results = [];
  const queue = [...dirs.entries()];
  const worker = async () => {
    for (let next = queue.shift(); next; next = queue.shift()) {
      results[next[0]] = await checkPackage(next[1], { ...options, workDir, packOnce });
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
  const wanted = args.flatMap((arg, i) =>
    arg === "--package" && args[i + 1] ? [String(args[i + 1])] : [],
  );
  const workspace = await readWorkspacePackages(WORKSPACE_ROOT);
  const dirs = wanted.length
    ? wanted.map((want) => workspace.get(want)?.dir ?? path.resolve(want))
    : await listPublishablePackages(WORKSPACE_ROOT);
  const workDir = await mkdtemp(path.join(os.tmpdir(), "llm-journey-release-"));
  const results = await checkPackages(dirs, { ...(await workspaceCheckOptions()), workDir });
  for (const result of results) {
    console.log(`${result.ok ? "ok    " : "FAILED"} ${result.name}@${result.version}`);
    for (const step of result.steps) {
      console.log(`  ${step.status === "passed" ? "✓" : "✗"} ${step.name}`);
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
