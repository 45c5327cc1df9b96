// The pure pieces behind the artifact pages: the markdown renderer and its sanitiser (nothing that can
// run survives, whatever the markdown hides it in), tables from each shape the SDK writes, and the
// limits on how much of a huge artifact a page renders.
import { describe, expect, test } from "bun:test";
import { ArtifactData, MAX_MARKDOWN_CHARS, MAX_TABLE_ROWS, tableOf } from "../../views/components/artifact-view.tsx";
import { markdownHtml } from "../../views/components/markdown.tsx";

describe("markdownHtml", () => {
  const HOSTILE = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "<iframe src=https://example.com></iframe>",
    "<a href=javascript:alert(1)>raw</a>",
    "[md](javascript:alert(1))",
    "[upper](JAVASCRIPT:alert(1))",
    "[spaced](java\tscript:alert(1))",
    "[entity](&#106;avascript:alert(1))",
    "[vb](vbscript:msgbox(1))",
    "[data](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "![img](javascript:alert(1))",
    '<svg onload="alert(1)">',
    "<style>body{display:none}</style>",
    "[ref][r]\n\n[r]: javascript:alert(1)",
  ];

  test.each(HOSTILE)("%p renders inert", (md) => {
    const out = markdownHtml(md);
    expect(out).not.toMatch(/<(script|iframe|svg|style|object|embed)\b/i);
    // Escaped text may spell "onerror=", a real tag may not carry it.
    expect(out).not.toMatch(/<[a-z][^>]*\son\w+\s*=/i);
    expect(out).not.toMatch(/href\s*=\s*"\s*(javascript|vbscript|data):/i);
    expect(out).not.toMatch(/src\s*=\s*"\s*(javascript|data):/i);
  });

  test("keeps what markdown is for", () => {
    const out = markdownHtml(
      "# T\n\n**b** _i_ `c`\n\n- one\n\n[ok](https://example.com/x)\n\n![p](https://example.com/p.png)",
    );
    expect(out).toContain("<h3>T</h3>");
    expect(out).toContain("<strong>b</strong>");
    expect(out).toContain("<code>c</code>");
    expect(out).toContain("<li>one</li>");
    expect(out).toContain('<a href="https://example.com/x" rel="noopener noreferrer nofollow" target="_blank">ok</a>');
    expect(out).toContain('<img src="https://example.com/p.png" alt="p" />');
  });
});

describe("tableOf", () => {
  test("a list of rows, a dict of columns, a list of lists", () => {
    expect(tableOf(JSON.stringify([{ a: 1 }, { a: 2, b: "x" }]))).toEqual({
      columns: ["a", "b"],
      rows: [
        ["1", ""],
        ["2", "x"],
      ],
    });
    expect(tableOf(JSON.stringify({ a: [1, 2], b: ["x"] }))).toEqual({
      columns: ["a", "b"],
      rows: [
        ["1", "x"],
        ["2", ""],
      ],
    });
    expect(
      tableOf(
        JSON.stringify([
          [1, null],
          [{ n: 1 }, true],
        ]),
      ),
    ).toEqual({
      columns: null,
      rows: [
        ["1", ""],
        ['{"n":1}', "true"],
      ],
    });
    expect(tableOf("not json")).toBeNull();
    expect(tableOf(JSON.stringify({ a: 1 }))).toBeNull();
  });
});

describe("ArtifactData", () => {
  test("huge markdown and tables are cut, with a note", async () => {
    const md = String(
      await ArtifactData({ artifact: { type: "markdown", data: "x".repeat(MAX_MARKDOWN_CHARS + 10) } }),
    );
    expect(md).toContain("Only the first");
    const rows = Array.from({ length: MAX_TABLE_ROWS + 5 }, (_, i) => ({ i }));
    const table = String(await ArtifactData({ artifact: { type: "table", data: JSON.stringify(rows) } }));
    expect(table.match(/<tr>/g)?.length).toBe(MAX_TABLE_ROWS + 1);
    expect(table).toContain("Only the first");
  });

  test("images only from http(s); progress clamped; anything else as escaped JSON", async () => {
    expect(String(await ArtifactData({ artifact: { type: "image", data: "https://e.com/a.png" } }))).toContain(
      'src="https://e.com/a.png"',
    );
    expect(String(await ArtifactData({ artifact: { type: "image", data: "javascript:alert(1)" } }))).not.toContain(
      "<img",
    );
    expect(String(await ArtifactData({ artifact: { type: "progress", data: 150 } }))).toContain('value="100"');
    const other = String(await ArtifactData({ artifact: { type: "result", data: { html: "<b>x</b>" } } }));
    expect(other).toContain("&lt;b&gt;x&lt;/b&gt;");
  });
});
