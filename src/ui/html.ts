// Renders a (possibly async) JSX tree into an HTML Response with an explicit content type; see
// stack-notes §4 for why pages do not rely on the html plugin's detection.
export async function html(element: JSX.Element, status = 200): Promise<Response> {
  return new Response(await element, { status, headers: { "content-type": "text/html; charset=utf-8" } });
}
