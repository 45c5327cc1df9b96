// The UUID shapes the server tests text against. Paths, id-or-name lookups and the channels' target
// lists take the canonical hyphenated form (any case), as Python's UUID() from a path segment; bodies
// take pydantic's UUID, whose hyphens are optional, answered in canonical lower case.
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const LOOSE_UUID = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;

export const isUuid = (s: string): boolean => UUID.test(s);

/** Canonical lower-case, hyphenated form (Python's str(UUID)), or null when it is not a UUID. */
export function canonicalUuid(s: string): string | null {
  if (!LOOSE_UUID.test(s)) return null;
  const hex = s.replaceAll("-", "").toLowerCase();
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
