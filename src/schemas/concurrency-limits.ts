// Request models of both concurrency-limit routers: global (v2) limits (Prefect's ConcurrencyLimitV2Create
// and Update, the increment/decrement bodies with and without a lease, lease renewal) and tag (v1) limits
// (ConcurrencyLimitCreate, reset, the v1 increment/decrement), with the store's input types.
import { type Static, t } from "elysia";
import { Nullable, Uuid } from "./common.ts";

const opt = <T extends Parameters<typeof t.Union>[0][number]>(s: T) => t.Optional(Nullable(s));
/** Counters are PostgreSQL integers. */
const Count = t.Integer({ minimum: 0, maximum: 2 ** 31 - 1 });
const Slots = t.Integer({ minimum: 1, maximum: 2 ** 31 - 1 });
const Decay = t.Number({ minimum: 0, maximum: 1e9 });
const Name = t.String({ minLength: 1, maxLength: 1_000 });
const Names = t.Array(t.String({ maxLength: 1_000 }), { minItems: 1, maxItems: 1_000 });
/** Prefect's lease_duration: one minute to one day. */
export const LeaseDuration = t.Number({ minimum: 60, maximum: 86_400 });
const Mode = t.UnionEnum(["concurrency", "rate_limit"]);
const Holder = t.Object(
  { type: t.UnionEnum(["flow_run", "task_run", "deployment"]), id: Uuid },
  // Prefect's ConcurrencyLeaseHolder forbids other keys.
  { additionalProperties: false },
);

export const LimitV2CreateModel = t.Object(
  {
    active: t.Optional(t.Boolean()),
    name: Name,
    limit: Count,
    active_slots: t.Optional(Count),
    denied_slots: t.Optional(Count),
    slot_decay_per_second: t.Optional(Decay),
  },
  { additionalProperties: true },
);

export const LimitV2UpdateModel = t.Object(
  {
    active: opt(t.Boolean()),
    name: opt(Name),
    limit: opt(Count),
    active_slots: opt(Count),
    denied_slots: opt(Count),
    slot_decay_per_second: opt(Decay),
  },
  { additionalProperties: true },
);

export const IncrementModel = t.Object(
  {
    slots: Slots,
    names: Names,
    mode: t.Optional(Mode),
    create_if_missing: opt(t.Boolean()),
  },
  { additionalProperties: true },
);

export const IncrementWithLeaseModel = t.Object(
  {
    slots: Slots,
    names: Names,
    mode: t.Optional(Mode),
    lease_duration: t.Optional(LeaseDuration),
    holder: opt(Holder),
  },
  { additionalProperties: true },
);

export const DecrementModel = t.Object(
  {
    slots: Slots,
    names: Names,
    occupancy_seconds: opt(t.Number({ exclusiveMinimum: 0, maximum: 1e12 })),
    create_if_missing: opt(t.Boolean()),
  },
  { additionalProperties: true },
);

export const DecrementWithLeaseModel = t.Object({ lease_id: Uuid }, { additionalProperties: true });

export const RenewLeaseModel = t.Optional(
  t.Object({ lease_duration: t.Optional(LeaseDuration) }, { additionalProperties: true }),
);

export const LimitsPageModel = t.Optional(
  t.Object(
    { limit: opt(t.Integer({ minimum: 0 })), offset: opt(t.Integer({ minimum: 0 })) },
    { additionalProperties: true },
  ),
);

// Tag (v1) limits: an adapter over v2 limits named "tag:<tag>".
export const TagLimitCreateModel = t.Object(
  { tag: t.String({ minLength: 1, maxLength: 1_000 }), concurrency_limit: Count },
  { additionalProperties: true },
);

export const TagLimitResetModel = t.Optional(
  t.Object({ slot_override: opt(t.Array(Uuid, { maxItems: 10_000 })) }, { additionalProperties: true }),
);

export const TagSlotsModel = t.Object(
  {
    names: t.Array(t.String({ maxLength: 1_000 }), { maxItems: 1_000 }),
    task_run_id: Uuid,
    occupancy_seconds: opt(t.Number({ minimum: 0, maximum: 1e12 })),
  },
  { additionalProperties: true },
);

export type LimitV2Input = Static<typeof LimitV2CreateModel>;
export type LimitV2Patch = Static<typeof LimitV2UpdateModel>;
