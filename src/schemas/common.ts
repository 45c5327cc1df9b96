// Pieces every request model uses.
import { t } from "elysia";
import type { TRecord, TSchema, TString } from "@sinclair/typebox";

export const Nullable = <T extends Parameters<typeof t.Union>[0][number]>(s: T) => t.Union([s, t.Null()]);
export const Uuid = t.String({ format: "uuid", error: "Input should be a valid UUID" });
/** Log levels and other integer columns: PostgreSQL's integer is 32 bits. */
export const Int32 = t.Integer({ minimum: -(2 ** 31), maximum: 2 ** 31 - 1 });
/** Any JSON object (parameters, context, job variables). */
export const Obj = t.Object({}, { additionalProperties: true });

/**
 * A JSON object whose every value fits `value`, whatever its keys. Not t.Record(t.String(), …): its key
 * pattern `^(.*)$` does not match a key with a line break, so such a key's value went unchecked (the
 * fuzzer stored a label `{"a\nb": []}` that the response model then refused).
 */
export const StringMap = <T extends TSchema>(value: T) =>
  t.Object({}, { additionalProperties: value }) as unknown as TRecord<TString, T>;
