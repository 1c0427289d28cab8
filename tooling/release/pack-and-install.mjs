// Proves that every publishable package works when a user installs it alone from npm: each
// is packed with pnpm (which turns `workspace:^` into real ranges), its packed files
// checked, installed into a fresh project outside the workspace with only what it declares
// (internal dependencies from their own tarballs, as they are not published yet), loaded
// with import and require(), type-checked as a strict user would, and linted with publint
// and arethetypeswrong. docs/releasing.md ("What the pack-and-install check enforces")
// lists every step and what fails it; `npm run check:packages` runs its test.

import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import * as os from "node:os";
import * as path from "node:path";
import ts from "typescript";
import { compile, describeError } from "./compile.mjs";
import * as rules from "./package-rules.mjs";
import { run } from "./process.mjs";
import { scratchProject } from "./scratch-project.mjs";
import {
  DEPENDENCY_FIELDS,
  pack,
  readJson,
  readWorkspacePackages,
  WORKSPACE_ROOT,
} from "./workspace.mjs";

/**
 * @typedef {{ name: string, status: "passed" | "failed", messages: string[] }} StepResult
 * @typedef {{ name: string, dir: string, manifest: any, ok: boolean, steps: StepResult[] }} PackageResult
 * @typedef {import("./workspace.mjs").WorkspacePackage} WorkspacePackage
 * @typedef {{ ok: boolean, code?: string, message?: string, names?: string[] }} LoadOutcome
 * @typedef {(name: string, body: () => string[] | Promise<string[]>) => Promise<boolean>} Step
 * @typedef {{ expectedExports?: Record<string, string[]> }} CheckOptions
 * `expectedExports`: by import specifier, names that must be exported.
 */

/**
 * The linters, pinned devDependencies of the workspace root, so that the check never
 * changes under us and downloads nothing of its own: each one's arguments for a tarball.
 * @type {Record<string, (tarball: string) => string[]>}
 */
const LINTERS = {
  publint: (tarball) => ["run", tarball, "--strict"],
  attw: (tarball) => [tarball, "--profile", "esm-only", "--format", "ascii", "--no-emoji"],
};

/**
 * The workspace packages that one needs at run time, transitively: their tarballs are
 * installed with it, since they are not on the registry yet.
 * @param {any} manifest @param {Map<string, WorkspacePackage>} workspace
 * @returns {WorkspacePackage[]}
 */
function internalDependencies(manifest, workspace, seen = new Map([[manifest.name, manifest]])) {
  for (const name of DEPENDENCY_FIELDS.flatMap((field) => Object.keys(manifest[field] ?? {}))) {
    const internal = workspace.get(name);
    if (internal && !seen.has(name)) {
      seen.set(name, internal);
      internalDependencies(internal.manifest, workspace, seen);
    }
  }
  return [...seen.values()].slice(1);
}

/**
 * A manifest's peers that are required (or optional), as `name@version`: the version the
 * package is developed against, else the peer range.
 * @param {any} manifest @param {boolean} optional
 */
const peersOf = (manifest, optional) =>
  Object.entries(manifest.peerDependencies ?? {})
    .filter(([peer]) => Boolean(manifest.peerDependenciesMeta?.[peer]?.optional) === optional)
    .map(([peer, range]) => `${peer}@${manifest.devDependencies?.[peer] ?? range}`);

/**
 * The packed package.json and files, against the rules of package-rules.mjs.
 * @param {string} packageRoot the unpacked tarball @param {string[]} files
 * @param {Map<string, any>} workspace @param {Step} step
 */
async function checkPacked(packageRoot, files, workspace, step) {
  const manifest = await readJson(path.join(packageRoot, "package.json"));
  /** @param {string | undefined} file */
  const read = (file) => (file ? readFile(path.join(packageRoot, file), "utf8") : undefined);
  await step("manifest", () => rules.manifestProblems(manifest, workspace));
  await step("contents", async () =>
    rules.contentProblems(files, {
      license: await read(rules.licenseFileOf(files)),
      readme: await read(rules.readmeFileOf(files)),
      expectedLicense: await readFile(path.join(WORKSPACE_ROOT, "LICENSE"), "utf8"),
    }),
  );
  /** @type {Map<string, string>} the packed JavaScript, declarations and source maps */
  const texts = new Map();
  for (const file of files.filter((name) => /\.[cm]?js$|\.d\.[cm]?ts$|\.map$/.test(name))) {
    texts.set(file, String(await read(file)));
  }
  await step("source maps", () => rules.sourceMapProblems(files, texts));
  const code = new Map([...texts].filter(([file]) => !file.endsWith(".map")));
  await step("imports", () => rules.undeclaredImports(manifest, code));
  return manifest;
}

