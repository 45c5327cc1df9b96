// Resolves every setting from its sources, highest first: environment > active profile > default,
// remembering where each value came from (for `config view --show-sources`).
import { homedir } from "node:os";
import { join, resolve } from "node:path";
import { AppError } from "../core/errors.ts";
import { findSetting, SETTINGS, type SettingDef } from "./registry.ts";
import { readProfiles, type ProfilesFile } from "./profiles.ts";
import { parseSettingValue, type SettingValue } from "./values.ts";

export type Source = "env" | "profile" | "defaults";

export interface ResolvedValue {
  def: SettingDef;
  raw: string | null;
  source: Source;
  /** The env or profile key it was found under (canonical name or an alias). */
  key: string;
}

export interface SettingsOptions {
  env?: Record<string, string | undefined>;
  /** `--profile NAME` on the command line; wins over PREFECT_PROFILE and the file's `active`. */
  profile?: string;
}

export class Settings {
  readonly home: string;
  readonly profilesPath: string;
  readonly profiles: ProfilesFile;
  readonly profileName: string;
  /** Set when the requested profile does not exist and the default was used instead. */
  readonly profileWarning?: string;
  readonly env: Record<string, string | undefined>;

  constructor(opts: SettingsOptions = {}) {
    this.env = opts.env ?? process.env;
    this.home = expandHome(this.env.PREFECT_HOME || "~/.prefect");
    this.profilesPath = expandHome(
      (this.env.PREFECT_PROFILES_PATH || join(this.home, "profiles.toml"))
        .replaceAll("$PREFECT_HOME", this.home)
        .replaceAll("${PREFECT_HOME}", this.home),
    );
    this.profiles = readProfiles(this.profilesPath);
    let name = this.profiles.active;
    let origin = "in the profiles file";
    if (this.env.PREFECT_PROFILE) [name, origin] = [this.env.PREFECT_PROFILE, "by environment variable"];
    if (opts.profile) [name, origin] = [opts.profile, "by command line argument"];
    if (!(name in this.profiles.profiles)) {
      if (opts.profile) throw new AppError("invalid", `Profile '${name}' not found.`);
      this.profileWarning = `Active profile '${name}' set ${origin} not found. The default profile will be used instead.`;
      name = "ephemeral";
      this.profiles.profiles[name] ??= {};
    }
    this.profileName = name;
  }

  get profile(): Record<string, string> {
    return this.profiles.profiles[this.profileName];
  }

  /** Where a setting's value comes from, without parsing it. */
  resolve(name: string): ResolvedValue {
    const def = findSetting(name);
    if (!def) throw new AppError("invalid", `Unknown setting name '${name}'.`);
    const keys = [def.name, ...def.aliases];
    for (const key of keys) {
      const v = this.env[key];
      if (v !== undefined && v !== "") return { def, raw: v, source: "env", key };
    }
    for (const key of keys) {
      const v = this.profile[key];
      if (v !== undefined) return { def, raw: v, source: "profile", key };
    }
    return { def, raw: this.defaultOf(def), source: "defaults", key: def.name };
  }

  defaultOf(def: SettingDef): string | null {
    if (def.default === null) return null;
    return def.default.replaceAll("${PREFECT_HOME}", this.home);
  }

  /** The typed value; invalid input is an AppError naming the setting and its source. */
  get<T extends SettingValue = SettingValue>(name: string): T {
    const r = this.resolve(name);
    if (r.raw === null) return null as T;
    if (r.def.name === "PREFECT_HOME") return this.home as T;
    if (r.def.name === "PREFECT_PROFILES_PATH") return this.profilesPath as T;
    try {
      const v = parseSettingValue(r.def, r.raw);
      return (r.def.type === "path" && typeof v === "string" ? expandHome(v) : v) as T;
    } catch (e) {
      const where =
        r.source === "env"
          ? `environment variable ${r.key}`
          : r.source === "profile"
            ? `profile '${this.profileName}'`
            : "defaults";
      throw new AppError("invalid", `${(e as Error).message} (from ${where})`);
    }
  }

  /** Values that are set somewhere other than the defaults, sorted by name. */
  explicit(): ResolvedValue[] {
    return SETTINGS.map((d) => this.resolve(d.name)).filter((r) => r.source !== "defaults");
  }
}

export function expandHome(p: string): string {
  if (p === "~") return homedir();
  if (p.startsWith("~/")) return join(homedir(), p.slice(2));
  return resolve(p);
}
