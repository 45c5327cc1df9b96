// The one way variables change, for the API and the dashboard: writes through the variables store and
// publishes prefect.variable.created / updated / deleted after the commit, as Prefect's server does.
//
// Like transitions.ts this does I/O through the store it is given; the layering test places it above
// store/.
import { nowTimestamp } from "../core/time.ts";
import type { EventBus } from "../events/bus.ts";
import { variableEvent } from "../events/variable-events.ts";
import type { VariableInput, VariablePatch } from "../schemas/variables.ts";
import type { VariableJson, VariableRef, VariablesStore } from "../store/variables.ts";

export function variableChanges(deps: { variables: VariablesStore; bus: EventBus }) {
  const { variables, bus } = deps;
  const announce = (action: "created" | "updated" | "deleted", v: VariableJson | null) => {
    if (v) bus.publish([variableEvent(action, v, nowTimestamp())]);
    return v;
  };
  return {
    async create(input: VariableInput): Promise<VariableJson> {
      return announce("created", await variables.create(input))!;
    },
    /** The variable after the update; null when there is none. */
    async update(ref: VariableRef, patch: VariablePatch): Promise<VariableJson | null> {
      return announce("updated", await variables.update(ref, patch));
    },
    /** The variable deleted; null when there was none. */
    async delete(ref: VariableRef): Promise<VariableJson | null> {
      return announce("deleted", await variables.delete(ref));
    },
  };
}

export type VariableChanges = ReturnType<typeof variableChanges>;