/**
 * Type-checks a consumer that imports each of `specifiers`, and compares each entry's
 * declared values with the names its JavaScript exports (`exported`). Errors in a peer's own
 * declarations do not count: the package cannot fix them, and a strict user of the peer
 * sees them without it (node-llama-cpp 3.21's need skipLibCheck).
 * @param {string} dir @param {string[]} specifiers @param {Record<string, string[]>} exported
 * @param {string[]} peers
 */
async function typecheckConsumer(dir, specifiers, exported, peers) {
  const lines = specifiers.map((specifier, i) => `export * as entry${i} from "${specifier}";`);
  await writeFile(path.join(dir, "consumer.ts"), `${lines.join("\n")}\n`);
  const { program, errors } = compile(dir, ["consumer.ts"]);
  const problems = errors
    .filter(({ file }) => !peers.some((peer) => file.startsWith(`node_modules/${peer}/`)))
    .map(describeError);
  const checker = program.getTypeChecker();
  for (const statement of program.getSourceFile(path.join(dir, "consumer.ts"))?.statements ?? []) {
    if (!ts.isExportDeclaration(statement) || !statement.exportClause) continue;
    const specifier = /** @type {ts.StringLiteral} */ (statement.moduleSpecifier);
    // An entry without declarations has no names to compare: its error says so.
    if (!checker.getSymbolAtLocation(specifier)) continue;
    const namespace = /** @type {ts.NamespaceExport} */ (statement.exportClause).name;
    const declared = checker
      .getTypeAtLocation(namespace)
      .getProperties()
      .map((p) => p.name);
    const runtime = exported[specifier.text] ?? declared;
    const entry = `"${specifier.text}"`;
    for (const name of declared.filter((name) => !runtime.includes(name))) {
      problems.push(`${entry}: the types declare "${name}", but the JavaScript does not export it`);
    }
    for (const name of runtime.filter((name) => !declared.includes(name))) {
      problems.push(`${entry}: the JavaScript exports "${name}", but the types do not declare it`);
    }
  }
  return problems;
}

/**
 * Installs the package in a fresh project outside the workspace that has only what it
 * declares, then loads and type-checks every entry there.
 * @param {{ manifest: any, tarballs: string[], peers: string[], dir: string }} installed
 *   `tarballs`: the package's and its internal dependencies'; `peers`: the required peers
 *   of all of them
 * @param {CheckOptions} options @param {Step} step
 */
async function checkInstalled({ manifest, tarballs, peers, dir }, options, step) {
  const consumer = await scratchProject(dir);
  await copyFile(new URL("load-entries.cjs", import.meta.url), path.join(dir, "load-entries.cjs"));
  const specifiers = rules.entrySpecifiers(manifest);
  const optionalPeers = peersOf(manifest, true);
  // --omit=optional: the packages need none, and node-llama-cpp's are its GPU and other
  // platforms' builds (650 MB); its Linux x64 CPU build is not needed to import it.
  /** @param {string[]} specs */
  const install = (specs) =>
    consumer.npm("install", "--ignore-scripts", "--omit=optional", ...specs).then(() => []);
  const peerNames = Object.keys(manifest.peerDependencies ?? {});
  /** @type {Record<string, string[]>} what each entry exports, as last imported */
  const exported = {};
  /**
   * The problems of loading `entries` as a user does. CommonJS users load the same modules
   * through require(esm), on every Node that engines.node admits: same names as import.
   * @param {"import" | "require"} how @param {string[]} entries
   */
  const load = async (how, entries) => {
    /** @type {Record<string, LoadOutcome>} */
    const outcomes = await consumer.node(["load-entries.cjs", how, ...entries], 60_000);
    return entries.flatMap((specifier) => {
      const { ok, code, message, names = [] } = outcomes[specifier] ?? { ok: false };
      if (!ok) {
        const hint = how === "require" ? ` (engines.node should be "${rules.SUPPORTED_NODE}")` : "";
        return [
          `${how} "${specifier}" failed on Node ${process.versions.node}: ${code} ${message}${hint}`,
        ];
      }
      if (how === "require") {
        const same = names.sort().join() === [...(exported[specifier] ?? [])].sort().join();
        return same ? [] : [`require("${specifier}") exports other names than import does`];
      }
      exported[specifier] = names;
      const expected = options.expectedExports?.[specifier] ?? [];
      const missing = expected.filter((want) => !names.includes(want));
      return [
        ...(names.length ? [] : [`"${specifier}" exports nothing`]),
        ...missing.map((want) => `"${specifier}" does not export ${want}`),
      ];
    });
  };

  if (!(await step("install", () => install([...tarballs, ...peers])))) return;
  if (optionalPeers.length) {
    // The main entry loads without them; an entry that needs one fails until they are
    // installed, and the import step below checks it then.
    await step("import without optional peers", () => load("import", [manifest.name]));
    await step("typecheck without optional peers", () =>
      typecheckConsumer(dir, [manifest.name], exported, peerNames),
    );
    if (!(await step("install optional peers", () => install(optionalPeers)))) return;
  }
  await step("import", () => load("import", specifiers));
  await step("require", () => load("require", specifiers));
  await step("typecheck", () => typecheckConsumer(dir, specifiers, exported, peerNames));
}

