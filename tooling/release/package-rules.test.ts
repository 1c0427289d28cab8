import { describe, expect, it } from "vitest";
import {
  contentProblems,
  entrySpecifiers,
  manifestProblems,
  SUPPORTED_NODE,
  sourceMapProblems,
  undeclaredImports,
} from "./package-rules.mjs";

const workspace = new Map<string, { manifest: Record<string, unknown> }>([
  ["@x/core", { manifest: { name: "@x/core", version: "1.2.0" } }],
  ["@x/demo", { manifest: { name: "@x/demo", version: "0.0.0", private: true } }],
]);

const good = {
  name: "@x/api",
  version: "1.0.0",
  license: "Apache-2.0",
  repository: { type: "git", url: "git+https://example.invalid/x.git" },
  engines: { node: SUPPORTED_NODE },
  exports: {
    ".": { types: "./dist/index.d.ts", import: "./dist/index.js" },
    "./sdk": { types: "./dist/sdk.d.ts", import: "./dist/sdk.js" },
    "./package.json": "./package.json",
  },
  dependencies: { "@x/core": "^1.2.0" },
  peerDependencies: { "@opentelemetry/api": "^1.9.0" },
};
const goodFiles = [
  "LICENSE",
  "README.md",
  "dist/index.d.ts",
  "dist/index.js",
  "dist/sdk.d.ts",
  "dist/sdk.js",
  "package.json",
];

describe("the packed package.json", () => {
  const internal = 'dependencies["@x/core"]';
  it.each([
    ["passes when complete, its internal ranges naming current versions", {}, []],
    [
      "fails on a workspace: range that pnpm did not rewrite",
      { dependencies: { "@x/core": "workspace:^" } },
      [`${internal} is still "workspace:^" in the tarball`],
    ],
    [
      "fails on a range that misses the internal dependency's current version",
      { dependencies: { "@x/core": "^1.1.0" } },
      [`${internal} is "^1.1.0" in the tarball, not a range of @x/core's version 1.2.0`],
    ],
    [
      "fails on a dependency on a private workspace package",
      { dependencies: { "@x/demo": "^0.0.0" } },
      ['dependencies["@x/demo"] is a private workspace package: it is never published'],
    ],
    [
      "fails when @opentelemetry/api is a dependency instead of a peer",
      { dependencies: { "@opentelemetry/api": "^1.9.0" } },
      ["@opentelemetry/api is in dependencies: it must be a peer dependency, never bundled"],
    ],
    [
      "fails without licence, repository or engines",
      { license: undefined, repository: undefined, engines: undefined },
      ['no "license" field', 'no "repository" field', 'no "engines.node" field'],
    ],
    [
      "fails on an engines.node that admits a Node where require() of an ES module needs a flag",
      { engines: { node: ">=20" } },
      [
        `engines.node is ">=20", not the supported "^20.19.0 || >=22.12.0" (the Node versions where both import and require() of an ES module work)`,
      ],
    ],
  ])("%s", (_label, patch, expected) => {
    expect(manifestProblems({ ...good, ...patch }, workspace)).toEqual(expected);
  });
});

describe("source maps in the tarball", () => {
  const js = "export const a = 1;\n//# sourceMappingURL=index.js.map\n";
  const map = (sources: string[], extra = {}) =>
    JSON.stringify({ version: 3, file: "index.js", sources, mappings: "", ...extra });

  it("pass when there are none, or when each map and each of its sources is packed", () => {
    expect(sourceMapProblems(["dist/index.js"], new Map([["dist/index.js", "x;\n"]]))).toEqual([]);
    const files = ["dist/index.js", "dist/index.js.map", "src/index.ts"];
    const texts = new Map([
      ["dist/index.js", js],
      ["dist/index.js.map", map(["../src/index.ts"])],
    ]);
    expect(sourceMapProblems(files, texts)).toEqual([]);
  });

  it("pass when the sources are embedded in the map, or the map is inline", () => {
    const texts = new Map([
      ["dist/index.js", js],
      ["dist/index.js.map", map(["../src/index.ts"], { sourcesContent: ["export {}"] })],
      ["dist/other.js", "x;\n//# sourceMappingURL=data:application/json;base64,e30=\n"],
    ]);
    expect(sourceMapProblems([...texts.keys()], texts)).toEqual([]);
  });

  it("fail on a map whose sources are not packed, and on a sourceMappingURL to a missing map", () => {
    const texts = new Map([
      ["dist/index.js", js],
      ["dist/index.js.map", map(["../src/index.ts", "../src/util.ts"], { sourceRoot: "" })],
      ["dist/index.d.ts", "export {};\n//# sourceMappingURL=index.d.ts.map"],
    ]);
    expect(sourceMapProblems([...texts.keys()], texts)).toEqual([
      "dist/index.js.map maps to ../src/index.ts, ../src/util.ts, which are not in the tarball",
      "dist/index.d.ts names its source map index.d.ts.map, which is not in the tarball",
    ]);
  });
});

