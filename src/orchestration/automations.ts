// The one way automations change, for the API and the dashboard: writes through the automations store
// and publishes prefect.automation.created / updated / deleted after the commit, as Prefect's server
// does. Like variables.ts this does I/O through the store it is given.
import { nowTimestamp } from "../core/time.ts";
import { automationEvent } from "../events/automation-events.ts";
import type { EventBus } from "../events/bus.ts";
import type { AutomationCreateInput, AutomationInput } from "../schemas/automations.ts";
import type { AutomationJson, AutomationsStore } from "../store/automations.ts";

export function automationChanges(deps: { automations: AutomationsStore; bus: EventBus }) {
  const { automations, bus } = deps;
  const announce = (action: "created" | "updated" | "deleted", list: AutomationJson[]) => {
    const now = nowTimestamp();
    bus.publish(list.map((a) => automationEvent(action, a, now)));
  };
  return {
    async create(input: AutomationCreateInput): Promise<AutomationJson> {
      const a = await automations.create(input);
      announce("created", [a]);
      return a;
    },
    async update(id: string, input: AutomationInput): Promise<AutomationJson | null> {
      const r = await automations.update(id, input);
      if (r) announce("updated", [r.after]);
      return r?.after ?? null;
    },
    async setEnabled(id: string, enabled: boolean): Promise<AutomationJson | null> {
      const a = await automations.setEnabled(id, enabled);
      if (a) announce("updated", [a]);
      return a;
    },
    async delete(id: string): Promise<AutomationJson | null> {
      const a = await automations.delete(id);
      if (a) announce("deleted", [a]);
      return a;
    },
    async deleteOwnedBy(resourceId: string): Promise<AutomationJson[]> {
      const list = await automations.deleteOwnedBy(resourceId);
      announce("deleted", list);
      return list;
    },
  };
}

export type AutomationChanges = ReturnType<typeof automationChanges>;
