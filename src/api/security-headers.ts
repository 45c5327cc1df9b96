// Headers every response carries, so a page of the dashboard can never be framed by another site
// (clickjacking the cancel and delete buttons), a response is never sniffed into another content type,
// and only our own embedded script runs even if some value ever escaped into HTML.
import { Elysia } from "elysia";

export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  // The Gantt bars are positioned with style attributes.
  "style-src 'self' 'unsafe-inline'",
  // Block type logos are https: URLs (views/pages/blocks.tsx shows no other scheme but inline images).
  "img-src 'self' data: https:",
  "connect-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "object-src 'none'",
].join("; ");

export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  "content-security-policy": CONTENT_SECURITY_POLICY,
  "x-frame-options": "DENY",
  "x-content-type-options": "nosniff",
  "referrer-policy": "same-origin",
};

// Set at the start of every request: Elysia merges `set.headers` into whatever the route returns, a
// Response built by hand included.
export const securityHeaders = new Elysia({ name: "api.security-headers" }).onRequest(({ set }) => {
  Object.assign(set.headers, SECURITY_HEADERS);
});
