// A muted line of small text under a table cell's name (a description, a title, a detail), where there is one.
export function Note({ text, class: extra }: { text: string | null | undefined; class?: string }) {
  return text ? (
    <div class={extra ? `muted small ${extra}` : "muted small"} safe>
      {text}
    </div>
  ) : (
    ""
  );
}
