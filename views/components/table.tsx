// A table of records: a header row of column names over the rows given, in a wrapper that scrolls sideways
// on a narrow screen rather than the page.
import type { PropsWithChildren } from "@kitajs/html";

export function Table(p: PropsWithChildren<{ class?: string; columns: string[] }>) {
  return (
    <div class="table-wrap">
      <table class={p.class}>
        <thead>
          <tr>
            {p.columns.map((c) => (
              <th scope="col" safe>
                {c}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>{p.children}</tbody>
      </table>
    </div>
  );
}
