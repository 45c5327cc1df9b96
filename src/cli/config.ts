// `prefect-lite config set|unset|view`: the same profile file and the same messages as `prefect config`.
import { defineCommand } from "citty";
import { consola } from "consola";
import { closest, distance } from "fastest-levenshtein";
import { findSetting, allSettingNames, SECRET_MASK, SETTINGS, type SettingDef } from "../settings/registry.ts";
import { touchProfile, writeProfiles } from "../settings/profiles.ts";
import { parseSettingValue } from "../settings/values.ts";
import type { Settings } from "../settings/sources.ts";
import { maskCredentials } from "../core/redact.ts";
import { CliError, guarded, loadSettings, print } from "./context.ts";

/** Looks a name up, or fails naming the closest known settings. */
export function requireSetting(name: string): SettingDef {
  const def = findSetting(name);
  if (def) return def;
  const names = allSettingNames();
  const upper = name.toUpperCase();
  const near = names
    .map((n) => ({ n, d: distance(upper, n) }))
    .filter((x) => x.d <= Math.max(3, Math.floor(upper.length / 3)) || x.n.includes(upper.replace(/^PREFECT_/, "")))
    .sort((a, b) => a.d - b.d)
    .slice(0, 3)
    .map((x) => x.n);
  const suggestions = near.length ? near : [closest(upper, names)];
  throw new CliError(`Unknown setting name '${name}'. Did you mean ${suggestions.map((s) => `'${s}'`).join(", ")}?`);
}

/** A secret prints as stars; any other value that quotes a URL with a password hides the password. */
const show = (def: SettingDef | undefined, value: string | null, showSecrets: boolean) =>
  showSecrets || value === null ? String(value) : def?.secret ? SECRET_MASK : maskCredentials(value);

const set = defineCommand({
  meta: { name: "set", description: "Set settings in the current profile: config set KEY=VALUE [KEY=VALUE…]" },
  args: { settings: { type: "positional", description: "KEY=VALUE pairs", required: true } },
  run: guarded(({ rawArgs }: { rawArgs: string[] }) => {
    const pairs = rawArgs.filter((a) => !a.startsWith("-"));
    if (!pairs.length) throw new CliError("Nothing to set. Use the format 'VAR=VAL'.");
    const settings = loadSettings();
    // Validate everything before writing anything: one bad pair leaves the file untouched.
    const parsed = pairs.map((pair) => {
      const i = pair.indexOf("=");
      if (i <= 0) throw new CliError(`Failed to parse argument '${pair}'. Use the format 'VAR=VAL'.`);
      const def = requireSetting(pair.slice(0, i));
      if (def.envOnly)
        throw new CliError(
          `Setting '${def.name}' cannot be changed with this command. Use an environment variable instead.`,
        );
      const value = pair.slice(i + 1);
      parseSettingValue(def, value);
      return { def, value };
    });
    const profile = touchProfile(settings.profiles, settings.profileName);
    for (const { def, value } of parsed) {
      for (const alias of def.aliases) delete profile[alias];
      profile[def.name] = value;
    }
    writeProfiles(settings.profilesPath, settings.profiles);
    for (const { def, value } of parsed) {
      print(`Set '${def.name}' to '${show(def, value, false)}'.`);
      warnIfEnv(settings, def);
    }
    consola.success(`Updated profile '${settings.profileName}'.`);
  }),
});

function warnIfEnv(settings: Settings, def: SettingDef) {
  const key = [def.name, ...def.aliases].find((k) => settings.env[k] !== undefined);
  if (key)
    consola.warn(
      `${key} is also set by an environment variable which will override your config value. Run \`unset ${key}\` to clear it.`,
    );
}

const unset = defineCommand({
  meta: { name: "unset", description: "Remove settings from the current profile: config unset KEY [KEY…]" },
  args: {
    settings: { type: "positional", description: "setting names", required: true },
    yes: { type: "boolean", alias: "y", description: "Do not ask for confirmation" },
  },
  run: guarded(({ rawArgs }: { rawArgs: string[] }) => {
    const names = rawArgs.filter((a) => !a.startsWith("-"));
    const settings = loadSettings();
    const profile = settings.profile;
    const defs = names.map((n) => {
      const def = requireSetting(n);
      if (![def.name, ...def.aliases].some((k) => k in profile))
        throw new CliError(`'${def.name}' is not set in profile '${settings.profileName}'.`);
      return def;
    });
    touchProfile(settings.profiles, settings.profileName);
    for (const def of defs) for (const k of [def.name, ...def.aliases]) delete profile[k];
    writeProfiles(settings.profilesPath, settings.profiles);
    for (const def of defs) {
      print(`Unset '${def.name}'.`);
      warnIfEnv(settings, def);
    }
    consola.success(`Updated profile '${settings.profileName}'.`);
  }),
});

const view = defineCommand({
  meta: { name: "view", description: "Show the settings in effect and where each comes from" },
  args: {
    "show-defaults": { type: "boolean", default: false, description: "Also list settings left at their defaults" },
    "show-sources": {
      type: "boolean",
      default: true,
      description: "Tag each value with (from env|profile|defaults); --no-show-sources hides them",
    },
    "hide-sources": { type: "boolean", default: false, description: "Same as --no-show-sources" },
    "show-secrets": { type: "boolean", default: false, description: "Print secret values instead of ********" },
  },
  run: guarded(({ args }) => {
    const settings = loadSettings();
    const showSources = args["show-sources"] && !args["hide-sources"];
    const lines: Array<[string, string]> = [];
    const seen = new Set<string>();
    for (const def of SETTINGS) {
      const r = settings.resolve(def.name);
      seen.add(def.name);
      for (const a of def.aliases) seen.add(a);
      if (r.source === "defaults" && !args["show-defaults"]) continue;
      if (r.source === "defaults" && r.raw === null && def.default === null) {
        lines.push([def.name, `${def.name}='None'${showSources ? " (from defaults)" : ""}`]);
        continue;
      }
      lines.push([
        def.name,
        `${def.name}='${show(def, r.raw, args["show-secrets"])}'${showSources ? ` (from ${r.source})` : ""}`,
      ]);
    }
    // Keys in the profile that only the SDK knows are still the user's settings: show them too.
    for (const [key, value] of Object.entries(settings.profile)) {
      if (seen.has(key)) continue;
      const fromEnv = settings.env[key];
      const [v, src] = fromEnv !== undefined ? [fromEnv, "env"] : [value, "profile"];
      lines.push([
        key,
        `${key}='${show(undefined, v ?? null, args["show-secrets"])}'${showSources ? ` (from ${src})` : ""}`,
      ]);
    }
    const apiUrl = settings.resolve("PREFECT_API_URL").raw;
    if (apiUrl) {
      print("🚀 you are connected to:");
      print(maskCredentials(settings.resolve("PREFECT_UI_URL").raw ?? apiUrl.replace(/\/api\/?$/, "")));
    }
    print(`PREFECT_PROFILE='${settings.profileName}'`);
    for (const [, line] of lines.sort((a, b) => a[0].localeCompare(b[0]))) print(line);
  }),
});

export default defineCommand({
  meta: { name: "config", description: "View and change settings in the current profile" },
  subCommands: { set, unset, view },
});
