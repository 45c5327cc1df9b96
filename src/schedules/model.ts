// The three schedule shapes Prefect deployments carry (prefect.server.schemas.schedules). The TypeBox model
// is loose on purpose: it documents the shapes in OpenAPI and lets any object through, so that
// parseSchedule() gives the one set of Prefect-style messages (a union's own errors would not).
import { t } from "elysia";

const Timezone = t.Optional(t.Union([t.String({ examples: ["America/New_York"] }), t.Null()]));

export const IntervalScheduleModel = t.Object(
  {
    interval: t.Number({ exclusiveMinimum: 0, description: "Seconds between runs." }),
    anchor_date: t.Optional(t.String({ format: "date-time", examples: ["2020-01-01T00:00:00Z"] })),
    timezone: Timezone,
  },
  { additionalProperties: true, title: "IntervalSchedule" },
);

export const CronScheduleModel = t.Object(
  {
    cron: t.String({ examples: ["0 0 * * *"] }),
    timezone: Timezone,
    day_or: t.Optional(t.Boolean({ default: true })),
  },
  { additionalProperties: true, title: "CronSchedule" },
);

export const RRuleScheduleModel = t.Object(
  { rrule: t.String(), timezone: Timezone },
  { additionalProperties: true, title: "RRuleSchedule" },
);

/** A schedule as the API accepts it: checked in full by parseSchedule(). */
export const ScheduleModel = t.Union([IntervalScheduleModel, CronScheduleModel, RRuleScheduleModel], {
  description: "An interval, cron or RRule schedule.",
});

/** Every `interval` seconds from `anchor_date`; `timezone` decides how days are counted across DST. */
export interface IntervalSchedule {
  interval: number;
  anchor_date: string; // normalised UTC timestamp
  timezone: string;
}

/** A cron expression (5, 6 or 7 fields: croniter's order, seconds then year last) read in `timezone`. */
export interface CronSchedule {
  cron: string;
  timezone: string | null; // null computes in UTC, as Prefect does
  day_or: boolean;
}

/** An RFC 5545 RRULE or rule set (DTSTART, RRULE, RDATE, EXRULE, EXDATE lines) read in `timezone`. */
export interface RRuleSchedule {
  rrule: string;
  timezone: string | null; // null computes in UTC
}

export type Schedule = IntervalSchedule | CronSchedule | RRuleSchedule;

export const isInterval = (s: Schedule): s is IntervalSchedule => "interval" in s;
export const isCron = (s: Schedule): s is CronSchedule => "cron" in s;
export const isRRule = (s: Schedule): s is RRuleSchedule => "rrule" in s;
