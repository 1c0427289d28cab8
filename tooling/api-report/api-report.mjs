// The API report: every public entry point's exported names with their declarations, as
// a user's compiler sees them in the built `.d.ts` files, one Markdown file per entry
// beside the package (`packages/<name>/api-report/<entry>.api.md`). A test compares them
// with what is built, so a change to the public surface is a change to a checked-in file,
// made on purpose and reviewed with its changeset.
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import * as path from "node:path";
import ts from "typescript";
import { entrySubpaths, specifierOf } from "../release/package-rules.mjs";
import { listPublishablePackages } from "../release/workspace.mjs";

/** The folder of a package's reports. */
export const REPORT_DIR = "api-report";

/**
 * The report file of one entry point: `index` for ".", else the subpath (`sdk`).
 * @param {string} subpath
 */
export function reportFileOf(subpath) {
  return `${subpath === "." ? "index" : subpath.replace(/^\.\//, "").replaceAll("/", "-")}.api.md`;
}

/**
 * The declaration file a subpath's `types` condition names.
 * @param {any} exportsField
 * @param {string} subpath
 * @returns {string | undefined}
 */
function typesTarget(exportsField, subpath) {
  const entry = exportsField?.[subpath];
  if (typeof entry === "string") return entry.replace(/\.js$/, ".d.ts");
  return entry?.types;
}

const printer = ts.createPrinter({ removeComments: true, newLine: ts.NewLineKind.LineFeed });

/**
 * A declaration as it reads in the `.d.ts`, without comments and without `declare`.
 * @param {ts.Node} node
 */
function printDeclaration(node) {
  const text = printer.printNode(ts.EmitHint.Unspecified, node, node.getSourceFile());
  return text.replace(/^export /, "").replace(/^declare /, "");
}

/**
 * The node that states a declaration: a variable's whole statement, so that `const`
 * and the type print together.
 * @param {ts.Declaration} declaration
 */
function statementOf(declaration) {
  if (ts.isVariableDeclaration(declaration)) return declaration.parent.parent;
  return declaration;
}

/**
 * @typedef {{ name: string, kind: "export" | "referenced", documented: boolean, text: string }} ReportedName
 * @typedef {{ specifier: string, names: ReportedName[] }} EntryReport
 */

/**
 * The exported names of each entry point in `entries`, with their declarations, and the
 * declarations they refer to that the entry does not export (a user meets them in
 * signatures, so a change to them changes the surface too).
 * @param {{ specifier: string, file: string, packageDir: string }[]} entries `.d.ts` files
 * @param {string[]} [types] the global type packages the declarations may use
 * @returns {EntryReport[]}
 */
export function reportEntries(entries, types = ["node"]) {
  const program = ts.createProgram({
    rootNames: entries.map((entry) => entry.file),
    options: {
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
      target: ts.ScriptTarget.ES2022,
      strict: true,
      noEmit: true,
      skipLibCheck: true,
      types,
    },
  });
  const checker = program.getTypeChecker();
  return entries.map(({ specifier, file, packageDir }) => {
    const source = program.getSourceFile(file);
    const moduleSymbol = source && checker.getSymbolAtLocation(source);
    if (!moduleSymbol) throw new Error(`${specifier}: no declarations at ${file}`);
    /** @type {Map<string, ReportedName>} */
    const reported = new Map();
    /** @type {ts.Symbol[]} */
    const pending = [];
    const exported = checker.getExportsOfModule(moduleSymbol);
    const exportedTargets = new Set(exported.map((symbol) => resolve(checker, symbol)));
    for (const symbol of exported) {
      reported.set(symbol.name, describe(checker, symbol, "export", pending));
    }
    // Follow what the exported declarations name, within this package only.
    while (pending.length > 0) {
      const symbol = /** @type {ts.Symbol} */ (pending.pop());
      const target = resolve(checker, symbol);
      if (target.flags & ts.SymbolFlags.TypeParameter) continue;
      if (exportedTargets.has(target) || reported.has(target.name)) continue;
      const declaration = target.declarations?.[0];
      if (!declaration) continue;
      const declaredIn = path.resolve(declaration.getSourceFile().fileName);
      if (!declaredIn.startsWith(`${path.resolve(packageDir)}${path.sep}`)) continue;
      reported.set(target.name, describe(checker, target, "referenced", pending));
    }
    const names = [...reported.values()].sort(
      (a, b) => (a.kind === b.kind ? 0 : a.kind === "export" ? -1 : 1) || compare(a.name, b.name),
    );
    return { specifier, names };
  });
}

