// The SSRF guard of blocks whose allow_private_urls is false (Prefect's validate_restricted_url in
// prefect/utilities/urls.py): the host, or every address it resolves to, must not be private in the
// sense of Python's ipaddress is_private. Checked before each request; like Prefect's pre-flight check
// it does not pin the address it checked, so a DNS answer that changes before the connection is not
// caught.
import { lookup } from "node:dns/promises";
import { BlockList, isIP } from "node:net";

// One list per family: a BlockList holding ::ffff:0:0/96 also matches every IPv4 address.
const PRIVATE_V4 = new BlockList();
const PRIVATE_V6 = new BlockList();
for (const [net, bits] of [
  ["0.0.0.0", 8],
  ["10.0.0.0", 8],
  ["127.0.0.0", 8],
  ["169.254.0.0", 16],
  ["172.16.0.0", 12],
  ["192.0.0.0", 29],
  ["192.0.0.170", 31],
  ["192.0.2.0", 24],
  ["192.168.0.0", 16],
  ["198.18.0.0", 15],
  ["198.51.100.0", 24],
  ["203.0.113.0", 24],
  ["240.0.0.0", 4],
] as const)
  PRIVATE_V4.addSubnet(net, bits, "ipv4");
PRIVATE_V4.addAddress("255.255.255.255", "ipv4");
for (const [net, bits] of [
  ["::1", 128],
  ["::", 128],
  ["::ffff:0:0", 96],
  ["100::", 64],
  ["2001::", 23],
  ["2001:db8::", 32],
  ["2001:10::", 28],
  ["fc00::", 7],
  ["fe80::", 10],
] as const)
  PRIVATE_V6.addSubnet(net, bits, "ipv6");

export function isPrivateAddress(ip: string): boolean {
  const family = isIP(ip);
  return family === 4 ? PRIVATE_V4.check(ip, "ipv4") : family === 6 ? PRIVATE_V6.check(ip, "ipv6") : false;
}

/** Why `url` may not be requested from a block that forbids private URLs, or null when it may. */
export async function privateUrlRefusal(url: string): Promise<string | null> {
  const u = new URL(url);
  const host = u.hostname.replace(/^\[|\]$/g, "");
  const refuse = (why: string) => `${u.origin} is not a valid URL. ${why}`;
  if (u.protocol !== "http:" && u.protocol !== "https:") return refuse("Only HTTP and HTTPS URLs are allowed.");
  let addresses: string[];
  if (isIP(host)) addresses = [host];
  else {
    try {
      addresses = (await lookup(host, { all: true })).map((a) => a.address.split("%")[0]!);
    } catch {
      return refuse("It could not be resolved.");
    }
  }
  const bad = addresses.find(isPrivateAddress);
  if (bad) return refuse(`It resolves to the private address ${bad}.`);
  return addresses.length ? null : refuse("It could not be resolved.");
}
