// Variable request models (Prefect's VariableCreate / VariableUpdate) and Prefect's rules for them: a
// name of lowercase letters, digits, dashes and underscores up to 255 characters, and a value of any
// JSON whose compact serialisation stays within 5,000 bytes (prefect/types: MAX_VARIABLE_VALUE_LENGTH).
import { type Static, t } from "elysia";
import { invalidFields } from "../core/errors.ts";
import { Nullable } from "./common.ts";

export const MAX_VARIABLE_NAME_LENGTH = 255;
export const MAX_VARIABLE_VALUE_LENGTH = 5_000;
const NAME = /^[a-z0-9_-]*$/;
const Tags = t.Array(t.String({ maxLength: 1_000 }), { maxItems: 1_000 });

export const VariableCreateModel = t.Object(
  // tags may be left out but not null (Prefect's list[str]); an update may send null for "unchanged".
  { name: t.String(), value: t.Unknown(), tags: t.Optional(Tags) },
  // Prefect's action models forbid other keys.
  { additionalProperties: false },
);

export const VariableUpdateModel = t.Object(
  { name: t.Optional(Nullable(t.String())), value: t.Optional(t.Unknown()), tags: t.Optional(Nullable(Tags)) },
  { additionalProperties: false },
);

export type VariableCreateBody = Static<typeof VariableCreateModel>;
export type VariableUpdateBody = Static<typeof VariableUpdateModel>;

export interface VariableInput {
  name: string;
  value: unknown;
  tags: string[];
}

/** The columns an update names (absent: unchanged). */
export interface VariablePatch {
  name?: string;
  value?: unknown;
  tags?: string[];
}

const fail = (field: string, msg: string): never => {
  throw invalidFields(msg, [{ path: [field], msg: `Value error, ${msg}`, type: "value_error" }]);
};

/** Prefect's VariableName: the characters it allows and its length. */
export function checkVariableName(name: string, field = "name"): string {
  if (name.length > MAX_VARIABLE_NAME_LENGTH)
    throw invalidFields(`String should have at most ${MAX_VARIABLE_NAME_LENGTH} characters`, [
      {
        path: [field],
        msg: `String should have at most ${MAX_VARIABLE_NAME_LENGTH} characters`,
        type: "string_too_long",
      },
    ]);
  if (!NAME.test(name))
    fail(field, "Variable name must only contain lowercase letters, numbers, and dashes or underscores.");
  return name;
}

/** Prefect's check_variable_value: serialisable, and at most 5,000 bytes once serialised. */
export function checkVariableValue(value: unknown, field = "value"): unknown {
  const text = JSON.stringify(value ?? null);
  if (value !== null && value !== undefined && Buffer.byteLength(text) > MAX_VARIABLE_VALUE_LENGTH)
    fail(field, `Variable value must be less than ${MAX_VARIABLE_VALUE_LENGTH} characters`);
  return value ?? null;
}

export function variableInputOf(body: VariableCreateBody): VariableInput {
  return { name: checkVariableName(body.name), value: checkVariableValue(body.value), tags: body.tags ?? [] };
}

/**
 * An update as Prefect's model_dump_for_orm(exclude_unset=True) writes it: a key sent is written, a
 * null name or tags is as good as absent (both columns are NOT NULL), a null value is stored as null.
 */
export function variablePatchOf(body: VariableUpdateBody): VariablePatch {
  const patch: VariablePatch = {};
  if (body.name !== undefined && body.name !== null) patch.name = checkVariableName(body.name);
  if ("value" in body) patch.value = checkVariableValue(body.value);
  if (body.tags !== undefined && body.tags !== null) patch.tags = body.tags;
  return patch;
}
