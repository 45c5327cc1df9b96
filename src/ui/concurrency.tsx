// The dashboard's Concurrency page: global and tag limits with their holders, and the forms that create,
// change, activate, reset and delete them. Reads and writes go through the concurrency-limit stores; a
// form with any bad field writes nothing and comes back (422) with the problems by their fields.
import { Elysia, t } from "elysia";
import {
  ConcurrencyPage,
  type FormProblem,
  type HolderView,
  type LimitView,
  type TagLimitView,
} from "../../views/pages/concurrency.tsx";
import { AppError } from "../core/errors.ts";
import { classifyDbError } from "../db/errors.ts";
import type { Holder } from "../store/concurrency-slots.ts";
import { TAG_PREFIX } from "../store/concurrency-limits.ts";
import type { UiDeps } from "./deps.ts";
import { html } from "./html.ts";
import { wholeNumber } from "./work-pools.tsx";

/** Limits shown: far more than anyone keeps, and a bound on the page's size. */
const MAX_LIMITS = 500;
const Form = t.Optional(t.Object({ csrf: t.Optional(t.String()) }, { additionalProperties: true }));
const BANNED = /[/%&><]/;
const LIMIT = { min: 0, empty: "Enter a limit: 0 or more.", negative: "A limit cannot be negative: enter 0 or more." };

const back = (notice: string) => Response.redirect(`/concurrency?notice=${encodeURIComponent(notice)}`, 303);
const text = (body: Record<string, unknown>, key: string) =>
  typeof body[key] === "string" ? (body[key] as string) : "";

function decayOf(raw: string): { value: number; error?: undefined } | { value?: undefined; error: string } {
  const s = raw.trim();
  if (s === "") return { value: 0 };
  const n = Number(s);
  if (!Number.isFinite(n) || !/^[0-9.eE+-]+$/.test(s)) return { error: "Enter a number of slots per second." };
  if (n < 0) return { error: "A decay cannot be negative: 0 for none." };
  if (n > 1e9) return { error: "Must be at most 1000000000." };
  return { value: n };
}

function nameProblem(name: string, what: string): string | undefined {
  if (!name.trim()) return `Enter a ${what}.`;
  if (name.length > 1000) return `A ${what} is at most 1000 characters.`;
  if (BANNED.test(name)) return `A ${what} must not contain any of: / % & > <`;
  return undefined;
}

const holderView = (h: Holder): HolderView => ({
  leaseId: h.lease_id,
  type: h.holder?.type ?? null,
  id: h.holder?.id ?? null,
  slots: h.slots,
  expiration: h.expiration,
});

