// The server's two kinds of hand-built answers: JSON (every API body, Prefect's error bodies) and a file
// embedded in the binary (the dashboard's and the API docs' assets). One helper each, so a content type
// or a cache header is decided in one place.

export function jsonResponse(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json", ...headers } });
}

export interface Asset {
  /** The embedded file's path (an `import … with { type: "file" }`). */
  path: string;
  type: string;
}

/** An embedded asset by name, or Prefect's JSON 404 (a Map: "constructor" or "__proto__" find nothing). */
export function assetResponse(assets: ReadonlyMap<string, Asset>, name: string, maxAgeSeconds = 3600): Response {
  const asset = assets.get(name);
  if (!asset) return jsonResponse({ detail: "Not Found" }, 404);
  return new Response(Bun.file(asset.path), {
    headers: { "content-type": asset.type, "cache-control": `public, max-age=${maxAgeSeconds}` },
  });
}