/** @param {string} a @param {string} b */
function compare(a, b) {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * @param {ts.TypeChecker} checker
 * @param {ts.Symbol} symbol
 */
function resolve(checker, symbol) {
  return symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;
}

/**
 * @param {ts.TypeChecker} checker
 * @param {ts.Symbol} symbol as exported (maybe an alias)
 * @param {"export" | "referenced"} kind
 * @param {ts.Symbol[]} pending receives the symbols the declarations refer to
 * @returns {ReportedName}
 */
function describe(checker, symbol, kind, pending) {
  const target = resolve(checker, symbol);
  const declarations = target.declarations ?? [];
  const texts = declarations.map((declaration) => {
    declaration.forEachChild(function visit(node) {
      if (ts.isTypeReferenceNode(node) || ts.isExpressionWithTypeArguments(node)) {
        const name = ts.isTypeReferenceNode(node) ? node.typeName : node.expression;
        const referenced = checker.getSymbolAtLocation(name);
        if (referenced) pending.push(referenced);
      } else if (ts.isTypeQueryNode(node)) {
        const referenced = checker.getSymbolAtLocation(node.exprName);
        if (referenced) pending.push(referenced);
      }
      node.forEachChild(visit);
    });
    return printDeclaration(statementOf(declaration));
  });
  const documented = target.getDocumentationComment(checker).length > 0;
  // `export { a as b }`: the name a user imports is the exported one.
  const renamed = symbol.name !== target.name ? `// exported as ${symbol.name}\n` : "";
  return { name: symbol.name, kind, documented, text: renamed + texts.join("\n") };
}

/**
 * The report's Markdown.
 * @param {EntryReport} entry
 */
export function renderReport(entry) {
  const exported = entry.names.filter((name) => name.kind === "export");
  const referenced = entry.names.filter((name) => name.kind === "referenced");
  /** @param {ReportedName[]} names */
  const block = (names) =>
    names
      .map(({ documented, text }) => (documented ? text : `// (undocumented)\n${text}`))
      .join("\n\n");
  const lines = [
    `# API report: \`${entry.specifier}\``,
    "",
    "<!-- Generated by `npm run api:update` from the built declarations. Do not edit. -->",
    "",
    `${exported.length} exported names.`,
    "",
    "```ts",
    block(exported),
    "```",
  ];
  if (referenced.length > 0) {
    lines.push(
      "",
      "## Named in the signatures above, not exported",
      "",
      "```ts",
      block(referenced),
      "```",
    );
  }
  return `${lines.join("\n")}\n`;
}

/**
 * Every publishable package's entry points, with their built declarations and reports.
 * @param {string} [root]
 */
export async function workspaceEntries(root) {
  const entries = [];
  for (const dir of await listPublishablePackages(root)) {
    const manifest = JSON.parse(await readFile(path.join(dir, "package.json"), "utf8"));
    for (const subpath of entrySubpaths(manifest)) {
      const types = typesTarget(manifest.exports, subpath);
      if (types === undefined) throw new Error(`${manifest.name} ${subpath}: no "types" condition`);
      const file = path.join(dir, types);
      if (!existsSync(file)) {
        throw new Error(`${file} does not exist: build the workspace first (npm run build)`);
      }
      entries.push({
        packageName: manifest.name,
        packageDir: dir,
        subpath,
        specifier: specifierOf(manifest.name, subpath),
        file,
        reportFile: path.join(dir, REPORT_DIR, reportFileOf(subpath)),
      });
    }
  }
  return entries;
}
