// The dashboard's only script of its own, served from /static so the page's Content-Security-Policy can
// stay script-src 'self' (no inline handlers): forms with data-confirm ask before they submit,
// selects with data-autosubmit submit their form when changed, and a textarea with data-json says as it
// is typed whether it holds valid JSON (in the element data-json names; the server checks again).
document.addEventListener(
  "submit",
  (e) => {
    const form = e.target;
    const question = form instanceof HTMLFormElement ? form.dataset.confirm : undefined;
    if (question && !window.confirm(question)) e.preventDefault();
  },
  true,
);
document.addEventListener("change", (e) => {
  const el = e.target;
  if (el instanceof HTMLSelectElement && el.dataset.autosubmit !== undefined) el.form?.requestSubmit();
});
document.addEventListener("input", (e) => {
  const el = e.target;
  if (!(el instanceof HTMLTextAreaElement) || el.dataset.json === undefined) return;
  const out = document.getElementById(el.dataset.json);
  let problem = "";
  if (el.value.trim())
    try {
      JSON.parse(el.value);
    } catch (err) {
      problem = `Not valid JSON yet: ${err instanceof Error ? err.message : err}`;
    }
  el.setAttribute("aria-invalid", problem ? "true" : "false");
  if (out) out.textContent = problem;
});
