// Secrets (auth strings, CSRF tokens) are compared in constant time, so response timing never tells an
// attacker how much of a guess was right.
import { timingSafeEqual } from "node:crypto";

/** Equal-length byte strings compared in constant time; different lengths are simply unequal. */
export function safeEqual(a: string | Uint8Array, b: string | Uint8Array): boolean {
  const x = typeof a === "string" ? Buffer.from(a, "utf8") : a;
  const y = typeof b === "string" ? Buffer.from(b, "utf8") : b;
  return x.length === y.length && timingSafeEqual(x, y);
}
