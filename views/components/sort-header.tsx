// A column header that sorts the table by linking to the same page with another `sort`.
export function SortHeader(p: {
  label: string;
  path: string;
  query: Record<string, string>;
  asc?: string;
  desc?: string;
  current: string;
}) {
  const next = p.current === p.desc && p.asc ? p.asc : (p.desc ?? p.asc)!;
  const mark = p.current === p.desc ? " ↓" : p.current === p.asc ? " ↑" : "";
  const q = new URLSearchParams({ ...p.query, sort: next, page: "1" });
  return (
    <th scope="col" aria-sort={p.current === p.desc ? "descending" : p.current === p.asc ? "ascending" : "none"}>
      <a href={`${p.path}?${q}`} safe>
        {p.label + mark}
      </a>
    </th>
  );
}
