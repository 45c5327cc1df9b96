// Automations: create (with the owning resource, when given), read, filter, count, replace, enable or
// disable, delete; the resources an automation relates to (the deployments its run-deployment actions
// select, kept in step on every write, as Prefect's _sync_automation_related_resources does) and the
// automations a resource owns, which flow.serve() deletes before it creates its triggers' anew.
import type { Driver, Op, Row } from "../db/driver.ts";
import { exec, row, rows } from "../db/driver.ts";
import { sql } from "../db/sql-tag.ts";
import { nowTimestamp } from "../core/time.ts";
import type { Action } from "../schemas/automation-actions.ts";
import type { Trigger } from "../schemas/automation-triggers.ts";
import { type AutomationCreateInput, type AutomationInput, relatedDeployments } from "../schemas/automations.ts";
import { anyOnly, names, resource, tags, times } from "./filter-fields.ts";
import type { FilterBody, Page } from "./page.ts";
import { and, type Fragments, fragmentsFor } from "./sql.ts";
import { Uuid } from "../schemas/common.ts";

export interface AutomationJson extends AutomationInput {
  id: string;
  created: string;
  updated: string;
}

export const AUTOMATION_SORTS = ["CREATED_DESC", "UPDATED_DESC", "NAME_ASC", "NAME_DESC"];
const ORDER: Record<string, string> = {
  CREATED_DESC: "created DESC, id",
  UPDATED_DESC: "updated DESC, id",
  NAME_ASC: "name ASC, id",
  NAME_DESC: "name DESC, id",
};

export const automationFilter = resource("automations", {
  id: anyOnly("automation.id", Uuid),
  name: names("automation.name"),
  created: times("automation.created", false),
  tags: tags("automation.tags"),
});

const where = (body: FilterBody, d: Fragments) =>
  and(body.automations ? automationFilter.conditions(body.automations as FilterBody, d) : []);

const automationJson = (r: Row): AutomationJson => ({
  id: r.id as string,
  created: r.created as string,
  updated: r.updated as string,
  name: r.name as string,
  description: (r.description as string) ?? "",
  enabled: Boolean(r.enabled),
  tags: (r.tags as string[]) ?? [],
  trigger: r.trigger as Trigger,
  actions: (r.actions as Action[]) ?? [],
  actions_on_trigger: (r.actions_on_trigger as Action[]) ?? [],
  actions_on_resolve: (r.actions_on_resolve as Action[]) ?? [],
});

/**
 * The trigger state of an automation, deleted in the order the event persister locks it (buckets
 * first, then the automation row: store/automation-buckets.ts), so a delete while the automation fires
 * cannot deadlock on PostgreSQL; Prefect's delete_automation orders its deletes for the same reason.
 */
function* clearTriggerStateOp(id: string): Op<void> {
  yield* exec(sql`DELETE FROM automation_bucket WHERE automation_id = ${id}`);
  yield* exec(sql`DELETE FROM composite_trigger_child_firing WHERE automation_id = ${id}`);
  yield* exec(sql`DELETE FROM automation_trigger_state WHERE automation_id = ${id}`);
}

function* deleteOp(id: string): Op<void> {
  yield* clearTriggerStateOp(id);
  yield* exec(sql`DELETE FROM automation_related_resource WHERE automation_id = ${id}`);
  yield* exec(sql`DELETE FROM automation WHERE id = ${id}`);
}

