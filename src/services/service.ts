// The one shape of background work. A service has Prefect's name and settings, starts and stops, and
// reports what it is doing to the dashboard's settings page. Loop services run `runOnce()` every
// `loopSeconds` (tests call runOnce directly); subscriber services listen to the event bus.
//
// A loop never stacks: the next run is timed from the start of the last one and starts only after it
// ends, however long it took. A failing run logs one line (again only when the error changes, so a
// database that is down does not flood the log every five seconds) and the loop keeps its schedule.
import { errorText, log } from "../core/logger.ts";
import { nowTimestamp } from "../core/time.ts";

export interface ServiceStatus {
  name: string;
  description: string;
  /** The settings prefix (PREFECT_SERVER_SERVICES_<KEY>_…), or null for prefect-lite's own upkeep. */
  settingKey: string | null;
  enabled: boolean;
  running: boolean;
  loopSeconds: number | null;
  runs: number;
  failures: number;
  lastRunAt: string | null;
  lastDurationMs: number | null;
  lastError: string | null;
  lastErrorAt: string | null;
  /** One line about the last run or the current work ("3 runs marked late", "12 events queued"). */
  detail: string | null;
}

/** What the settings page says a service is doing. */
export function stateOf(s: ServiceStatus, prefectServicesOn: boolean, prefectService: boolean): string {
  if (!s.enabled) return "disabled by its setting";
  if (s.running) return s.lastError ? "running; the last run failed" : "running";
  return !prefectServicesOn && prefectService ? "off (--no-services)" : "stopped";
}

export interface Service {
  readonly name: string;
  /** Prefect's own services follow --no-services; upkeep of our database (checkpoints …) does not. */
  readonly prefectService: boolean;
  start(): void;
  stop(): Promise<void>;
  status(): ServiceStatus;
}

export interface ServiceInfo {
  name: string;
  description: string;
  settingKey: string | null;
  enabled: boolean;
}

/** What a loop's run reports: a line for the settings page, or nothing. */
export type RunSummary = string | void;

export interface LoopServiceOptions extends ServiceInfo {
  loopSeconds: number;
  runOnce: () => Promise<RunSummary>;
  /** Work to do once when the service stops (a last optimize, a last fold). */
  onStop?: () => Promise<void> | void;
  /** Asks a run under way to end early when the service stops; `resume` undoes it on start. */
  interrupt?: { halt: () => void; resume: () => void };
  prefectService?: boolean;
  /** With several servers on one database, only the leader runs the loop (db/leader.ts). */
  leader?: () => Promise<boolean>;
}

export class LoopService implements Service {
  readonly name: string;
  readonly prefectService: boolean;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private current: Promise<void> | null = null;
  private started = false;
  private stats = {
    runs: 0,
    failures: 0,
    lastRunAt: null as string | null,
    lastDurationMs: null as number | null,
    lastError: null as string | null,
    lastErrorAt: null as string | null,
    detail: null as string | null,
  };

  constructor(private readonly opts: LoopServiceOptions) {
    this.name = opts.name;
    this.prefectService = opts.prefectService ?? true;
  }

  /** One run now; a run already under way is joined, never doubled. Rejects with the run's error. */
  runOnce(): Promise<void> {
    this.current ??= this.run().finally(() => {
      this.current = null;
    });
    return this.current;
  }

  start(): void {
    if (this.started || !this.opts.enabled) return;
    this.started = true;
    this.opts.interrupt?.resume();
    // Prefect's perpetual services run once at start-up, then every loop_seconds.
    this.schedule(0);
  }

  async stop(): Promise<void> {
    const wasStarted = this.started;
    this.started = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (wasStarted) this.opts.interrupt?.halt();
    await this.current?.catch(() => {});
    if (wasStarted) await this.opts.onStop?.();
  }

  status(): ServiceStatus {
    const { name, description, settingKey, enabled, loopSeconds } = this.opts;
    return { name, description, settingKey, enabled, running: this.started, loopSeconds, ...this.stats };
  }

  private schedule(delayMs: number): void {
    this.timer = setTimeout(() => void this.tick(), delayMs);
    this.timer.unref?.();
  }

  private async tick(): Promise<void> {
    const started = performance.now();
    await this.runOnce().catch(() => {});
    if (!this.started) return;
    this.schedule(Math.max(0, this.opts.loopSeconds * 1000 - (performance.now() - started)));
  }

  private async run(): Promise<void> {
    const t0 = performance.now();
    this.stats.lastRunAt = nowTimestamp();
    try {
      if (this.opts.leader && !(await this.opts.leader())) {
        this.stats.detail = "standing by: another server on this database runs it";
        return;
      }
      const summary = await this.opts.runOnce();
      if (this.stats.lastError) log.info(`${this.name}: running again after: ${this.stats.lastError}`);
      this.stats.lastError = null;
      this.stats.detail = summary || null;
    } catch (e) {
      const text = errorText(e);
      if (text !== this.stats.lastError) log.error(`${this.name} failed (it keeps its schedule)`, e);
      this.stats.failures++;
      this.stats.lastError = text;
      this.stats.lastErrorAt = nowTimestamp();
      throw e;
    } finally {
      this.stats.runs++;
      this.stats.lastDurationMs = performance.now() - t0;
    }
  }
}

/** Something started and stopped as a whole, reporting a status: the bus subscribers, the checkpointer. */
export interface Startable {
  start(): void | Promise<void>;
  stop(): Promise<void>;
  /** A line for the settings page about the work at hand. */
  detail?(): string | null;
  lastError?(): string | null;
}

/** A service that is not a loop: it runs from start to stop (a bus subscriber, a worker thread). */
export class RunningService implements Service {
  readonly name: string;
  readonly prefectService: boolean;
  private started = false;
  private startedAt: string | null = null;

  constructor(
    private readonly info: ServiceInfo & { prefectService?: boolean },
    private readonly inner: Startable,
  ) {
    this.name = info.name;
    this.prefectService = info.prefectService ?? true;
  }

  start(): void {
    if (this.started || !this.info.enabled) return;
    this.started = true;
    this.startedAt = nowTimestamp();
    Promise.resolve(this.inner.start()).catch((e) => log.error(`${this.name} did not start`, e));
  }

  async stop(): Promise<void> {
    if (!this.started) return;
    this.started = false;
    await this.inner.stop();
  }

  status(): ServiceStatus {
    const { name, description, settingKey, enabled } = this.info;
    const lastError = this.inner.lastError?.() ?? null;
    return {
      name,
      description,
      settingKey,
      enabled,
      running: this.started,
      loopSeconds: null,
      runs: 0,
      failures: 0,
      lastRunAt: this.startedAt,
      lastDurationMs: null,
      lastError,
      lastErrorAt: null,
      detail: this.inner.detail?.() ?? null,
    };
  }
}
