// The `sql` tag the store builds its statements with: drizzle's, minus its per-call work. drizzle's tag
// makes a StringChunk per text part and walks every chunk looking for Table objects on each call; a
// transition builds dozens of statements, and that was a tenth of its CPU. Here a call site's text parts
// are made once (keyed by the template's strings array, which is the same object on every call) and
// the result is a plain drizzle SQL, so sql.join, sql.raw and compile.ts treat it as any other. The
// store interpolates no Table objects (it names tables with sql.raw), so the walk found nothing anyway.
import { SQL, StringChunk, sql as drizzleSql } from "drizzle-orm";

const textChunks = new WeakMap<TemplateStringsArray, StringChunk[]>();

function tag(strings: TemplateStringsArray, ...params: unknown[]): SQL {
  let texts = textChunks.get(strings);
  if (!texts) {
    texts = strings.map((s) => new StringChunk(s));
    textChunks.set(strings, texts);
  }
  const chunks: unknown[] = [texts[0]];
  for (let i = 0; i < params.length; i++) chunks.push(params[i], texts[i + 1]);
  // An empty list spares the constructor's walk; queryChunks is read-only only to TypeScript.
  const out = new SQL([]);
  (out as { queryChunks: unknown[] }).queryChunks = chunks;
  return out;
}

export const sql = Object.assign(tag, { join: drizzleSql.join, raw: drizzleSql.raw });
