// The top of a detail page: a breadcrumb, the object's name, its state and a row of facts.
import type { PropsWithChildren } from "@kitajs/html";
import { StateBadge } from "./state-badge.tsx";

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
