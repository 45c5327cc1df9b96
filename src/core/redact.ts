// Credentials never reach a terminal: every message that may quote a URL (database URL parse errors,
// connection failures, settings shown by `config view`, the CLI's last-resort error line) passes through
// maskCredentials. It lives in core/ so settings/, db/ and cli/ can all use the same one.

/** What a hidden value prints as, here and for secret settings (settings/registry.ts). */
export const CREDENTIAL_MASK = "********";

// scheme://… up to whitespace or a quote, so a URL quoted inside a sentence ends at its closing quote.
// One slash or three count too: a mistyped URL is still quoted back by the error that rejects it.
const URL_TOKEN = /\b([a-z][a-z0-9+.-]*:\/+)([^\s'"`<>]*)/gi;
// user:password@host with no scheme at all (a URL missing its `postgresql://`).
const BARE_USERINFO = /(^|[\s'"`(=])([^\s'"`<>:/@]+):(?!\/)[^\s'"`<>]*@/g;
// libpq also accepts the password as a query parameter.
const PASSWORD_PARAM = /([?&]password=)[^&#\s'"`<>]*/gi;

/**
 * Every `scheme://user:password@host…` in the text becomes `scheme://user:********@host…`. The
 * user-info ends at the LAST `@` before the query: an unencoded `@` or `/` in a password is a broken
 * URL, but hiding too much is the safe side of that mistake.
 */
export function maskCredentials(text: string): string {
  return text
    .replace(URL_TOKEN, (_, scheme: string, rest: string) => scheme + maskAuthority(rest))
    .replace(BARE_USERINFO, `$1$2:${CREDENTIAL_MASK}@`)
    .replace(PASSWORD_PARAM, `$1${CREDENTIAL_MASK}`);
}

function maskAuthority(rest: string): string {
  const queryAt = rest.search(/[?#]/);
  const head = queryAt < 0 ? rest : rest.slice(0, queryAt);
  const at = head.lastIndexOf("@");
  if (at < 0) return rest;
  const colon = head.indexOf(":");
  if (colon < 0 || colon > at) return rest; // a user name alone is not a secret
  return `${head.slice(0, colon)}:${CREDENTIAL_MASK}${rest.slice(at)}`;
}
