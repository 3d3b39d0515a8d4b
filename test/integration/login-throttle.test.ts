// Login throttling over real HTTP from several client addresses (127.0.0.x): an attacker's failures back
// off his own (username, address) pair only, so the admin still logs in from elsewhere; parallel attempts
// cannot outrun the limit.
import { request } from "node:http";
import { afterEach, describe, expect, it } from "vitest";
import { startTestApp, TEST_ADMIN_PASSWORD, type TestApp } from "../fixtures/test-app.js";

/** POST /api/auth/login from the local address `from` (any 127.0.0.0/8 address works on loopback). */
function sendLogin(app: TestApp, from: string, username: string, password: string) {
  const body = JSON.stringify({ username, password });
  let flushed: () => void = () => {};
  const sent = new Promise<void>((resolve) => {
    flushed = resolve;
  });
  const status = new Promise<number>((resolve, reject) => {
    const req = request(`${app.url}/api/auth/login`, {
      method: "POST",
      localAddress: from,
      agent: false,
      headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body) },
    });
    req.on("response", (response) => {
      response.resume();
      response.on("end", () => resolve(response.statusCode ?? 0));
    });
    req.on("error", reject);
    req.end(body, () => flushed());
  });
  /** sent: the whole request has been handed to the socket; status: the answer's. */
  return { sent, status };
}

function loginFrom(app: TestApp, from: string, username: string, password: string): Promise<number> {
  return sendLogin(app, from, username, password).status;
}

describe("login throttle over HTTP", () => {
  let app: TestApp | undefined;
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  it("an attacker locking out his own address does not keep the admin out from another one", async () => {
    app = await startTestApp({ env: { LLMLB_LOGIN_LOCKOUT_SECS: "3600" } });
    const attacker: number[] = [];
    for (let i = 0; i < 15; i++) attacker.push(await loginFrom(app, "127.0.0.66", "admin", `guess-${i}`));
    expect(attacker.slice(0, 9)).toEqual(Array(9).fill(401));
    expect(attacker.slice(9)).toEqual(Array(6).fill(429));
    expect(await loginFrom(app, "127.0.0.66", "admin", TEST_ADMIN_PASSWORD)).toBe(429);
    expect(await loginFrom(app, "127.0.0.1", "admin", TEST_ADMIN_PASSWORD)).toBe(200);
  });

  it("with 9 failures recorded, 3 wrong and then 1 right password sent at once: no session", async () => {
    app = await startTestApp({ env: { LLMLB_LOGIN_LOCKOUT_SECS: "3600" } });
    for (let i = 0; i < 9; i++) expect(await loginFrom(app, "127.0.0.7", "admin", `wrong-${i}`)).toBe(401);
    // The wrong ones are on the wire before the right one is sent; none has been answered yet.
    const wrong = ["wrong-a", "wrong-b", "wrong-c"].map((password) =>
      sendLogin(app as TestApp, "127.0.0.7", "admin", password),
    );
    await Promise.all(wrong.map((attempt) => attempt.sent));
    const right = sendLogin(app, "127.0.0.7", "admin", TEST_ADMIN_PASSWORD);
    const statuses = await Promise.all([...wrong.map((attempt) => attempt.status), right.status]);
    // One wrong attempt was checked (the 10th failure: backoff, 429); the rest were refused unchecked.
    expect(statuses).toEqual([429, 429, 429, 429]);
  });
});
