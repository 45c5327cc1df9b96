import type { PropsWithChildren } from "@kitajs/html";

// The page frame: head, navigation and the embedded scripts. Pure: a function of its props.
export interface LayoutProps {
  title: string;
  /** Which nav entry is current. */
  section?:
    | "dashboard"
    | "runs"
    | "flows"
    | "deployments"
    | "work-pools"
    | "variables"
    | "notifications"
    | "automations"
    | "artifacts"
    | "blocks"
    | "concurrency"
    | "events"
    | "settings";
  /** The dashboard's CSRF token: htmx sends it as a header on every request it makes. */
  csrfToken?: string;
}

const NAV: Array<[LayoutProps["section"], string, string]> = [
  ["dashboard", "/", "Dashboard"],
  ["runs", "/runs", "Flow runs"],
  ["flows", "/flows", "Flows"],
  ["deployments", "/deployments", "Deployments"],
  ["work-pools", "/work-pools", "Work pools"],
  ["blocks", "/blocks", "Blocks"],
  ["variables", "/variables", "Variables"],
  ["notifications", "/notifications", "Notifications"],
  ["automations", "/automations", "Automations"],
  ["artifacts", "/artifacts", "Artifacts"],
  ["concurrency", "/concurrency", "Concurrency"],
  ["events", "/events", "Events"],
  ["settings", "/settings", "Settings"],
];

export function Layout({ title, section, csrfToken, children }: PropsWithChildren<LayoutProps>) {
  return (
    <>
      {"<!doctype html>"}
      <html lang="en">
        <head>
          <meta charset="utf-8" />
          <meta name="viewport" content="width=device-width, initial-scale=1" />
          <title safe>{`${title} · prefect-lite`}</title>
          <link rel="icon" href="data:," />
          <link rel="stylesheet" href="/static/app.css" />
          <script src="/static/htmx.min.js" defer></script>
          <script src="/static/app.js" defer></script>
        </head>
        {/* htmx 4 does not pass attributes down unless they say ":inherited". */}
        <body {...{ "hx-headers:inherited": csrfToken ? JSON.stringify({ "X-CSRF-Token": csrfToken }) : undefined }}>
          <a class="skip" href="#main">
            Skip to content
          </a>
          <header class="top">
            <a class="brand" href="/">
              prefect-lite
            </a>
            <nav aria-label="Main">
              {NAV.map(([key, href, label]) => (
                <a href={href} aria-current={key === section ? "page" : undefined} safe>
                  {label}
                </a>
              ))}
            </nav>
          </header>
          <main id="main">{children}</main>
        </body>
      </html>
    </>
  );
}
