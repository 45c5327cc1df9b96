// Schedules: Prefect's interval, cron and RRULE schedules, parsed, expanded into dates and described.
// Pure computation: no I/O, no clock read except parseSchedule's default anchor (now).
export { scheduleDates, type DatesOptions } from "./dates";
export { describeSchedule } from "./describe";
export {
  CronScheduleModel,
  IntervalScheduleModel,
  isCron,
  isInterval,
  isRRule,
  RRuleScheduleModel,
  ScheduleModel,
  type CronSchedule,
  type IntervalSchedule,
  type RRuleSchedule,
  type Schedule,
} from "./model";
export { parseSchedule } from "./parse";
