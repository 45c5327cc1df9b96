// Static assets embedded in the binary: imported as files, so `bun build --compile` carries them along.
import htmxPath from "../../node_modules/htmx.org/dist/htmx.min.js" with { type: "file" };
import cssPath from "../../views/static/app.css" with { type: "file" };
import jsPath from "../../views/static/app.js" with { type: "file" };
import type { Asset } from "../core/responses.ts";

// A Map, not an object literal: a name such as "constructor" or "__proto__" must find nothing.
export const STATIC_FILES: ReadonlyMap<string, Asset> = new Map([
  ["htmx.min.js", { path: htmxPath, type: "text/javascript; charset=utf-8" }],
  ["app.css", { path: cssPath, type: "text/css; charset=utf-8" }],
  ["app.js", { path: jsPath, type: "text/javascript; charset=utf-8" }],
]);
