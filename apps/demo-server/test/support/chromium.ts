import { existsSync } from "node:fs";
import { type Browser, chromium } from "playwright-core";

/** Debian's Chromium, which `.ci/run` installs; playwright-core downloads nothing. */
export const CHROMIUM = "/usr/bin/chromium";

/** Browser tests run when Chromium is there, and always in CI, where a missing one fails the launch. */
export const runBrowserTests = existsSync(CHROMIUM) || Boolean(process.env.CI);

/** Headless Chromium as root on a CI machine: no sandbox, no GPU, no background traffic. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
    ],
  });
}
