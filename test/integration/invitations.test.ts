// Invitations and registration: a code is shown once, stored hashed, works once; used, expired, revoked and
// unknown codes fail with the reason; registration is throttled per client address like login.
import { createClient } from "@libsql/client";
import { afterEach, describe, expect, it } from "vitest";
import { api, apiAs, loginAs, movableClock } from "../fixtures/admin-api.js";
import { startTestApp, type TestApp } from "../fixtures/test-app.js";

let app: TestApp | undefined;

afterEach(async () => {
  await app?.close();
  app = undefined;
});

const register = (
  target: TestApp,
  invitation_code: string,
  username: string,
  password = "a-good-password-1",
) => apiAs(target, {}, "POST", "/api/auth/register", { invitation_code, username, password });

describe("invitations", () => {
  it("invite → register → log in: the code works once and is stored only as a hash", async () => {
    app = await startTestApp();
    const created = await api(app, "POST", "/api/invitations", { role: "viewer" });
    expect(created.status).toBe(201);
    const { code, id, expires_at } = created.body;
    expect(code).toMatch(/^inv_[A-Za-z0-9_-]{32}$/);
    // 72 hours by default.
    expect(Date.parse(expires_at) - Date.parse(created.body.created_at)).toBe(72 * 3_600_000);

    const registered = await register(app, code, "grace");
    expect(registered.status).toBe(201);
    expect(registered.body).toMatchObject({ username: "grace", role: "viewer", must_change_password: false });
    const session = await loginAs(app, "grace", "a-good-password-1");
    expect((await apiAs(app, session, "GET", "/api/auth/me")).body.user.username).toBe("grace");

    const again = await register(app, code, "grace2");
    expect(again.status).toBe(400);
    expect(again.body.error).toMatchObject({ code: "invitation_used", param: "invitation_code" });
    expect(again.body.error.message).toContain("already been used");

    const list = (await api(app, "GET", "/api/invitations")).body.data;
    expect(list).toEqual([expect.objectContaining({ id, status: "used", used_by_username: "grace" })]);
    expect(JSON.stringify(list)).not.toContain(code);

    const file = createClient({ url: app.composition.deps.config.databaseUrl });
    const stored = (await file.execute("SELECT code_hash FROM invitations")).rows[0]?.code_hash;
    file.close();
    expect(stored).toMatch(/^[0-9a-f]{64}$/);
    expect(stored).not.toContain(code);
  });

  it("an admin invitation makes an admin; usernames stay unique in any case", async () => {
    app = await startTestApp();
    const { code } = (await api(app, "POST", "/api/invitations", { role: "admin", expires_in_hours: 1 }))
      .body;
    const taken = await register(app, code, "Admin");
    expect(taken.status).toBe(409);
    expect(taken.body.error.code).toBe("username_taken");
    // The failed attempt did not use the invitation up.
    const ok = await register(app, code, "henry");
    expect(ok.body.role).toBe("admin");
  });

  it("an expired code fails as expired, a revoked one as revoked, an unknown one as not valid", async () => {
    const clock = movableClock();
    app = await startTestApp({ clock });
    const expiring = (await api(app, "POST", "/api/invitations", { expires_in_hours: 2 })).body;
    const revoked = (await api(app, "POST", "/api/invitations", {})).body;
    expect((await api(app, "DELETE", `/api/invitations/${revoked.id}`)).status).toBe(204);
    clock.advance(2 * 3_600_000);

    const expired = await register(app, expiring.code, "ivan");
    expect(expired.status).toBe(400);
    expect(expired.body.error.code).toBe("invitation_expired");
    expect(expired.body.error.message).toContain("expired");
    const gone = await register(app, revoked.code, "ivan");
    expect(gone.body.error.code).toBe("invitation_revoked");
    expect(gone.body.error.message).toContain("revoked");
    const unknown = await register(app, "inv_not-a-real-code", "ivan");
    expect(unknown.body.error.code).toBe("invitation_invalid");

    const statuses = (await api(app, "GET", "/api/invitations")).body.data.map(
      (i: { status: string }) => i.status,
    );
    expect(statuses.sort()).toEqual(["expired", "revoked"]);
    expect((await api(app, "DELETE", "/api/invitations/nope")).status).toBe(404);
  });

  it("validates the invitation body and the registration (field named, password rule given)", async () => {
    app = await startTestApp();
    const badRole = await api(app, "POST", "/api/invitations", { role: "owner" });
    expect(badRole.body.error.param).toBe("role");
    const tooLong = await api(app, "POST", "/api/invitations", { expires_in_hours: 10_000 });
    expect(tooLong.status).toBe(400);
    expect(tooLong.body.error.param).toBe("expires_in_hours");
    const { code } = (await api(app, "POST", "/api/invitations", {})).body;
    const weak = await register(app, code, "judy", "1111111111");
    expect(weak.status).toBe(400);
    expect(weak.body.error).toMatchObject({ code: "weak_password", param: "password" });
    const missing = await apiAs(app, {}, "POST", "/api/auth/register", { username: "judy", password: "x" });
    expect(missing.body.error.param).toBe("invitation_code");
    // Nothing above used the code up.
    expect((await register(app, code, "judy")).status).toBe(201);
  });

  it("wrong codes from one address are throttled like logins (429 with Retry-After)", async () => {
    // A stopped clock: the backoff after the 10th failure does not run out while the test goes on.
    const frozen = Date.now();
    app = await startTestApp({ clock: { now: () => frozen, monotonic: () => performance.now() } });
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++) statuses.push((await register(app, `inv_guess-${i}`, "kim")).status);
    expect(statuses.slice(0, 9)).toEqual(Array(9).fill(400));
    expect(statuses.slice(9)).toEqual([429, 429, 429]);
    const { code } = (await api(app, "POST", "/api/invitations", {})).body;
    const refused = await fetch(`${app.url}/api/auth/register`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ invitation_code: code, username: "kim", password: "a-good-password-1" }),
    });
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(((await refused.json()) as { error: { type: string } }).error.type).toBe("rate_limit_error");
  });
});
