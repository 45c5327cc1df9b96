// Previous/next links that keep every other query parameter; `hasNext` comes from fetching one extra row,
// so no count(*) is needed to page through a million runs. A keyset-paged list passes the parameters of
// its previous and next pages (their cursors) in `prev` and `next`; otherwise the links change `page`.
export interface PaginationProps {
  path: string;
  query: Record<string, string>;
  page: number;
  hasNext: boolean;
  target?: string;
  /** Parameters for the previous/next page instead of page ± 1; null: there is none. */
  prev?: Record<string, string> | null;
  next?: Record<string, string> | null;
}

function href(path: string, query: Record<string, string>) {
  return `${path}?${new URLSearchParams(query)}`;
}

export function Pagination({ path, query, page, hasNext, target, prev, next }: PaginationProps) {
  const prevQuery =
    prev === undefined ? (page > 1 ? { ...query, page: String(page - 1) } : null) : prev && { ...query, ...prev };
  const nextQuery =
    next === undefined ? (hasNext ? { ...query, page: String(page + 1) } : null) : next && { ...query, ...next };
  const hx = (q: Record<string, string>) =>
    target ? { "hx-get": href(path, q), "hx-target": target, "hx-push-url": "true" } : {};
  return (
    <nav class="pagination" aria-label="Pagination">
      {prevQuery ? (
        <a href={href(path, prevQuery)} rel="prev" {...hx(prevQuery)}>
          ← Previous
        </a>
      ) : (
        <span class="muted">← Previous</span>
      )}
      <span class="muted" safe>{`Page ${page}`}</span>
      {nextQuery ? (
        <a href={href(path, nextQuery)} rel="next" {...hx(nextQuery)}>
          Next →
        </a>
      ) : (
        <span class="muted">Next →</span>
      )}
    </nav>
  );
}