/**
 * Checks packages side by side, in one temporary directory, each packed once.
 * @param {string[]} dirs the package directories, already built
 * @param {CheckOptions} [options]
 * @returns {Promise<PackageResult[]>}
 */
export async function checkPackages(dirs, options = {}) {
  const workDir = await mkdtemp(path.join(os.tmpdir(), "llm-journey-release-"));
  const workspace = await readWorkspacePackages();
  const tarballDir = path.join(workDir, "tarballs");
  await mkdir(tarballDir, { recursive: true });
  /** @type {Map<string, Promise<import("./workspace.mjs").PackReport>>} */
  const packs = new Map();
  /** @param {string} dir */
  const packOnce = (dir) => packs.get(dir) ?? packs.set(dir, pack(dir, tarballDir)).get(dir);

  /** @param {string} dir @returns {Promise<PackageResult>} */
  const checkPackage = async (dir) => {
    const source = await readJson(path.join(dir, "package.json"));
    const { name } = source;
    const scratch = path.join(workDir, name.replace(/^@/, "").replace(/[^a-z0-9.-]+/gi, "-"));
    const internal = internalDependencies(source, workspace);
    /** @type {StepResult[]} */
    const steps = [];
    // A step's body returns the problems found: it fails on any, or when it throws.
    /** @type {Step} */
    const step = async (name, body) => {
      const messages = await Promise.resolve()
        .then(body)
        .catch((error) => [error instanceof Error ? error.message : String(error)]);
      steps.push({ name, status: messages.length ? "failed" : "passed", messages });
      return messages.length === 0;
    };
    /** @type {string[]} the package's first */
    let tarballs = [];
    let files = /** @type {string[]} */ ([]);
    let manifest;
    const unpacked = await step("pack", async () => {
      const packed = await Promise.all([dir, ...internal.map((p) => p.dir)].map(packOnce));
      tarballs = packed.map((report) => String(report?.filename));
      files = (packed[0]?.files ?? []).map((file) => file.path).sort();
      await mkdir(scratch, { recursive: true });
      await run("tar", ["-xzf", String(tarballs[0]), "-C", scratch]);
      return [];
    });
    if (unpacked) {
      // The linters read the tarball while the rest is checked.
      const linted = Object.entries(LINTERS).map(([linter, args]) =>
        step(linter, async () => {
          const bin = path.join(WORKSPACE_ROOT, "node_modules", ".bin", linter);
          await run(bin, args(String(tarballs[0])), { cwd: scratch });
          return [];
        }),
      );
      manifest = await checkPacked(path.join(scratch, "package"), files, workspace, step);
      const peers = [manifest, ...internal.map((p) => p.manifest)]
        .flatMap((m) => peersOf(m, false))
        .filter((spec) => !workspace.has(spec.slice(0, spec.lastIndexOf("@"))));
      const consumerDir = path.join(scratch, "consumer");
      const installed = { manifest, tarballs, peers: [...new Set(peers)], dir: consumerDir };
      await checkInstalled(installed, options, step);
      await Promise.all(linted);
    }
    return { name, dir, manifest, ok: steps.every((s) => s.status === "passed"), steps };
  };

  try {
    return await Promise.all(dirs.map(checkPackage));
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
}
