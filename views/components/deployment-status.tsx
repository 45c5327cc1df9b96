// A deployment's status as a pill: Paused when paused, else Ready / Not ready (whether a worker or
// serving process has polled for its runs lately), in the state colours.
export function DeploymentStatus({ status, paused }: { status: string; paused: boolean }) {
  const [kind, label] = paused
    ? ["paused", "Paused"]
    : status === "READY"
      ? ["completed", "Ready"]
      : ["none", "Not ready"];
  return (
    <span class={`badge state-${kind}`} title={paused ? `PAUSED (${status})` : status} safe>
      {label}
    </span>
  );
}
