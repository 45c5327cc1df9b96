// The side-by-side table every bench report draws: a row per metric, and per dialect prefect-lite's
// figure, Prefect's and their ratio (prefect-lite ÷ Prefect).
import type { ServerName } from "./servers.ts";

type Dialect = "sqlite" | "pg";

export const ratioText = (a: number | undefined, b: number | undefined) =>
  a === undefined || b === undefined || !Number.isFinite(a / b)
    ? "–"
    : a / b >= 10
      ? `${(a / b).toFixed(0)}×`
      : `${(a / b).toFixed(2)}×`;

export const msText = (x: number) =>
  x >= 100 ? `${x.toFixed(0)} ms` : x >= 10 ? `${x.toFixed(1)} ms` : `${x.toFixed(2)} ms`;
export const perSecondText = (x: number) => (x >= 100 ? `${x.toFixed(0)}/s` : `${x.toFixed(1)}/s`);
export const countText = (x: number) => x.toFixed(0);

export function sideBySide<R extends { server: ServerName }>(dialects: Dialect[], results: R[]) {
  const get = (d: Dialect, impl: "lite" | "prefect") => results.find((r) => r.server === `${impl}-${d}`);
  const rows: string[] = [];
  return {
    get,
    rows,
    /** A metric's row; `text` overrides a side's cell (an error, say) where it answers a string. */
    row(
      label: string,
      val: (r: R) => number | undefined,
      show: (x: number) => string,
      withRatio = true,
      text?: (r: R) => string | null,
    ) {
      const cells = dialects.flatMap((d) => {
        const l = get(d, "lite");
        const p = get(d, "prefect");
        const lv = l ? val(l) : undefined;
        const pv = p ? val(p) : undefined;
        const sh = (r: R | undefined, x: number | undefined) =>
          (r && text?.(r)) ?? (x === undefined || Number.isNaN(x) ? "–" : show(x));
        return [sh(l, lv), sh(p, pv), withRatio ? ratioText(lv, pv) : ""];
      });
      rows.push(`| ${label} | ${cells.join(" | ")} |`);
    },
    /** A bold row that heads the rows after it. */
    section(label: string) {
      rows.push(`| **${label}** | ${dialects.flatMap(() => ["", "", ""]).join(" | ")} |`);
    },
    /** The table's two header lines. */
    header(): string[] {
      const head = dialects.flatMap((d) => [`${d === "sqlite" ? "SQLite" : "PostgreSQL"}: lite`, "Prefect", "ratio"]);
      return [`| metric | ${head.join(" | ")} |`, `|---|${head.map(() => "---").join("|")}|`];
    },
  };
}
