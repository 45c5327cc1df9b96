// A JSON object whose shape a request model has already checked (api/filter-models.ts and friends):
// filter bodies are read key by key by the SQL builders. The one deliberate `any` of src/, so reading a
// nested operand needs no cast at every step; typed filter definitions will replace it.
// biome-ignore lint/suspicious/noExplicitAny: see above.
export type JsonObject = Record<string, any>;
