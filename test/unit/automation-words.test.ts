// Triggers and actions in words, as the Automations pages show them: each trigger kind with its
// counts, windows and resources, composites nested, and actions with the names of what they point at.
import { describe, expect, test } from "bun:test";
import { actionTargets, actionWords, triggerWords } from "../../views/components/automation-words.ts";

const failed = { type: "event", posture: "Reactive", expect: ["prefect.flow-run.Failed"], threshold: 1, within: 0 };

describe("automation words", () => {
  test("event triggers: reactive, counted, proactive, with their resources", () => {
    expect(
      triggerWords({ ...failed, match_related: { "prefect.resource.id": ["prefect.tag.a", "prefect.tag.b"] } }),
    ).toBe(
      "When prefect.flow-run.Failed is seen related to one whose prefect.resource.id is prefect.tag.a or prefect.tag.b",
    );
    expect(
      triggerWords({
        ...failed,
        threshold: 3,
        within: 3600,
        after: ["prefect.flow-run.Running"],
        for_each: ["prefect.resource.id"],
      }),
    ).toBe(
      "When 3 prefect.flow-run.Failed are seen within 1 h after prefect.flow-run.Running, counted separately for each prefect.resource.id",
    );
    expect(triggerWords({ ...failed, posture: "Proactive", expect: ["a", "b"], within: 90 })).toBe(
      "If none of a, b is seen within 90 s",
    );
    expect(triggerWords({ ...failed, posture: "Proactive", threshold: 2, within: 86400 })).toBe(
      "If fewer than 2 prefect.flow-run.Failed are seen within 1 d",
    );
  });

  test("compound and sequence triggers name their parts", () => {
    const two = [failed, { ...failed, expect: ["x"] }];
    expect(triggerWords({ type: "compound", require: 2, within: 60, triggers: two })).toBe(
      "When 2 of these happen within 1 min: (1) When prefect.flow-run.Failed is seen; (2) When x is seen",
    );
    expect(triggerWords({ type: "compound", require: "any", within: null, triggers: two })).toStartWith(
      "When any of these happen: (1)",
    );
    expect(triggerWords({ type: "sequence", within: null, triggers: two })).toStartWith(
      "When these happen in order: (1)",
    );
  });

  test("actions, with the names of their targets where known", () => {
    const id = crypto.randomUUID();
    const names = { [id]: "nightly" };
    expect(
      actionWords({ type: "run-deployment", source: "selected", deployment_id: id, parameters: { n: 1 } }, names),
    ).toBe('Run deployment nightly with parameters {"n":1}');
    expect(actionWords({ type: "pause-deployment", source: "inferred", deployment_id: null }, names)).toBe(
      "Pause the deployment of the triggering event",
    );
    expect(actionWords({ type: "resume-work-pool", work_pool_id: "unknown" }, names)).toBe("Resume work pool unknown");
    expect(actionWords({ type: "change-flow-run-state", state: "FAILED", force: true, message: "m" }, names)).toBe(
      "Move the flow run to FAILED (forced): m",
    );
    expect(actionTargets({ type: "send-notification", block_document_id: id, subject: "s" })).toEqual([
      ["block_document_id", id],
    ]);
  });
});
