// profiles.toml, read and written in the format the Prefect SDK uses:
//   active = "local"
//   [profiles.local]
//   PREFECT_API_URL = "http://127.0.0.1:4200/api"
// Keys and profiles we do not know are kept as they are, so a file shared with the SDK loses nothing.
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { parse, stringify } from "smol-toml";
import { AppError } from "../core/errors.ts";

export type Profile = Record<string, string>;

export interface ProfilesFile {
  active: string;
  profiles: Record<string, Profile>;
  /** Top-level keys other than `active` and `profiles`, kept for the round trip. */
  extra: Record<string, unknown>;
  /** Profiles that came from Prefect's packaged defaults and were not in the user's file. */
  packaged: Set<string>;
}

// Prefect 3.x ships these when the user has no file; the SDK falls back to them, so do we.
const PACKAGED: Record<string, Profile> = {
  ephemeral: { PREFECT_SERVER_EPHEMERAL_ENABLED: "true" },
  local: { PREFECT_API_URL: "http://127.0.0.1:4200/api" },
  test: {
    PREFECT_SERVER_EPHEMERAL_ENABLED: "true",
    PREFECT_SERVER_DATABASE_CONNECTION_URL: "sqlite+aiosqlite:///:memory:",
  },
  cloud: {},
};
const PACKAGED_ACTIVE = "ephemeral";

export function readProfiles(path: string): ProfilesFile {
  const file: ProfilesFile = {
    active: PACKAGED_ACTIVE,
    profiles: structuredClone(PACKAGED),
    extra: {},
    packaged: new Set(Object.keys(PACKAGED)),
  };
  if (!existsSync(path)) return file;
  let doc: Record<string, unknown>;
  try {
    doc = parse(readFileSync(path, "utf8")) as Record<string, unknown>;
  } catch (e) {
    throw new AppError("invalid", `Could not read the profiles file ${path}: ${(e as Error).message}`);
  }
  for (const [key, value] of Object.entries(doc)) {
    if (key === "active") {
      if (typeof value === "string") file.active = value;
    } else if (key === "profiles" && value && typeof value === "object") {
      for (const [name, table] of Object.entries(value as Record<string, unknown>)) {
        const profile: Profile = { ...(file.profiles[name] ?? {}) };
        if (table && typeof table === "object") {
          for (const [k, v] of Object.entries(table as Record<string, unknown>)) profile[k] = String(v);
        }
        file.profiles[name] = profile;
        file.packaged.delete(name);
      }
    } else {
      file.extra[key] = value;
    }
  }
  return file;
}

/** Writes the whole file atomically with mode 0600, as Prefect does; untouched packaged profiles are left out. */
export function writeProfiles(path: string, file: ProfilesFile): void {
  const profiles: Record<string, Profile> = {};
  for (const [name, profile] of Object.entries(file.profiles)) {
    if (file.packaged.has(name)) continue;
    profiles[name] = profile;
  }
  const text = stringify({ active: file.active, ...file.extra, profiles });
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, text.endsWith("\n") ? text : `${text}\n`, { mode: 0o600 });
  chmodSync(tmp, 0o600);
  renameSync(tmp, path);
}

/** Marks a profile as the user's own, so the next write includes it. */
export function touchProfile(file: ProfilesFile, name: string): Profile {
  file.packaged.delete(name);
  return (file.profiles[name] ??= {});
}
