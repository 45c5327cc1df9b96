// Dashboard forms carry a token only this server process hands out (in the page and as an htmx header),
// so another site cannot make a signed-in browser cancel or delete runs.
import { AppError } from "../core/errors.ts";
import { safeEqual } from "../core/safe-equal.ts";

export function dashboardCsrf() {
  const token = Buffer.from(crypto.getRandomValues(new Uint8Array(24))).toString("base64url");
  return {
    token,
    check(request: Request, body: unknown) {
      const sent =
        request.headers.get("x-csrf-token") ??
        (body && typeof body === "object" ? String((body as Record<string, unknown>).csrf ?? "") : "");
      if (!safeEqual(sent, token))
        throw new AppError("forbidden", "Invalid CSRF token: reload the page and try again.");
    },
  };
}

export type DashboardCsrf = ReturnType<typeof dashboardCsrf>;
