// A WebSocket client for tests of the API's sockets (/events/in, /events/out, /logs/out).

/** A WebSocket client that keeps every message and the close frame. */
export async function connect(url: string, protocols: string[] = ["prefect"]) {
  const ws = new WebSocket(url, protocols);
  const messages: any[] = [];
  ws.addEventListener("message", (e) => messages.push(JSON.parse(String(e.data))));
  const closed = new Promise<{ code: number; reason: string }>((r) =>
    ws.addEventListener("close", (e) => r({ code: e.code, reason: e.reason })),
  );
  await new Promise((r, j) => {
    ws.addEventListener("open", r);
    ws.addEventListener("error", j);
  });
  const until = async (pred: () => boolean, what: string) => {
    for (let i = 0; i < 200 && !pred(); i++) await Bun.sleep(10);
    if (!pred()) throw new Error(`timed out waiting for ${what}; got ${JSON.stringify(messages).slice(0, 500)}`);
  };
  return {
    ws,
    messages,
    closed,
    send: (m: unknown) => ws.send(typeof m === "string" ? m : JSON.stringify(m)),
    waitFor: (n: number) => until(() => messages.length >= n, `${n} message(s)`),
    events: () => messages.filter((m) => m.type === "event").map((m) => m.event),
    until,
  };
}
