// The SSRF guard for blocks with allow_private_urls false (src/services/private-urls.ts): Python's
// is_private ranges on both families, IP literals without a lookup, names through the resolver.
import { describe, expect, test } from "bun:test";
import { isPrivateAddress, privateUrlRefusal } from "../../src/services/private-urls.ts";

describe("private URLs", () => {
  test("private, loopback, link-local and reserved addresses are private; public ones are not", () => {
    const privateOnes = ["127.0.0.1", "10.1.2.3", "172.31.255.255", "192.168.0.1", "169.254.169.254", "0.0.0.0"];
    const more = ["::1", "fd12:3456::1", "fe80::1", "::ffff:127.0.0.1", "2001:db8::1", "240.0.0.1"];
    for (const ip of [...privateOnes, ...more]) expect([ip, isPrivateAddress(ip)]).toEqual([ip, true]);
    for (const ip of ["8.8.8.8", "172.32.0.1", "1.1.1.1", "2606:4700::1111", "100.64.0.1"])
      expect([ip, isPrivateAddress(ip)]).toEqual([ip, false]);
  });

  test("a URL is refused with Prefect's reason when its host is or resolves to a private address", async () => {
    expect(await privateUrlRefusal("http://127.0.0.1:8080/hook?token=secret")).toBe(
      "http://127.0.0.1:8080 is not a valid URL. It resolves to the private address 127.0.0.1.",
    );
    expect(await privateUrlRefusal("http://[::1]:9/x")).toContain("It resolves to the private address ::1.");
    expect(await privateUrlRefusal("http://localhost:9/x")).toMatch(/private address (127\.0\.0\.1|::1)\.$/);
    expect(await privateUrlRefusal("https://8.8.8.8/hook")).toBeNull();
  });
});
