// Headless Chromium from Debian's package, driven by playwright-core. A missing browser is a CI failure
// and a loud skip elsewhere.
import { existsSync } from "node:fs";
import { chromium, type Browser } from "playwright-core";

export const CHROMIUM = "/usr/bin/chromium";
export const HAVE_CHROMIUM = existsSync(CHROMIUM);

if (!HAVE_CHROMIUM) {
  const msg = "!!! Chromium is not installed (apt-get install chromium): browser tests are NOT running";
  if (process.env.CI) throw new Error(`${msg} (CI requires Chromium)`);
  console.warn(msg);
}

export function launch(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    // Without the background-networking flags Chromium keeps trying to reach Google on this closed network.
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
      "--disable-dev-shm-usage",
    ],
  });
}
