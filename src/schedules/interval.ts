// Prefect's IntervalSchedule.get_dates as the server runs it on Python 3.11/3.12 (pendulum). The interval
// splits into whole days and the seconds left over:
// - no whole days (sub-day intervals): plain elapsed time from the anchor, blind to DST (an hourly schedule
//   fires every UTC hour);
// - whole days only: calendar days on the local clock, each date the previous one plus N days; a date that
//   falls in a skipped hour moves forward by it and the series keeps the new clock time from then on; a
//   repeated hour takes its second occurrence (pendulum's fold=1). Before the anchor, dates are counted back from it.
// - days and seconds (30 h): the first date by elapsed time, each next one the previous plus the whole
//   interval on the local clock.
import type { IntervalSchedule } from "./model";
import { MAX_US, US_PER_DAY, US_PER_SECOND, type Zone } from "./zone";

const MAX_ITERATIONS = 1000;

export function intervalDates(
  schedule: IntervalSchedule,
  anchor: number,
  zone: Zone,
  start: number,
  end: number | null,
  n: number,
): number[] {
  if (n <= 0) return [];
  const step = Math.round(schedule.interval * US_PER_SECOND);
  const days = Math.floor(step / US_PER_DAY);
  const secs = step - days * US_PER_DAY;
  /** pendulum's add(days=, seconds=): on the local clock when there are days, else elapsed time. */
  const add = (at: number, d: number, s: number) =>
    d !== 0 ? zone.instant(zone.wall(at) + d * US_PER_DAY + s, "forward", "later") : at + s;
  const jump =
    days === 0 || secs === 0 ? (k: number) => add(anchor, days * k, secs * k) : (k: number) => anchor + step * k;

  let next: number;
  let offset = 0;
  const daysOnly = days !== 0 && secs === 0;
  if (start >= anchor && daysOnly && schedule.timezone !== "UTC") {
    next = seekCalendarDays(anchor, zone, start, days * US_PER_DAY);
  } else {
    // Python: int((start - anchor).total_seconds() / interval.total_seconds()), in the same floats.
    offset = Math.trunc((start - anchor) / US_PER_SECOND / (step / US_PER_SECOND));
    next = jump(offset);
    while (next > start) next = jump(--offset);
  }
  const beforeAnchorDays = start < anchor && daysOnly;
  const nextDate = (at: number) => (beforeAnchorDays && offset < 0 ? jump(++offset) : add(at, days, secs));
  while (next < start) next = nextDate(next);

  const out: number[] = [];
  let last = Number.NEGATIVE_INFINITY;
  for (let counter = 0; ; counter++) {
    if ((end !== null && next > end) || next > MAX_US) break;
    // Dates only ever grow, so a repeat (Prefect keeps a set) is always the last one.
    if (next !== last) out.push((last = next));
    if (out.length >= n || counter >= MAX_ITERATIONS + 1) break;
    next = nextDate(next);
  }
  return out;
}

/**
 * The first date at or after `start` of anchor, anchor + N days, … added one after the other on the local
 * clock, without walking them: the clock time only changes where a date falls in a skipped hour.
 */
function seekCalendarDays(anchor: number, zone: Zone, start: number, step: number): number {
  let wall = zone.wall(anchor);
  for (const gap of zone.gapsBetween(anchor, start + step)) {
    const from = gap.at + gap.before; // the first skipped wall time
    const to = gap.at + gap.after; // the first wall time after the skip
    const k = Math.ceil((from - wall) / step);
    const landing = wall + k * step;
    if (k >= 1 && landing < to) {
      if (landing - gap.before >= start) break; // that date is the answer; later ones keep their clock time
      wall = landing + (gap.after - gap.before);
    }
  }
  let k = Math.max(0, Math.floor((zone.wall(start) - wall) / step) - 1);
  let at = zone.instant(wall + k * step, "forward", "later");
  while (at < start) at = zone.instant(wall + ++k * step, "forward", "later");
  return at;
}
