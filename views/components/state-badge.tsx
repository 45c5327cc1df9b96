// A run's state as a coloured pill: the type picks the colour, the name is the text (Late, Cached, …).
export function StateBadge({ type, name }: { type: string | null; name: string | null }) {
  const kind = (type ?? "none").toLowerCase();
  return (
    <span class={`badge state-${kind}`} title={type ?? "no state"} safe>
      {name ?? type ?? "—"}
    </span>
  );
}
