// The events feed and an event's page.
import { Elysia } from "elysia";
import { EventPage, EventsPage } from "../../views/pages/events.tsx";
import { AppError } from "../core/errors.ts";
import { parseEventFilter } from "../store/event-filters.ts";
import type { UiDeps } from "./deps.ts";
import { html } from "./html.ts";
import { pageNumber, windowStart, WINDOW_OPTIONS, WINDOWS } from "./list-query.ts";
import { isUuid } from "../core/uuid.ts";

const PAGE_SIZE = 50;

export function eventPages(deps: UiDeps) {
  const { stores, csrf } = deps;
  return new Elysia({ name: "ui.events" })
    .get("/events", async ({ query }) => {
      const q = {
        prefix: (query.prefix ?? "").trim(),
        resource: (query.resource ?? "").trim(),
        since: WINDOWS.some(([v]) => v === query.since) ? query.since! : "24h",
      };
      const page = pageNumber(query.page);
      const since = windowStart(q.since);
      const filter = parseEventFilter({
        ...(since ? { occurred: { since } } : {}),
        ...(q.prefix ? { event: { prefix: [q.prefix] } } : {}),
        ...(q.resource ? { any_resource: { id_prefix: [q.resource] } } : {}),
        order: "DESC",
      });
      const events = await stores.events.read(filter, PAGE_SIZE + 1, (page - 1) * PAGE_SIZE);
      return html(
        <EventsPage
          query={q}
          events={events.slice(0, PAGE_SIZE)}
          page={page}
          hasNext={events.length > PAGE_SIZE}
          windows={WINDOW_OPTIONS}
          csrfToken={csrf.token}
        />,
      );
    })
    .get("/events/:id", async ({ params }) => {
      if (!isUuid(params.id)) throw new AppError("not_found", "Event not found");
      const [event] = await stores.events.read(
        parseEventFilter({ id: { id: [params.id] }, occurred: { since: "2000-01-01T00:00:00Z" } }),
        1,
      );
      if (!event) throw new AppError("not_found", "Event not found");
      return html(<EventPage event={event} csrfToken={csrf.token} />);
    });
}