export function automationsStore(driver: Driver) {
  const d = fragmentsFor(driver.dialect);

  function* readOp(id: string): Op<AutomationJson | null> {
    const r = yield* row<Row>(sql`SELECT * FROM automation WHERE id = ${id}`);
    return r ? automationJson(r) : null;
  }

  function* relateOp(automationId: string, resourceId: string, owned: boolean): Op<void> {
    const now = nowTimestamp();
    const have = yield* row<Row>(sql`
      SELECT automation_owned_by_resource AS owned FROM automation_related_resource
      WHERE automation_id = ${automationId} AND resource_id = ${resourceId}`);
    if (!have)
      yield* exec(sql`
        INSERT INTO automation_related_resource (id, created, updated, automation_id, resource_id, automation_owned_by_resource)
        VALUES (${Bun.randomUUIDv7()}, ${now}, ${now}, ${automationId}, ${resourceId}, ${owned})`);
    else if (owned && !have.owned)
      yield* exec(sql`
        UPDATE automation_related_resource SET automation_owned_by_resource = ${true}, updated = ${now}
        WHERE automation_id = ${automationId} AND resource_id = ${resourceId}`);
  }

  function* syncRelatedOp(id: string, a: AutomationInput): Op<void> {
    yield* exec(sql`
      DELETE FROM automation_related_resource
      WHERE automation_id = ${id} AND resource_id LIKE 'prefect.deployment.%'
        AND automation_owned_by_resource = ${false}`);
    for (const r of relatedDeployments(a)) yield* relateOp(id, r, false);
  }

  function* relatedOp(resourceId: string, ownedOnly: boolean): Op<AutomationJson[]> {
    const rs = yield* rows<Row>(sql`
      SELECT a.* FROM automation a JOIN automation_related_resource r ON r.automation_id = a.id
      WHERE r.resource_id = ${resourceId} ${ownedOnly ? sql`AND r.automation_owned_by_resource = ${true}` : sql``}
      ORDER BY a.name, a.id`);
    return rs.map(automationJson);
  }

  const columns = (a: AutomationInput) => ({
    tags: d.json(a.tags),
    trigger: d.json(a.trigger),
    actions: d.json(a.actions),
    onTrigger: d.json(a.actions_on_trigger),
    onResolve: d.json(a.actions_on_resolve),
  });

  return {
    create(input: AutomationCreateInput): Promise<AutomationJson> {
      return driver.tx(function* () {
        const id = Bun.randomUUIDv7();
        const now = nowTimestamp();
        const c = columns(input);
        yield* exec(sql`
          INSERT INTO automation (id, created, updated, name, description, enabled, tags, trigger, actions,
            actions_on_trigger, actions_on_resolve)
          VALUES (${id}, ${now}, ${now}, ${input.name}, ${input.description}, ${input.enabled}, ${c.tags},
            ${c.trigger}, ${c.actions}, ${c.onTrigger}, ${c.onResolve})`);
        yield* syncRelatedOp(id, input);
        if (input.owner_resource) yield* relateOp(id, input.owner_resource, true);
        return (yield* readOp(id))!;
      });
    },

    get(id: string): Promise<AutomationJson | null> {
      return driver.read(() => readOp(id));
    },

    /** Every enabled automation, for the trigger evaluator. */
    enabled(): Promise<AutomationJson[]> {
      return driver.read(function* () {
        return (yield* rows<Row>(sql`SELECT * FROM automation WHERE enabled = ${true} ORDER BY id`)).map(
          automationJson,
        );
      });
    },

    filter(body: FilterBody, page: Page): Promise<AutomationJson[]> {
      return driver.read(function* () {
        const order = sql.raw(ORDER[page.sort ?? "NAME_ASC"] ?? ORDER.NAME_ASC!);
        const rs = yield* rows<Row>(sql`
          SELECT * FROM automation WHERE ${where(body, d)}
          ORDER BY ${order} LIMIT ${page.limit} OFFSET ${page.offset}`);
        return rs.map(automationJson);
      });
    },

    count(body: FilterBody): Promise<number> {
      return driver.read(function* () {
        const r = yield* row<{ count: number }>(sql`SELECT count(*) AS count FROM automation WHERE ${where(body, d)}`);
        return Number(r!.count);
      });
    },

    /** The automation before and after the replacement; null when there is none. */
    update(id: string, input: AutomationInput): Promise<{ before: AutomationJson; after: AutomationJson } | null> {
      return driver.tx(function* () {
        const before = yield* readOp(id);
        if (!before) return null;
        const c = columns(input);
        yield* exec(sql`
          UPDATE automation SET updated = ${nowTimestamp()}, name = ${input.name}, description = ${input.description},
            enabled = ${input.enabled}, tags = ${c.tags}, trigger = ${c.trigger}, actions = ${c.actions},
            actions_on_trigger = ${c.onTrigger}, actions_on_resolve = ${c.onResolve}
          WHERE id = ${id}`);
        yield* syncRelatedOp(id, input);
        // A saved trigger gets new ids (as Prefect's reset_ids): the old ones' windows, held child
        // firings and triggered states would be left for nothing to read or sweep.
        yield* clearTriggerStateOp(id);
        return { before, after: (yield* readOp(id))! };
      });
    },

    setEnabled(id: string, enabled: boolean): Promise<AutomationJson | null> {
      return driver.tx(function* () {
        if (!(yield* readOp(id))) return null;
        yield* exec(sql`UPDATE automation SET enabled = ${enabled}, updated = ${nowTimestamp()} WHERE id = ${id}`);
        return yield* readOp(id);
      });
    },

    delete(id: string): Promise<AutomationJson | null> {
      return driver.tx(function* () {
        const current = yield* readOp(id);
        if (!current) return null;
        yield* deleteOp(id);
        return current;
      });
    },

    relatedTo(resourceId: string): Promise<AutomationJson[]> {
      return driver.read(() => relatedOp(resourceId, false));
    },

    /** Deletes the automations `resourceId` owns (created before now) and answers them. */
    deleteOwnedBy(resourceId: string): Promise<AutomationJson[]> {
      return driver.tx(function* () {
        const owned = yield* relatedOp(resourceId, true);
        for (const a of owned) yield* deleteOp(a.id);
        return owned;
      });
    },
  };
}

export type AutomationsStore = ReturnType<typeof automationsStore>;
