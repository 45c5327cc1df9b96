export function Tags({ tags, none = "" }: { tags: string[]; none?: string }) {
  if (!tags.length)
    return (
      <span class="muted" safe>
        {none}
      </span>
    );
  return (
    <>
      {tags.map((t) => (
        <span class="tag" safe>
          {t}
        </span>
      ))}
    </>
  );
}
