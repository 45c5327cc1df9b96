// The one way block types and block documents change, for the API and the dashboard: writes through the
// block stores and publishes Prefect's prefect.block-type.* and prefect.block-document.* events after
// the commit (none for anonymous documents, as Prefect). Schemas change without events, as in Prefect.
//
// Like work-pools.ts this does I/O through the stores it is given; the layering test places it above
// store/.
import { AppError } from "../core/errors.ts";
import { nowTimestamp } from "../core/time.ts";
import { blockDocumentEvent, blockTypeEvent } from "../events/block-events.ts";
import type { EventBus } from "../events/bus.ts";
import type { BlockDocumentInput, BlockDocumentPatch, BlockTypeInput, BlockTypeUpdateBody } from "../schemas/blocks.ts";
import type { BlockDocumentsStore } from "../store/block-documents.ts";
import type { BlockRegistration } from "../store/block-registration.ts";
import type { BlockDocumentJson, BlockTypeJson } from "../store/block-shapes.ts";
import type { BlockTypesStore } from "../store/block-types.ts";

export function blockTransitions(deps: {
  types: BlockTypesStore;
  documents: BlockDocumentsStore;
  registerBuiltIns: () => Promise<BlockRegistration>;
  bus: EventBus;
}) {
  const { types, documents, bus } = deps;
  const announceDoc = (kind: "created" | "updated" | "deleted", doc: BlockDocumentJson | null) => {
    if (doc && !doc.is_anonymous) bus.publish([blockDocumentEvent(kind, doc, nowTimestamp())]);
  };

  return {
    async createType(input: BlockTypeInput): Promise<BlockTypeJson> {
      const made = await types.create(input);
      bus.publish([blockTypeEvent("created", made, nowTimestamp())]);
      return made;
    },

    async updateType(id: string, patch: BlockTypeUpdateBody): Promise<boolean> {
      if (!(await types.update(id, patch))) return false;
      const after = await types.get(id);
      if (after) bus.publish([blockTypeEvent("updated", after, nowTimestamp())]);
      return true;
    },

    /** Refuses a protected type (Prefect's 403); null when there is no such type. */
    async deleteType(id: string): Promise<BlockTypeJson | null> {
      const type = await types.get(id);
      if (!type) return null;
      if (type.is_protected) throw new AppError("forbidden", "protected block types cannot be deleted.");
      if (await types.delete(id)) bus.publish([blockTypeEvent("deleted", type, nowTimestamp())]);
      return type;
    },

    /** The built-in catalogue; the types it made or brought up to date are announced. */
    async registerBuiltIns(): Promise<number> {
      const done = await deps.registerBuiltIns();
      const now = nowTimestamp();
      bus.publish([
        ...done.created.map((t) => blockTypeEvent("created", t, now)),
        ...done.updated.map((t) => blockTypeEvent("updated", t, now)),
      ]);
      return done.created.length + done.updated.length;
    },

    async createDocument(input: BlockDocumentInput): Promise<BlockDocumentJson> {
      const doc = await documents.create(input);
      announceDoc("created", doc);
      return doc;
    },

    async updateDocument(id: string, patch: BlockDocumentPatch, dataSent: boolean): Promise<boolean> {
      if (!(await documents.update(id, patch, dataSent))) return false;
      announceDoc("updated", await documents.get(id));
      return true;
    },

    async deleteDocument(id: string): Promise<boolean> {
      const doc = await documents.get(id);
      if (!doc || !(await documents.delete(id))) return false;
      announceDoc("deleted", doc);
      return true;
    },
  };
}

export type BlockTransitions = ReturnType<typeof blockTransitions>;
