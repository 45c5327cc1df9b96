// Run-deployment parameters rendered as Prefect 3 renders them (events/parameter-templates.ts): a lone
// `{{ expr }}` keeps its value's type, other templates are text, placeholders are hydrated, and a
// broken one is an error, not a thrown exception.
import { expect, test } from "bun:test";
import { renderTemplate } from "../../src/core/templates.ts";
import { renderParameters } from "../../src/events/parameter-templates.ts";

const ctx = { event: { payload: { n: 5, name: 'say "hi"', tags: ["a", "b"], flag: false, nothing: null } } };
const render = (t: string) => {
  const r = renderTemplate(t, ctx);
  if ("error" in r) throw new Error(r.error);
  return r.text;
};

test("a lone expression keeps its type; text around it makes a string", () => {
  expect(
    renderParameters(
      {
        n: "{{ event.payload.n }}",
        name: "{{ event.payload.name }}",
        tags: "{{event.payload.tags}}",
        flag: "{{ event.payload.flag }}",
        nothing: "{{ event.payload.nothing }}",
        text: "n is {{ event.payload.n }}",
        two: "{{ event.payload.n }}{{ event.payload.n }}",
        plain: "no template",
        nested: { deep: "{{ event.payload.n }}", list: ["{{ event.payload.n }}", 3] },
      },
      render,
    ),
  ).toEqual({
    parameters: {
      n: 5,
      name: 'say "hi"',
      tags: ["a", "b"],
      flag: false,
      nothing: null,
      text: "n is 5",
      two: "55",
      plain: "no template",
      nested: { deep: 5, list: [5, 3] },
    },
  });
});

test("v2 placeholders are hydrated; a broken one is an error", () => {
  expect(
    renderParameters(
      {
        j: { __prefect_kind: "json", value: '{"a": [1, 2]}' },
        t: { __prefect_kind: "jinja", template: "{{ event.payload.n + 1 }}" },
      },
      render,
    ),
  ).toEqual({ parameters: { j: { a: [1, 2] }, t: "6" } });
  expect(renderParameters({ j: { __prefect_kind: "json", value: "{nope" } }, render)).toMatchObject({
    error: expect.stringContaining("Invalid JSON"),
  });
  expect(renderParameters({ w: { __prefect_kind: "workspace_variable", variable_name: "x" } }, render)).toMatchObject({
    error: expect.stringContaining("Unsupported parameter kind"),
  });
});
