// Errors are values with a known kind. Lower layers throw AppError; the HTTP layer (api/errors.ts) and
// the CLI (cli/run.ts) each turn a kind into their own shape exactly once.

export type ErrorKind =
  | "not_found" // 404
  | "conflict" // 409
  | "invalid" // 422 (input that parsed but cannot be accepted)
  | "bad_request" // 400
  | "locked" // 423
  | "unauthorised" // 401
  | "forbidden" // 403
  | "gone" // 410
  | "payload_too_large" // 413
  | "unsupported_media_type" // 415
  | "unavailable" // 503
  | "not_implemented"; // 501

export class AppError extends Error {
  constructor(
    readonly kind: ErrorKind,
    message: string,
    /** Extra structured detail (validation issues, the closest names, …). */
    readonly detail?: unknown,
  ) {
    super(message);
    this.name = "AppError";
  }
}

/**
 * A field of the input that cannot be accepted, named by its path inside what the caller sent (["limit"],
 * ["filter", "occurred", "since"]). The HTTP layer places it in the request (its body or query); lower
 * layers never build HTTP shapes.
 */
export interface FieldIssue {
  path: Array<string | number>;
  msg: string;
  type: string;
}

export interface FieldIssues {
  fields: FieldIssue[];
}

export const isFieldIssues = (d: unknown): d is FieldIssues =>
  typeof d === "object" && d !== null && Array.isArray((d as FieldIssues).fields);

/** An invalid input with the fields that make it so. */
export const invalidFields = (message: string, fields: FieldIssue[]) =>
  new AppError("invalid", message, { fields } satisfies FieldIssues);

export const notFound = (what: string) => new AppError("not_found", `${what} not found.`);
export const invalid = (message: string, detail?: unknown) => new AppError("invalid", message, detail);
export const conflict = (message: string) => new AppError("conflict", message);

/** Prefect's body for a violated unique or foreign key (the SDK only looks at the 409). */
export const DATA_INTEGRITY_MESSAGE =
  "Data integrity conflict. This usually means a unique or foreign key constraint was violated. See server logs for details.";
export const integrityConflict = () => new AppError("conflict", DATA_INTEGRITY_MESSAGE);
