import { describe, expect, it } from "vitest";
import { createClientAddressResolver } from "../../src/http/client-address.js";

function headers(values: Record<string, string>) {
  return (name: string) => values[name];
}

describe("client address behind trusted proxies", () => {
  it("ignores forwarding headers when no proxy is trusted (the default)", () => {
    const resolver = createClientAddressResolver([]);
    expect(
      resolver.resolve("203.0.113.9", headers({ "x-forwarded-for": "1.2.3.4", "x-real-ip": "5.6.7.8" })),
    ).toBe("203.0.113.9");
    expect(resolver.resolve("::ffff:203.0.113.9", headers({}))).toBe("203.0.113.9");
    expect(resolver.resolve(null, headers({ "x-forwarded-for": "1.2.3.4" }))).toBeNull();
  });

  it("ignores forwarding headers from a peer outside the trusted ranges", () => {
    const resolver = createClientAddressResolver(["10.0.0.0/8"]);
    expect(resolver.resolve("192.0.2.1", headers({ "x-forwarded-for": "1.2.3.4" }))).toBe("192.0.2.1");
  });

  it("takes the nearest untrusted hop of X-Forwarded-For from a trusted peer", () => {
    const resolver = createClientAddressResolver(["10.0.0.0/8", "::1"]);
    // A client that forges a first hop cannot hide behind it: the proxy appended the real address.
    const forged = headers({ "x-forwarded-for": "6.6.6.6, 198.51.100.7, 10.1.2.3" });
    expect(resolver.resolve("10.0.0.5", forged)).toBe("198.51.100.7");
    expect(resolver.resolve("::1", headers({ "x-forwarded-for": "2001:db8::1" }))).toBe("2001:db8::1");
    expect(resolver.resolve("::ffff:10.9.9.9", headers({ "x-forwarded-for": "198.51.100.7:5555" }))).toBe(
      "198.51.100.7",
    );
    // Every hop trusted: the farthest one is the client.
    expect(resolver.resolve("10.0.0.5", headers({ "x-forwarded-for": "10.3.3.3, 10.2.2.2" }))).toBe(
      "10.3.3.3",
    );
  });

  it("stops at a malformed hop and keeps the last good address", () => {
    const resolver = createClientAddressResolver(["10.0.0.0/8"]);
    expect(resolver.resolve("10.0.0.5", headers({ "x-forwarded-for": "1.2.3.4, <script>, 10.0.0.9" }))).toBe(
      "10.0.0.9",
    );
    expect(resolver.resolve("10.0.0.5", headers({ "x-forwarded-for": "garbage" }))).toBe("10.0.0.5");
  });

  it("uses X-Real-IP from a trusted peer when there is no X-Forwarded-For", () => {
    const resolver = createClientAddressResolver(["127.0.0.1"]);
    expect(resolver.resolve("127.0.0.1", headers({ "x-real-ip": "198.51.100.20" }))).toBe("198.51.100.20");
    expect(resolver.resolve("127.0.0.1", headers({ "x-real-ip": "not-an-ip" }))).toBe("127.0.0.1");
  });

  it("matches IPv4-mapped ranges as IPv4", () => {
    const resolver = createClientAddressResolver(["::ffff:10.0.0.0/104"]);
    expect(resolver.resolve("10.20.30.40", headers({ "x-real-ip": "198.51.100.20" }))).toBe("198.51.100.20");
  });
});
