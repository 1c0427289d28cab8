import { existsSync, readdirSync, readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { compileSnippets, readSnippets, readUserDocSnippets } from "./doc-snippets.mjs";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

const scripts: Record<string, string> = JSON.parse(
  readFileSync(join(ROOT, "package.json"), "utf8"),
).scripts;

/** The Markdown a user or contributor reads: root, docs/, and every package's README. */
function userDocs(): { file: string; text: string }[] {
  const files = [
    "README.md",
    "CONTRIBUTING.md",
    ...readdirSync(join(ROOT, "docs")).map((name) => `docs/${name}`),
    ...["packages", "apps"].flatMap((parent) =>
      readdirSync(join(ROOT, parent)).map((folder) => `${parent}/${folder}/README.md`),
    ),
  ];
  return files
    .filter((file) => file.endsWith(".md") && existsSync(join(ROOT, file)))
    .map((file) => ({ file, text: readFileSync(join(ROOT, file), "utf8") }));
}

describe("what users read", () => {
  it("names only root npm scripts, and sends a package's reader to one that runs its code", () => {
    const wrong: string[] = [];
    for (const { file, text } of userDocs()) {
      const folder = /^(packages|apps)\/[^/]+\//.exec(file)?.[0];
      for (const [, name = ""] of text.matchAll(/npm run ([\w:-]+)/g)) {
        const script = scripts[name];
        if (script === undefined) wrong.push(`${file}: npm run ${name} is not a root script`);
        else if (folder && !script.includes(folder)) {
          wrong.push(`${file}: npm run ${name} runs ${script}`);
        }
      }
    }
    expect(wrong).toEqual([]);
  });

  it("cites no design document users do not have, in any published source", () => {
    const citing = readdirSync(join(ROOT, "packages"))
      .flatMap((folder) =>
        readdirSync(join(ROOT, "packages", folder, "src"), { recursive: true })
          .map((file) => `packages/${folder}/src/${file}`)
          .filter((file) => file.endsWith(".ts") && !file.endsWith(".test.ts")),
      )
      .filter((file) => /\bSPEC\b/.test(readFileSync(join(ROOT, file), "utf8")));
    expect(citing).toEqual([]);
  });
});

/**
 * The text of a Markdown section, from its heading to the next heading of its level or
 * above (from `##`: a `#` line in a code block is a shell comment).
 */
function section(text: string, heading: string): string {
  const start = text.indexOf(`${heading}\n`);
  if (start === -1) return "";
  const level = heading.indexOf(" ");
  const rest = text.slice(start + heading.length);
  const end = rest.search(new RegExp(`\\n#{2,${level}} `));
  return end === -1 ? rest : rest.slice(0, end);
}

describe("the code in what users read", () => {
  it("is found with its place and the declarations its context comment gives", () => {
    const markdown = [
      "Text.",
      "<!-- snippet context",
      "declare const step: number;",
      "-->",
      "```ts",
      "console.log(step);",
      "```",
      "```sh",
      "npm test",
      "```",
      "```js",
      "// tracing.mjs: SDK 3",
      "```",
    ].join("\n");
    const [ts, js, ...more] = readSnippets(markdown, "x.md");
    expect(more).toEqual([]);
    expect(ts).toMatchObject({ line: 6, lang: "ts", context: "declare const step: number;" });
    expect(js).toMatchObject({ line: 12, lang: "js", context: "", code: "// tracing.mjs: SDK 3" });
  });

  it("fails to compile when it no longer matches, naming the document's line", async () => {
    const markdown =
      "<!-- snippet context\ndeclare const n: number;\n-->\n```ts\nn.trim();\n```\n" +
      "```js\nconsole.log(1);\n```\n";
    const dir = await mkdtemp(join(tmpdir(), "llm-journey-snippets-"));
    try {
      const { compiled, problems } = await compileSnippets(dir, readSnippets(markdown, "x.md"));
      expect(compiled).toBe(2);
      expect(problems).toEqual(["x.md:5: TS2339 Property 'trim' does not exist on type 'number'."]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("includes every TypeScript and JavaScript block of the READMEs and docs/", () => {
    const files = new Set(readUserDocSnippets(ROOT).map((snippet) => snippet.file));
    const withCode = userDocs()
      .filter(({ file }) => !file.startsWith("apps/") && file !== "CONTRIBUTING.md")
      .filter(({ text }) => /^```(ts|typescript|js|javascript)$/m.test(text))
      .map(({ file }) => file);
    expect(withCode).toEqual(
      expect.arrayContaining(["README.md", "packages/tracer-core/README.md"]),
    );
    expect([...files].sort()).toEqual(withCode.sort());
  });
});

describe("tracer-core's README", () => {
  const readme = readFileSync(join(ROOT, "packages/tracer-core/README.md"), "utf8");

  it("documents everything /testing exports and every member of TestTracing", () => {
    const testing = section(readme, "## Testing your integration");
    const entry = readFileSync(join(ROOT, "packages/tracer-core/src/testing/index.ts"), "utf8");
    const exported = [...entry.matchAll(/^export \{([^}]*)\}/gm)]
      .flatMap((match) => (match[1] as string).split(","))
      .map((name) => name.trim())
      .filter((name) => name && !name.startsWith("type "));
    const source = readFileSync(
      join(ROOT, "packages/tracer-core/src/testing/test-tracing.ts"),
      "utf8",
    );
    const body = /export interface TestTracing \{([\s\S]*?)\n\}/.exec(source)?.[1] ?? "";
    const members = [...body.matchAll(/^ {2}(?:readonly )?(\w+)[(:]/gm)].map((m) => m[1]);
    expect(exported.length).toBeGreaterThan(2);
    expect(members.length).toBeGreaterThan(5);
    const undocumented = [...exported, ...members.map((name) => `testing.${name}`)].filter(
      (name) => !testing.includes(`\`${name}`),
    );
    expect(undocumented).toEqual([]);
  });

  it("lists every TracingNotice code with its severity", () => {
    const source = readFileSync(join(ROOT, "packages/tracer-core/src/tracing-notice.ts"), "utf8");
    const union = /export type TracingNoticeCode =([^;]*);/.exec(source)?.[1] ?? "";
    const codes = [...union.matchAll(/"([a-z-]+)"/g)].map((match) => match[1]);
    expect(codes.length).toBeGreaterThan(2);
    const notices = section(readme, "## Failures and notices");
    for (const code of codes)
      expect(notices).toMatch(new RegExp(`\`${code}\`\\s*\\|\\s*\`(info|warning)\``));
  });
});

describe("the root README", () => {
  const readme = readFileSync(join(ROOT, "README.md"), "utf8");

  it("stays short enough to read in one go: at most 160 lines", () => {
    expect(readme.split("\n").length).toBeLessThanOrEqual(160);
  });
});

describe("docs/install.md", () => {
  const install = readFileSync(join(ROOT, "docs", "install.md"), "utf8");

  it("says how to try unreleased builds: every package packed, the tarballs installed together", () => {
    const unreleased = section(install, "### Trying a build that is not released");
    expect(unreleased).toMatch(
      /for p in packages\/\*\/; do .*pnpm@[\d.]+ pack --pack-destination (\S+);/,
    );
    const command = unreleased.replace(/\\\n\s*/g, " ").match(/^npm install .*$/m)?.[0] ?? "";
    for (const layer of ["tracer-api", "tracer-core", "context-propagation"]) {
      expect(command).toContain(`llm-journey-${layer}-*.tgz`);
    }
  });
});
