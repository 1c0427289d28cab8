import { mkdtemp, rm } from "node:fs/promises";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { packWorkspace } from "../release/workspace.mjs";
import { checkLlamaCpp } from "./compat-check.mjs";

interface ReportedSpan {
  name: string;
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  requestId?: string;
  events: Array<{ name: string; attributes: Record<string, unknown> }>;
  links: Array<{ spanId: string; attributes: Record<string, unknown> }>;
}

let workDir: string;
let result: Awaited<ReturnType<typeof checkLlamaCpp>>;

beforeAll(async () => {
  workDir = await mkdtemp(path.join(os.tmpdir(), "llm-journey-compat-llama-"));
  const tarballs = await packWorkspace(path.join(workDir, "tarballs"));
  result = await checkLlamaCpp({ workDir, tarballs });
});
afterAll(async () => {
  if (workDir) await rm(workDir, { recursive: true, force: true });
});

const core = (requestId: string): ReportedSpan => {
  const spans = (result.report.spans as ReportedSpan[]).filter(
    (span) => span.name === "llm_core" && span.requestId === requestId,
  );
  expect(spans, `one llm_core for ${requestId}`).toHaveLength(1);
  return spans[0] as ReportedSpan;
};

describe("@llm-journey/node-llama-cpp beside node-llama-cpp 3.21.1, outside the workspace", () => {
  it("installs with its README's command and nothing of node-llama-cpp but the CPU build", () => {
    expect(result.command).toContain("--omit=optional");
    expect(result.command).toContain("node-llama-cpp@3.21.1");
    expect(result.report.llamaPackages).toEqual(["linux-x64"]);
    // No install script built or downloaded llama.cpp: the prebuilt package is used.
    expect(result.report.localBuild).toBe(false);
    // 83 MB for node-llama-cpp and its build, plus the OpenTelemetry packages.
    expect(result.nodeModulesKiB).toBeLessThan(150 * 1024);
  });

  it("compiles the README's code blocks against what it installed", () => {
    expect(result.docs.problems).toEqual([]);
    expect(result.docs.compiled).toBeGreaterThanOrEqual(2);
  });

  it("traces real generation: queue, first token, finish, and a mid-generation abort", () => {
    const { statuses, queuedAtSubmit, left, batchTracing } = result.report;
    expect(queuedAtSubmit).toBe(1);
    expect(batchTracing).toBe("on");
    expect(statuses).toEqual(["length", "aborted", "length"]);
    for (const id of ["caller", "waited"]) {
      expect(core(id).events.map((event) => event.name)).toEqual([
        "journey.QUEUED",
        "journey.SCHEDULED",
        "journey.FIRST_TOKEN",
        "journey.FINISHED",
      ]);
    }
    expect(core("aborted").events.at(-1)?.attributes["finish.status"]).toBe("aborted");
    expect(core("caller").traceId).toBe("4bf92f3577b34da6a3ce929d0e0e4736");
    expect(core("caller").parentSpanId).toBe("00f067aa0ba902b7");
    expect(left).toEqual({ engine: 0, core: 0, activeSpans: 0 });
  });

  it("links step spans to the requests of each llama.cpp batch", () => {
    const steps = (result.report.spans as ReportedSpan[]).filter(
      (span) => span.name === "llm_step",
    );
    expect(steps.length).toBeGreaterThan(0);
    const linked = new Set(steps.flatMap((span) => span.links.map((link) => link.spanId)));
    for (const id of ["caller", "aborted", "waited"]) expect(linked).toContain(core(id).spanId);
    expect(steps.some((span) => span.links.length > 1)).toBe(true);
  });
});
