// The dashboard's only script of its own, served from /static so the page's Content-Security-Policy can
// stay script-src 'self' (no inline handlers): forms with data-confirm ask before they submit, and
// selects with data-autosubmit submit their form when changed.
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
