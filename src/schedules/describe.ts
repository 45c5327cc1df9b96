// describeSchedule: a schedule in a few words for the dashboard ("Every hour", "At 09:00, Europe/Paris").
// Cron in words comes from cronstrue, an RRULE's from the rrule library's toText().
import cronstrue from "cronstrue";
import { RRule } from "rrule";
import { isCron, isInterval, type Schedule } from "./model";

const UNITS: Array<[seconds: number, name: string]> = [
  [604_800, "week"],
  [86_400, "day"],
  [3600, "hour"],
  [60, "minute"],
  [1, "second"],
];

export function describeSchedule(schedule: Schedule): string {
  if (isInterval(schedule)) return every(schedule.interval);
  const zone = schedule.timezone && schedule.timezone !== "UTC" ? `, ${schedule.timezone}` : "";
  if (isCron(schedule)) return `${cronInWords(schedule.cron)}${zone}`;
  return `${rruleInWords(schedule.rrule)}${zone}`;
}

function every(seconds: number): string {
  for (const [size, name] of UNITS) {
    if (seconds >= size && seconds % size === 0) {
      const count = seconds / size;
      return count === 1 ? `Every ${name}` : `Every ${count} ${name}s`;
    }
  }
  return `Every ${seconds} seconds`;
}

/** croniter's field order (seconds sixth, year seventh) turned into cronstrue's (seconds first). */
function cronInWords(cron: string): string {
  const fields = cron.trim().split(/\s+/);
  if (fields.length >= 6) fields.unshift(fields.splice(5, 1)[0]);
  // croniter's "L5" (the last Friday) is cronstrue's "5L".
  const dow = fields.length >= 6 ? 5 : 4;
  if (fields[dow]) fields[dow] = fields[dow].replace(/\bL(\d)\b/gi, "$1L");
  try {
    return cronstrue.toString(fields.join(" "), { use24HourTimeFormat: true, verbose: false });
  } catch {
    return cron;
  }
}

function rruleInWords(text: string): string {
  const line = text
    .trim()
    .split(/\s+/)
    .find((l) => /^(RRULE:)?FREQ=/i.test(l) || (!l.includes(":") && /FREQ=/i.test(l)));
  if (!line) return "On set dates";
  try {
    const rule = new RRule(RRule.parseString(line.replace(/^RRULE:/i, "").toUpperCase()));
    const words = rule.toText();
    const more = text.trim().split(/\s+/).length > (/DTSTART/i.test(text) ? 2 : 1) ? " (with exceptions)" : "";
    return words.charAt(0).toUpperCase() + words.slice(1) + more;
  } catch {
    return "Custom RRule schedule";
  }
}
