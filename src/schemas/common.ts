// Pieces every request model uses.
import { t } from "elysia";

export const Nullable = <T extends Parameters<typeof t.Union>[0][number]>(s: T) => t.Union([s, t.Null()]);
export const Uuid = t.String({ format: "uuid", error: "Input should be a valid UUID" });
/** Log levels and other integer columns: PostgreSQL's integer is 32 bits. */
export const Int32 = t.Integer({ minimum: -(2 ** 31), maximum: 2 ** 31 - 1 });
/** Any JSON object (parameters, context, job variables). */
export const Obj = t.Object({}, { additionalProperties: true });
