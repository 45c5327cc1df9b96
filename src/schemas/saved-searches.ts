// Saved search request model (Prefect's SavedSearchCreate): a name and the dashboard filters it keeps,
// each an object, a property of it, the property's type, an operation and a JSON value.
import { type Static, t } from "elysia";

const SavedSearchFilter = t.Object(
  {
    object: t.String(),
    property: t.String(),
    type: t.String(),
    operation: t.String(),
    value: t.Unknown(),
  },
  { additionalProperties: true },
);

export const SavedSearchCreateModel = t.Object(
  {
    name: t.String({ maxLength: 10_000 }),
    // A list or absent: Prefect refuses null.
    filters: t.Optional(t.Array(SavedSearchFilter, { maxItems: 1_000 })),
  },
  // Prefect's action models forbid other keys.
  { additionalProperties: false },
);

export type SavedSearchCreateBody = Static<typeof SavedSearchCreateModel>;
export type SavedSearchFilterJson = Static<typeof SavedSearchFilter>;