describe("the packed files", () => {
  it("pass when the README and the LICENSE are there", () => {
    expect(contentProblems(goodFiles)).toEqual([]);
  });

  it("fail on tests, test support and examples in the tarball", () => {
    const files = [...goodFiles, "dist/a.test.js", "dist/test-support/b.js", "dist/examples/c.js"];
    expect(contentProblems(files)).toHaveLength(3);
  });

  it("fail without a LICENSE, or with one that differs from the repository's", () => {
    expect(contentProblems(goodFiles.slice(1))).toEqual(["no LICENSE file in the tarball"]);
    expect(contentProblems(goodFiles, { license: "MIT", expectedLicense: "Apache-2.0" })).toEqual([
      "LICENSE differs from the repository's LICENSE",
    ]);
  });

  it("fail on README links that point outside the tarball", () => {
    const readme =
      "See [the reference](../../docs/reference.md), [usage](#usage), [dist](dist/index.js), " +
      "[site](https://example.invalid/x) and [an example](src/examples/a.ts).";
    expect(contentProblems(goodFiles, { readme })).toEqual([
      "README links to ../../docs/reference.md, which is not in the tarball",
      "README links to src/examples/a.ts, which is not in the tarball",
    ]);
  });
});

describe("imports in the packed code", () => {
  it("are read from static, dynamic, re-export, require and type-reference forms", () => {
    const source = [
      '/// <reference types="undeclared-types" />',
      'import { a } from "pkg-a";',
      'import "pkg-b/side-effect";',
      'export * from "@scope/c/sub";',
      'const d = await import("pkg-d");',
      'const e = require("pkg-e");',
      'import { f } from "./local.js";',
      'import { g } from "node:fs";',
      'import "fs";',
      '// import { h } from "in-a-comment";',
    ].join("\n");
    const named = undeclaredImports(good, new Map([["dist/index.js", source]])).map(
      (problem) => problem.match(/but (\S+) is not declared/)?.[1],
    );
    expect(named).toEqual(["pkg-a", "pkg-b", "@scope/c", "pkg-d", "pkg-e", "undeclared-types"]);
  });

  it("must be declared, and @opentelemetry/api must be a peer", () => {
    const sources = new Map([
      ["dist/index.js", 'import { trace } from "@opentelemetry/api";\nimport x from "left-pad";'],
      ["dist/index.d.ts", 'import type { Span } from "@opentelemetry/api";\nimport "fs";'],
    ]);
    expect(undeclaredImports(good, sources)).toEqual([
      'dist/index.js imports "left-pad", but left-pad is not declared in dependencies or peerDependencies',
    ]);
    // Declared, but not as a peer: the manifest's rules name it once.
    const asDependency = {
      ...good,
      peerDependencies: {},
      dependencies: { "@opentelemetry/api": "^1.9.0" },
    };
    expect(undeclaredImports(asDependency, sources)).toHaveLength(1);
    expect(manifestProblems(asDependency, workspace)).toContain(
      "@opentelemetry/api is in dependencies: it must be a peer dependency, never bundled",
    );
  });
});

describe("entry points", () => {
  it("are the package and its exports subpaths without package.json, as import specifiers", () => {
    expect(entrySpecifiers(good)).toEqual(["@x/api", "@x/api/sdk"]);
    expect(entrySpecifiers({ name: "@x/api", exports: "./index.js" })).toEqual(["@x/api"]);
    expect(entrySpecifiers({ name: "@x/api", exports: { import: "./i.js" } })).toEqual(["@x/api"]);
  });
});