export function concurrencyPages(deps: UiDeps) {
  const { stores, csrf } = deps;
  const v2 = stores.concurrencyLimitsV2;

  async function page(extra: { notice?: string; problem?: FormProblem } = {}) {
    const all = await v2.filter({ limit: MAX_LIMITS, offset: 0 });
    const holders = await v2.holders(all.map((l) => l.id));
    const limits: LimitView[] = [];
    const tags: TagLimitView[] = [];
    for (const l of all) {
      const held = (holders.get(l.id) ?? []).map(holderView);
      if (l.name.startsWith(TAG_PREFIX))
        tags.push({
          id: l.id,
          tag: l.name.slice(TAG_PREFIX.length),
          limit: l.limit,
          activeSlots: l.active_slots,
          holders: held,
        });
      else
        limits.push({
          id: l.id,
          name: l.name,
          limit: l.limit,
          activeSlots: l.active_slots,
          slotDecayPerSecond: l.slot_decay_per_second,
          active: l.active,
          holders: held,
        });
    }
    return (
      <ConcurrencyPage
        limits={limits}
        tags={tags}
        notice={extra.notice}
        problem={extra.problem}
        csrfToken={csrf.token}
      />
    );
  }

  const refused = async (problem: FormProblem) => html(await page({ problem }), 422);

  async function limitOf(id: string) {
    const l = await v2.row(id);
    if (!l) throw new AppError("not_found", "Concurrency limit not found.");
    return l;
  }

  /** A unique name already taken comes back as the form's problem, not an error page. */
  async function orTaken<T>(work: () => Promise<T>, problem: FormProblem, field: string): Promise<T | Response> {
    try {
      return await work();
    } catch (e) {
      if (classifyDbError(e)?.kind === "conflict")
        return refused({ ...problem, errors: { [field]: "A limit with this name already exists." } });
      throw e;
    }
  }

  return new Elysia({ name: "ui.concurrency" })
    .get("/concurrency", async ({ query }) => html(await page({ notice: query.notice })))
    .post(
      "/concurrency/limits",
      async ({ body, request }) => {
        csrf.check(request, body);
        const form = (body ?? {}) as Record<string, unknown>;
        const values = {
          name: text(form, "name"),
          limit: text(form, "limit"),
          slot_decay_per_second: text(form, "slot_decay_per_second"),
        };
        const limit = wholeNumber(values.limit, LIMIT);
        const decay = decayOf(values.slot_decay_per_second);
        const errors: Record<string, string> = {};
        const nameError = nameProblem(values.name, "name");
        if (nameError) errors.name = nameError;
        if (limit.error !== undefined) errors.limit = limit.error;
        if (decay.error !== undefined) errors.slot_decay_per_second = decay.error;
        const problem = { form: "create-limit", values, errors };
        if (Object.keys(errors).length) return refused(problem);
        const name = values.name.trim();
        const made = await orTaken(
          () => v2.create({ name, limit: limit.value!, slot_decay_per_second: decay.value }),
          problem,
          "name",
        );
        return made instanceof Response ? made : back(`Concurrency limit "${name}" created.`);
      },
      { body: Form },
    )
    .post(
      "/concurrency/tags",
      async ({ body, request }) => {
        csrf.check(request, body);
        const form = (body ?? {}) as Record<string, unknown>;
        const values = { tag: text(form, "tag"), limit: text(form, "limit") };
        const limit = wholeNumber(values.limit, LIMIT);
        const errors: Record<string, string> = {};
        if (!values.tag.trim()) errors.tag = "Enter a tag.";
        else if (values.tag.length > 1000) errors.tag = "A tag is at most 1000 characters.";
        if (limit.error !== undefined) errors.limit = limit.error;
        if (Object.keys(errors).length) return refused({ form: "create-tag", values, errors });
        const tag = values.tag.trim();
        const out = await stores.concurrencyLimits.create(tag, limit.value!);
        return back(out.created ? `Tag limit "${tag}" created.` : `Tag limit "${tag}" set to ${limit.value}.`);
      },
      { body: Form },
    )
    .post(
      "/concurrency/limits/:id/edit",
      async ({ params, body, request }) => {
        csrf.check(request, body);
        const current = await limitOf(params.id);
        const form = (body ?? {}) as Record<string, unknown>;
        const tagged = current.name.startsWith(TAG_PREFIX);
        const values = { limit: text(form, "limit"), slot_decay_per_second: text(form, "slot_decay_per_second") };
        const limit = wholeNumber(values.limit, LIMIT);
        const decay = tagged ? { value: undefined, error: undefined } : decayOf(values.slot_decay_per_second);
        const errors: Record<string, string> = {};
        if (limit.error !== undefined) errors.limit = limit.error;
        if (decay.error !== undefined) errors.slot_decay_per_second = decay.error;
        if (Object.keys(errors).length) return refused({ form: `edit-${current.id}`, values, errors });
        await v2.update(current.id, { limit: limit.value, slot_decay_per_second: decay.value });
        return back(`Concurrency limit "${current.name}" set to ${limit.value}.`);
      },
      { body: Form },
    )
    .post(
      "/concurrency/limits/:id/active",
      async ({ params, body, request }) => {
        csrf.check(request, body);
        const current = await limitOf(params.id);
        const active = text((body ?? {}) as Record<string, unknown>, "active") === "true";
        await v2.update(current.id, { active });
        return back(`Concurrency limit "${current.name}" ${active ? "activated" : "deactivated"}.`);
      },
      { body: Form },
    )
    .post(
      "/concurrency/limits/:id/delete",
      async ({ params, body, request }) => {
        csrf.check(request, body);
        const current = await limitOf(params.id);
        await v2.delete(current.id);
        return back(`Concurrency limit "${current.name}" deleted.`);
      },
      { body: Form },
    )
    .post(
      "/concurrency/tags/:tag/reset",
      async ({ params, body, request }) => {
        csrf.check(request, body);
        const tag = decodeURIComponent(params.tag);
        if (!(await stores.concurrencyLimits.reset(tag, [])))
          throw new AppError("not_found", `No concurrency limit for tag "${tag}".`);
        return back(`Tag limit "${tag}" reset: no task run holds a slot.`);
      },
      { body: Form },
    );
}
