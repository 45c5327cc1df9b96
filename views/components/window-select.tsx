// The time-window filter shared by list pages (runs, events).
export function WindowSelect({
  windows,
  value,
  name = "since",
}: {
  windows: Array<[string, string]>;
  value: string;
  name?: string;
}) {
  return (
    <label>
      Window
      <select name={name}>
        {windows.map(([v, label]) => (
          <option value={v} selected={v === value} safe>
            {label}
          </option>
        ))}
      </select>
    </label>
  );
}
