// A flow run's page in Chromium, against the compiled binary: the graph of a 200-task run with a
// subflow (drawn, linked, no console errors, scrolls inside its card at phone width), and the Resume
// form of a paused run generated from its input schema (a bad value refused by its field and the run
// still paused, then a good one resumes it with the input stored).
import { beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { HAVE_CHROMIUM } from "../support/browser.ts";
import { type J, SHOTS, unexpectedErrors, useDashboard } from "../support/dashboard.ts";

const TASKS = 200;

describe.if(HAVE_CHROMIUM)("a flow run's graph and Resume form in Chromium", () => {
  const dash = useDashboard();
  const { api, page } = dash;
  let flow: J;
  let big: J;
  let child: J;

  beforeAll(async () => {
    flow = await api("/flows/", { method: "POST", json: { name: `graph "flow" ✓` } });
    big = await api("/flow_runs/", { method: "POST", json: { flow_id: flow.id, state: { type: "RUNNING" } } });
    const ids: string[] = [];
    for (let i = 0; i < TASKS; i++) {
      // A chain in tens: each task takes the one before it in its ten.
      const inputs = i % 10 ? { x: [{ input_type: "task_run", id: ids[i - 1] }] } : {};
      const tr = await api("/task_runs/", {
        method: "POST",
        json: {
          flow_run_id: big.id,
          task_key: `t-${i}`,
          dynamic_key: "0",
          name: i === 3 ? "<img src=x onerror=alert(1)>" : `task-${i}`,
          task_inputs: inputs,
          state: { type: i % 7 ? "COMPLETED" : "FAILED" },
        },
      });
      ids.push(tr.id);
    }
    // The last task stands for a subflow.
    child = await api("/flow_runs/", {
      method: "POST",
      json: { flow_id: flow.id, parent_task_run_id: ids.at(-1), state: { type: "COMPLETED" } },
    });
  });

  test("the graph of 200 tasks and a subflow renders, linked, with no console errors", async () => {
    const { page: p, errors } = await page(`/runs/${big.id}`);
    const graph = p.locator("#graph .run-graph");
    await graph.waitFor();
    expect(await graph.getAttribute("data-nodes")).toBe(String(TASKS));
    expect(await p.locator("#graph g.graph-node").count()).toBe(TASKS);
    expect(await p.locator("#graph g.graph-node.flow-run").count()).toBe(1);
    expect(await p.locator(`#graph a[href="/runs/${child.id}"]`).count()).toBe(1);
    expect(await p.locator("#graph g.graph-node.state-failed").count()).toBe(Math.ceil(TASKS / 7) - 0);
    // Ten columns of twenty: the chain's depth is nine.
    const xs = new Set(await p.locator("#graph rect").evaluateAll((rs) => rs.map((r) => r.getAttribute("x"))));
    expect(xs.size).toBe(10);
    expect(await p.locator("#graph path.graph-edge").count()).toBe(1);
    // The hostile task name is text.
    expect(await p.locator("#graph img").count()).toBe(0);
    expect(await p.locator("#graph title", { hasText: "<img src=x onerror=alert(1)>" }).count()).toBe(1);
    await p.locator("#graph").screenshot({ path: join(SHOTS, "flow-run-graph.png") });
    expect(unexpectedErrors(errors)).toEqual([]);
    await p.close();
    // At phone width the graph scrolls inside its card, not the page.
    const { overflow } = await dash.phoneOverflow(`/runs/${big.id}`);
    expect(overflow).toBe(0);
  });

  test("a paused run's Resume form refuses input that does not fit and resumes with input that does", async () => {
    const run = await api("/flow_runs/", { method: "POST", json: { flow_id: flow.id, state: { type: "RUNNING" } } });
    const keyset = { description: "d-1", response: "r-1", schema: "s-1" };
    await api(`/flow_runs/${run.id}/set_state`, {
      method: "POST",
      json: { state: { type: "PAUSED", state_details: { run_input_keyset: keyset } } },
    });
    const schema = {
      title: "Person",
      type: "object",
      properties: { name: { title: "Name", type: "string" }, age: { title: "Age", type: "integer" } },
      required: ["name", "age"],
    };
    await api(`/flow_runs/${run.id}/input`, { method: "POST", json: { key: "s-1", value: JSON.stringify(schema) } });

    const { page: p, errors } = await page(`/runs/${run.id}`);
    const form = p.locator("#resume form");
    await form.waitFor();
    await form.getByLabel("Name").fill("Ada");
    await form.getByLabel("Age").fill("old");
    await form.getByRole("button", { name: "Resume run" }).click();
    await p.locator("#resume .field-error").first().waitFor();
    expect(await p.locator("#resume .field-error").allTextContents()).toEqual([expect.stringContaining("age")]);
    expect((await api(`/flow_runs/${run.id}`)).state.type).toBe("PAUSED");

    await p.locator("#resume form").getByLabel("Age").fill("36");
    await p.locator("#resume form").getByRole("button", { name: "Resume run" }).click();
    await p.waitForURL(/notice=Flow/);
    expect(await p.locator("body").textContent()).toContain("Flow run resumed.");
    expect((await api(`/flow_runs/${run.id}`)).state.type).toBe("RUNNING");
    const stored = await fetch(`${dash.base}/api/flow_runs/${run.id}/input/r-1`);
    expect(JSON.parse(await stored.text())).toEqual({ name: "Ada", age: 36 });
    expect(await p.locator("#resume").count()).toBe(0);
    expect(unexpectedErrors(errors)).toEqual([]);
    await p.close();
  });

  test("a plain pause gets a lone Resume button; forged posts are refused", async () => {
    const run = await api("/flow_runs/", { method: "POST", json: { flow_id: flow.id, state: { type: "RUNNING" } } });
    await api(`/flow_runs/${run.id}/set_state`, { method: "POST", json: { state: { type: "PAUSED" } } });
    expect(await dash.postForged(`/runs/${run.id}/resume`)).toBe(403);
    expect((await api(`/flow_runs/${run.id}`)).state.type).toBe("PAUSED");
    const { page: p, errors } = await page(`/runs/${run.id}`);
    expect(await p.locator("#resume input:not([type=hidden]), #resume textarea").count()).toBe(0);
    await p.locator("#resume").getByRole("button", { name: "Resume run" }).click();
    await p.waitForURL(/notice=Flow/);
    expect((await api(`/flow_runs/${run.id}`)).state.type).toBe("RUNNING");
    expect(unexpectedErrors(errors)).toEqual([]);
    await p.close();
  });
});
