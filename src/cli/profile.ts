// `prefect-lite profile ls|create|use|delete|inspect`, over the profiles file the SDK shares.
import { defineCommand } from "citty";
import { consola } from "consola";
import { SECRET_MASK, findSetting } from "../settings/registry.ts";
import { touchProfile, writeProfiles } from "../settings/profiles.ts";
import { maskCredentials } from "../core/redact.ts";
import { CliError, guarded, loadSettings, print } from "./context.ts";

const nameArg = { name: { type: "positional" as const, description: "profile name", required: true } };

const ls = defineCommand({
  meta: { name: "ls", description: "List profiles; the active one is marked *" },
  run: guarded(() => {
    const settings = loadSettings();
    print("Available Profiles:");
    for (const name of Object.keys(settings.profiles.profiles))
      print(name === settings.profileName ? `* ${name}` : `  ${name}`);
    print("   * active profile");
  }),
});

const create = defineCommand({
  meta: { name: "create", description: "Create a profile, optionally copying another" },
  args: { ...nameArg, from: { type: "string", alias: "f", description: "profile to copy settings from" } },
  run: guarded(({ args }) => {
    const name = args.name as string;
    const settings = loadSettings();
    const { profiles } = settings.profiles;
    if (name in profiles && !settings.profiles.packaged.has(name)) {
      throw new CliError(
        `Profile '${name}' already exists.\nTo create a new profile, remove the existing profile first:\n\n    prefect-lite profile delete '${name}'`,
      );
    }
    if (args.from && !(args.from in profiles)) throw new CliError(`Profile '${args.from}' not found.`);
    touchProfile(settings.profiles, name);
    profiles[name] = args.from ? { ...profiles[args.from] } : {};
    writeProfiles(settings.profilesPath, settings.profiles);
    print(
      [
        "Created profile with properties:",
        `    name - '${name}'`,
        `    from name - ${args.from ? `'${args.from}'` : "None"}`,
        "",
        "Use created profile for future, subsequent commands:",
        `    prefect-lite profile use '${name}'`,
        "",
        "Use created profile temporarily for a single command:",
        `    prefect-lite -p '${name}' config view`,
      ].join("\n"),
    );
  }),
});

const use = defineCommand({
  meta: { name: "use", description: "Make a profile the active one and check that its API answers" },
  args: nameArg,
  run: guarded(async ({ args }) => {
    const name = args.name as string;
    const settings = loadSettings();
    if (!(name in settings.profiles.profiles)) throw new CliError(`Profile '${name}' not found.`);
    settings.profiles.active = name;
    touchProfile(settings.profiles, name);
    writeProfiles(settings.profilesPath, settings.profiles);
    const profile = settings.profiles.profiles[name];
    const apiUrl = settings.env.PREFECT_API_URL || profile.PREFECT_API_URL;
    if (!apiUrl) {
      consola.info(`No Prefect server specified using profile '${name}' - the API will run in ephemeral mode.`);
      return;
    }
    const auth = settings.env.PREFECT_API_AUTH_STRING || profile.PREFECT_API_AUTH_STRING;
    const ok = await fetch(`${apiUrl.replace(/\/+$/, "")}/health`, {
      signal: AbortSignal.timeout(3000),
      headers: auth ? { authorization: `Basic ${Buffer.from(auth).toString("base64")}` } : {},
    })
      .then((r) => r.ok)
      .catch(() => false);
    if (!ok) throw new CliError(`Error connecting to Prefect server using profile '${name}'`);
    consola.success(`Connected to Prefect server using profile '${name}'`);
  }),
});

const del = defineCommand({
  meta: { name: "delete", description: "Delete a profile (not the active one)" },
  args: nameArg,
  run: guarded(({ args }) => {
    const name = args.name as string;
    const settings = loadSettings();
    if (!(name in settings.profiles.profiles)) throw new CliError(`Profile '${name}' not found.`);
    if (settings.profiles.active === name) {
      throw new CliError(`Profile '${name}' is the active profile. You must switch profiles before it can be deleted.`);
    }
    delete settings.profiles.profiles[name];
    settings.profiles.packaged.delete(name);
    writeProfiles(settings.profilesPath, settings.profiles);
    consola.success(`Removed profile '${name}'.`);
  }),
});

const inspect = defineCommand({
  meta: { name: "inspect", description: "Show the settings stored in a profile (the active one by default)" },
  args: { name: { type: "positional", description: "profile name", required: false } },
  run: guarded(({ args }) => {
    const settings = loadSettings();
    const name = args.name || settings.profileName;
    const profile = settings.profiles.profiles[name];
    if (!profile) throw new CliError(`Profile '${name}' not found.`);
    const entries = Object.entries(profile);
    if (!entries.length) return print(`Profile '${name}' is empty.`);
    for (const [k, v] of entries) print(`${k}='${findSetting(k)?.secret ? SECRET_MASK : maskCredentials(v)}'`);
  }),
});

export default defineCommand({
  meta: { name: "profile", description: "Manage profiles in the profiles file shared with the Prefect SDK" },
  subCommands: { ls, create, use, delete: del, inspect },
});
