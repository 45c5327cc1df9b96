// Markdown written by flows (artifacts, their descriptions) as HTML that cannot run anything: markdown-it
// renders with raw HTML off (a <script> stays text) and refuses javascript:/vbscript:/data: links, and
// sanitize-html then keeps only an allowlist of tags, attributes and URL schemes (http, https, mailto),
// so whatever markdown-it lets through, no handler, script, style or javascript: URL reaches the page.
import MarkdownIt from "markdown-it";
import sanitizeHtml from "sanitize-html";

const md = new MarkdownIt({ html: false, linkify: true, typographer: false });

const SANITIZE: sanitizeHtml.IOptions = {
  allowedTags: [
    ...["h1", "h2", "h3", "h4", "h5", "h6", "p", "br", "hr", "blockquote", "pre", "code", "span"],
    ...["ul", "ol", "li", "strong", "em", "s", "del", "a", "img"],
    ...["table", "thead", "tbody", "tr", "th", "td"],
  ],
  // rel and target are the ones transformTags sets (it runs before attributes are filtered).
  allowedAttributes: {
    a: ["href", "title", "rel", "target"],
    img: ["src", "alt", "title"],
    th: ["style"],
    td: ["style"],
    ol: ["start"],
  },
  // markdown-it aligns table cells with text-align only.
  allowedStyles: { th: { "text-align": [/^(left|right|center)$/] }, td: { "text-align": [/^(left|right|center)$/] } },
  allowedSchemes: ["http", "https", "mailto"],
  allowedSchemesByTag: { img: ["http", "https"] },
  allowProtocolRelative: false,
  transformTags: {
    a: sanitizeHtml.simpleTransform("a", { rel: "noopener noreferrer nofollow", target: "_blank" }),
    // The page has its own h1 and card h2s: a document's headings sit below them.
    h1: "h3",
    h2: "h4",
    h3: "h5",
    h4: "h6",
    h5: "h6",
  },
};

/** Markdown as sanitised HTML. */
export function markdownHtml(text: string): string {
  return sanitizeHtml(md.render(text), SANITIZE);
}

/** Markdown rendered inside a container (its HTML is the sanitiser's output, never the input). */
export function Markdown({ text, class: cls }: { text: string; class?: string }) {
  // A name starting with "safe" tells xss-scan this string is HTML on purpose: the sanitiser's output.
  const safeHtml = markdownHtml(text);
  return <div class={`markdown ${cls ?? ""}`.trim()}>{safeHtml}</div>;
}
