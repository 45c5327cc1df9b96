// The one way artifacts are made and deleted, for the API: writes through the artifacts store and, when
// a key's latest artifact moved, publishes prefect.artifact-collection.created / updated / deleted after
// the commit, as Prefect's server does (an update of an artifact announces nothing there either).
//
// Like transitions.ts this does I/O through the store it is given; the layering test places it above
// store/.
import { nowTimestamp } from "../core/time.ts";
import { artifactCollectionEvent } from "../events/artifact-events.ts";
import type { EventBus } from "../events/bus.ts";
import type { ArtifactInput } from "../schemas/artifacts.ts";
import type { ArtifactJson, ArtifactsStore, CollectionChange } from "../store/artifacts.ts";

export function artifactChanges(deps: { artifacts: ArtifactsStore; bus: EventBus }) {
  const { artifacts, bus } = deps;
  const announce = (change: CollectionChange | null) => {
    if (change) bus.publish([artifactCollectionEvent(change.action, change.collection, nowTimestamp())]);
  };
  return {
    async create(input: ArtifactInput): Promise<ArtifactJson> {
      const { artifact, change } = await artifacts.create(input);
      announce(change);
      return artifact;
    },
    /** The artifact deleted; null when there was none. */
    async delete(id: string): Promise<ArtifactJson | null> {
      const done = await artifacts.delete(id);
      if (!done) return null;
      announce(done.change);
      return done.artifact;
    },
  };
}

export type ArtifactChanges = ReturnType<typeof artifactChanges>;
