// /api/flow_run_notification_policies: Prefect 2.x's notification policies (create, read, update,
// filter, delete) for 2.x clients, each stored as the automation Prefect's 3.4 migration would make of
// it (schemas/notification-policies.ts), so the policy's notifications go through the same triggers,
// queue and deliveries as every automation, and the SDK and CLI see it as one.
import { Elysia, t } from "elysia";
import { AppError, integrityConflict } from "../core/errors.ts";
import type { AutomationChanges } from "../orchestration/automations.ts";
import { Uuid } from "../schemas/common.ts";
import {
  checkPolicyTemplate,
  POLICY_TAG,
  type PolicyFields,
  policyAutomation,
  policyOf,
} from "../schemas/notification-policies.ts";
import type { AutomationJson, AutomationsStore } from "../store/automations.ts";
import type { BlockDocumentsStore } from "../store/block-documents.ts";
import { IdParams, json, noContent } from "./common.ts";

const Strings = t.Array(t.String(), { maxItems: 1_000 });
const CreateModel = t.Object(
  {
    is_active: t.Optional(t.Boolean()),
    state_names: Strings,
    tags: Strings,
    block_document_id: Uuid,
    message_template: t.Optional(t.Union([t.String(), t.Null()])),
  },
  { additionalProperties: false },
);
const UpdateModel = t.Object(
  {
    is_active: t.Optional(t.Union([t.Boolean(), t.Null()])),
    state_names: t.Optional(t.Union([Strings, t.Null()])),
    tags: t.Optional(t.Union([Strings, t.Null()])),
    block_document_id: t.Optional(t.Union([Uuid, t.Null()])),
    message_template: t.Optional(t.Union([t.String(), t.Null()])),
  },
  { additionalProperties: false },
);
const FilterModel = t.Optional(
  t.Object(
    {
      limit: t.Optional(t.Union([t.Integer({ minimum: 0 }), t.Null()])),
      offset: t.Optional(t.Union([t.Integer({ minimum: 0 }), t.Null()])),
      flow_run_notification_policy_filter: t.Optional(
        t.Union([
          t.Object(
            { is_active: t.Optional(t.Union([t.Object({ eq_: t.Optional(t.Boolean()) }), t.Null()])) },
            { additionalProperties: true },
          ),
          t.Null(),
        ]),
      ),
    },
    { additionalProperties: true },
  ),
);

const notFound = () => new AppError("not_found", "flow run notification policy not found");

export function flowRunNotificationPoliciesApi(deps: {
  automations: AutomationsStore;
  changes: AutomationChanges;
  blocks: BlockDocumentsStore;
  maxLimit: number;
}) {
  const { automations, changes, blocks, maxLimit } = deps;
  const isPolicy = (a: AutomationJson | null): a is AutomationJson => Boolean(a?.tags.includes(POLICY_TAG));
  const read = async (id: string) => {
    const a = await automations.get(id);
    if (!isPolicy(a)) throw notFound();
    return a;
  };
  const blockExists = async (id: string) => {
    if (!(await blocks.get(id))) throw integrityConflict();
  };
  return new Elysia({ name: "api.flow-run-notification-policies", prefix: "/flow_run_notification_policies" })
    .post(
      "/",
      async ({ body }) => {
        const fields: PolicyFields = {
          is_active: body.is_active ?? true,
          state_names: body.state_names,
          tags: body.tags,
          block_document_id: body.block_document_id,
          message_template: checkPolicyTemplate(body.message_template ?? null),
        };
        await blockExists(fields.block_document_id);
        const a = await changes.create({ ...policyAutomation(fields), owner_resource: null });
        return json(policyOf(a), 201);
      },
      { body: CreateModel },
    )
    .get("/:id", async ({ params }) => policyOf(await read(params.id)), { params: IdParams })
    .patch(
      "/:id",
      async ({ params, body }) => {
        const a = await automations.get(params.id);
        if (!isPolicy(a))
          throw new AppError("not_found", "Flow run notification policy <built-in function id> not found");
        const current = policyOf(a);
        const next: PolicyFields = {
          is_active: body.is_active ?? current.is_active,
          state_names: body.state_names ?? current.state_names,
          tags: body.tags ?? current.tags,
          block_document_id: body.block_document_id ?? current.block_document_id,
          message_template:
            "message_template" in body ? checkPolicyTemplate(body.message_template ?? null) : current.message_template,
        };
        if (next.block_document_id !== current.block_document_id) await blockExists(next.block_document_id);
        await changes.update(a.id, policyAutomation(next));
        return noContent();
      },
      { params: IdParams, body: UpdateModel },
    )
    .post(
      "/filter",
      async ({ body }) => {
        const limit = Math.min(body?.limit ?? maxLimit, maxLimit);
        const offset = body?.offset ?? 0;
        const f = body?.flow_run_notification_policy_filter;
        // Prefect's quirk: a filter object without is_active means is_active.eq_ = false.
        const active = f ? (f.is_active?.eq_ ?? false) : null;
        const all = await automations.filter(
          { automations: { tags: { all_: [POLICY_TAG] } } },
          {
            limit: 1_000_000,
            offset: 0,
            sort: "NAME_ASC",
          },
        );
        return all
          .map(policyOf)
          .filter((p) => active === null || p.is_active === active)
          .sort((a, b) => a.id.localeCompare(b.id))
          .slice(offset, offset + limit);
      },
      { body: FilterModel },
    )
    .delete(
      "/:id",
      async ({ params }) => {
        await read(params.id);
        await changes.delete(params.id);
        return noContent();
      },
      { params: IdParams },
    );
}
