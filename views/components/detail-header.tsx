// The top of a detail page: a breadcrumb, the object's name, its state and a row of facts.
import type { PropsWithChildren } from "@kitajs/html";
import { StateBadge } from "./state-badge.tsx";
import { Time } from "./time.tsx";

export function DetailHeader(
  p: PropsWithChildren<{
    crumbs: Array<{ href: string; label: string }>;
    title: string;
    state?: { type: string | null; name: string | null };
  }>,
) {
  return (
    <header class="detail-header">
      <nav class="crumbs" aria-label="Breadcrumb">
        {p.crumbs.map((c) => (
          <>
            <a href={c.href} safe>
              {c.label}
            </a>
            <span class="muted"> / </span>
          </>
        ))}
      </nav>
      <h1>
        <span safe>{p.title}</span> {p.state ? <StateBadge type={p.state.type} name={p.state.name} /> : ""}
      </h1>
      {p.children}
    </header>
  );
}

/** The object's description as its author wrote it (line breaks kept), where it has one. */
export function Description({ text }: { text: string | null | undefined }) {
  return text ? (
    <p class="description" style="white-space:pre-wrap" safe>
      {text}
    </p>
  ) : (
    ""
  );
}

/** The last facts of a detail page's list: when the object last changed (where given) and its ID. */
export function IdFacts({ id, updated }: { id: string; updated?: string | null }) {
  return (
    <>
      {updated === undefined ? (
        ""
      ) : (
        <>
          <dt>Updated</dt>
          <dd>
            <Time ts={updated} />
          </dd>
        </>
      )}
      <dt>ID</dt>
      <dd>
        <code safe>{id}</code>
      </dd>
    </>
  );
}
