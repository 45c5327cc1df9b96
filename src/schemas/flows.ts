// Flow request models: the bodies of POST /flows/ and PATCH /flows/{id}, and the store's input types.
import { type Static, t } from "elysia";
import { Labels } from "./runs.ts";

export const FlowCreateModel = t.Object(
  { name: t.String({ minLength: 1 }), tags: t.Optional(t.Array(t.String())), labels: t.Optional(Labels) },
  { additionalProperties: true },
);

export const FlowUpdateModel = t.Object(
  { tags: t.Optional(t.Array(t.String())), labels: t.Optional(Labels) },
  { additionalProperties: true },
);

export type FlowCreate = Static<typeof FlowCreateModel>;
/** An update with null labels already made empty, as Prefect's model casts them. */
export type FlowUpdate = Omit<Static<typeof FlowUpdateModel>, "labels"> & {
  labels?: Record<string, string | number | boolean>;
};
