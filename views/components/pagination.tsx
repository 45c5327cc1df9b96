// Previous/next links that keep every other query parameter; `hasNext` comes from fetching one extra row,
// so no count(*) is needed to page through a million runs.
export interface PaginationProps {
  path: string;
  query: Record<string, string>;
  page: number;
  hasNext: boolean;
  target?: string;
}

function href(path: string, query: Record<string, string>, page: number) {
  const q = new URLSearchParams({ ...query, page: String(page) });
  return `${path}?${q}`;
}

export function Pagination({ path, query, page, hasNext, target }: PaginationProps) {
  const hx = (p: number) => (target ? { "hx-get": href(path, query, p), "hx-target": target, "hx-push-url": "true" } : {});
  return (
    <nav class="pagination" aria-label="Pagination">
      {page > 1 ? (
        <a href={href(path, query, page - 1)} rel="prev" {...hx(page - 1)}>
          ← Previous
        </a>
      ) : (
        <span class="muted">← Previous</span>
      )}
      <span class="muted" safe>{`Page ${page}`}</span>
      {hasNext ? (
        <a href={href(path, query, page + 1)} rel="next" {...hx(page + 1)}>
          Next →
        </a>
      ) : (
        <span class="muted">Next →</span>
      )}
    </nav>
  );
}
