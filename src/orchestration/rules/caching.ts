import { accept, ALL_FROM, reject, states, type Rule } from "../context.ts";
import { draftFromState } from "../states.ts";

/**
 * A task about to run whose cache_key already has an unexpired COMPLETED state gets a fresh copy of
 * that state, named Cached, instead of running. The lookup is I/O, so the store pre-loads the newest
 * unexpired cache entry for the proposal's cache_key as `cachedState`.
 */
export const CacheRetrieval: Rule = {
  name: "CacheRetrieval",
  from: ALL_FROM,
  to: states("RUNNING"),
  before({ proposed, cachedState }) {
    const key = proposed.state_details.cache_key;
    if (!key || proposed.state_details.refresh_cache || !cachedState) return accept();
    return reject({ ...draftFromState(cachedState), name: "Cached" }, "Retrieved state from cache");
  },
};

/**
 * Completed states with a cache_key become cache entries. Over-long keys are refused (the state is
 * still written, with a REJECT status, as in Prefect); unlike Prefect no entry is made for them.
 */
export const CacheInsertion: Rule = {
  name: "CacheInsertion",
  from: ALL_FROM,
  to: states("COMPLETED"),
  before({ proposed, maxCacheKeyLength }) {
    const key = proposed.state_details.cache_key;
    if (key && key.length > maxCacheKeyLength) {
      return reject(proposed, `Cache key exceeded maximum allowed length of ${maxCacheKeyLength} characters.`);
    }
    return accept();
  },
  after({ validated, maxCacheKeyLength }) {
    const key = validated?.state_details.cache_key;
    if (!validated || !key || key.length > maxCacheKeyLength) return {};
    return {
      effects: [
        {
          kind: "insert_task_run_state_cache",
          cache_key: key,
          cache_expiration: validated.state_details.cache_expiration ?? null,
          task_run_state_id: validated.id,
        },
      ],
    };
  },
};
