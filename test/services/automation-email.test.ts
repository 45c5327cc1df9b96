// SMTP email for notifications (services/automation-perform.ts sendEmail, through nodemailer) against
// the loopback SMTP server of test/support/smtp-server.ts: plain, STARTTLS and implicit TLS with a
// self-signed certificate made here, a login with the password, and the envelope recipients, From,
// Subject and body checked. A refused recipient, a certificate that fails verification and a server
// that does not offer the STARTTLS the block asks for are failed, retryable deliveries. Then the
// built-in smtp-email block type end to end: offered on the Blocks page, a document made through the
// API (password masked) that an automation's send-notification mails through, on every dialect.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { sendEmail } from "../../src/services/automation-perform.ts";
import { testApp } from "../support/app.ts";
import { DIALECTS } from "../support/databases.ts";
import { blockDocument, callJson, failRun, notifyOnFailure, settle } from "../support/notifications.ts";
import { type Cert, selfSignedCert, smtpServer } from "../support/smtp-server.ts";

type Server = Awaited<ReturnType<typeof smtpServer>>;

describe("SMTP notifications", () => {
  let cert: Cert;
  let plain: Server;
  let refusing: Server;
  let starttls: Server;
  let implicit: Server;
  beforeAll(async () => {
    cert = selfSignedCert();
    plain = await smtpServer();
    refusing = await smtpServer({ refuseRecipients: true });
    starttls = await smtpServer({ mode: "starttls", cert });
    implicit = await smtpServer({ mode: "implicit", cert });
  });
  afterAll(async () => {
    for (const s of [plain, refusing, starttls, implicit]) await s.stop();
  });
  const block = (port: number, extra: Record<string, unknown> = {}) => ({
    smtp_server: "127.0.0.1",
    smtp_port: port,
    smtp_type: "INSECURE",
    email_from: "prefect@example.test",
    email_to: ["ops@example.test", "oncall@example.test"],
    ...extra,
  });
  const expectMail = (s: Server, secure: boolean, login: string | null = null) => {
    expect(s.mails.length).toBe(1);
    const m = s.mails[0]!;
    expect(m.secure).toBe(secure);
    expect(m.login).toBe(login);
    expect(m.to).toEqual(["ops@example.test", "oncall@example.test"]);
    expect(m.from).toContain("<prefect@example.test>");
    expect(m.data).toContain("Subject: etl failed");
    expect(m.data).toContain("To: ops@example.test, oncall@example.test");
    expect(m.data).toContain("Run nightly entered Failed");
  };

  test("plain: the message arrives with its recipients, sender, subject and body", async () => {
    const r = await sendEmail(block(plain.port), "etl failed", "Run nightly entered Failed", 5_000);
    expect(r.ok).toBe(true);
    expectMail(plain, false);
  });

  test("STARTTLS: the connection is upgraded before the login and the mail", async () => {
    const data = block(starttls.port, { smtp_type: "STARTTLS", verify: false, username: "u1", password: "pw-1" });
    const r = await sendEmail(data, "etl failed", "Run nightly entered Failed", 5_000);
    expect(r).toMatchObject({ ok: true });
    expectMail(starttls, true, "u1:pw-1");
  });

  test("implicit TLS (SSL): encrypted from the first byte", async () => {
    const data = block(implicit.port, { smtp_type: "SSL", verify: false, username: "u2", password: "pw-2" });
    const r = await sendEmail(data, "etl failed", "Run nightly entered Failed", 5_000);
    expect(r).toMatchObject({ ok: true });
    expectMail(implicit, true, "u2:pw-2");
  });

  test("a certificate that fails verification, or no STARTTLS on offer, sends nothing", async () => {
    const before = starttls.mails.length;
    const unverified = await sendEmail(block(starttls.port, { smtp_type: "STARTTLS" }), "s", "b", 5_000);
    expect(unverified).toMatchObject({ ok: false, retry: true });
    expect(starttls.mails.length).toBe(before);
    // The plain server offers no STARTTLS: the block asked for it, so nothing goes in the clear.
    const downgraded = await sendEmail(block(plain.port, { smtp_type: "STARTTLS", verify: false }), "s", "b", 5_000);
    expect(downgraded).toMatchObject({ ok: false, retry: true });
    expect(plain.mails.length).toBe(1);
  });

  test("a refused recipient is a failed delivery to retry", async () => {
    const r = await sendEmail(block(refusing.port), "s", "b", 5_000);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.retry).toBe(true);
      expect(r.reason).toContain("SMTP delivery failed");
    }
  });
});

describe.each(DIALECTS)("the smtp-email block type on $name", ({ url }) => {
  let t: Awaited<ReturnType<typeof testApp>>;
  let server: Server;
  const call = (method: string, path: string, json?: unknown) => callJson(t, method, path, json);
  beforeAll(async () => {
    server = await smtpServer({ mode: "starttls", cert: selfSignedCert() });
    t = await testApp({}, await url());
    await t.app.blocks.registerBuiltIns();
    await t.app.automations.triggers.start();
  });
  afterAll(async () => {
    await t.close();
    await server.stop();
  });

  test("a document made through the API mails an automation's notification over STARTTLS", async () => {
    const type = await call("GET", "/api/block_types/slug/smtp-email");
    expect(type.status).toBe(200);
    expect(type.body.name).toBe("SMTP Email");
    const schemas = (
      await call("POST", "/api/block_schemas/filter", { block_schemas: { block_type_id: { any_: [type.body.id] } } })
    ).body;
    expect(schemas[0].capabilities).toEqual(["notify"]);
    expect(schemas[0].fields.secret_fields).toEqual(["password"]);
    // The Blocks page offers it, the password as a password field.
    const form = await t.call("/blocks/catalog/smtp-email/create", { headers: { accept: "text/html" } });
    expect(form.status).toBe(200);
    const html = await form.text();
    for (const field of ["smtp_server", "smtp_type", "smtp_port", "username", "email_from", "email_to", "verify"])
      expect(html).toContain(field);
    expect(html).toMatch(/type="password"[^>]*password|password[^>]*type="password"/);
    const doc = await blockDocument(t, "smtp-email", "ops-mail", {
      smtp_server: "127.0.0.1",
      smtp_port: server.port,
      smtp_type: "STARTTLS",
      username: "mailer",
      password: "mail-secret",
      email_from: "prefect@example.test",
      email_to: ["ops@example.test"],
      verify: false,
    });
    expect((await call("GET", `/api/block_documents/${doc}`)).body.data.password).toBe("********");
    const flowId = (await call("POST", "/api/flows/", { name: "etl" })).body.id;
    await notifyOnFailure(t, "mail failures", [doc]);
    await failRun(t, { flowId, name: "nightly" });
    await settle(t);
    expect(server.mails.length).toBe(1);
    const m = server.mails[0]!;
    expect([m.secure, m.login, m.to]).toEqual([true, "mailer:mail-secret", ["ops@example.test"]]);
    expect(m.data).toContain("Subject: nightly failed");
    expect(m.data).toContain("Flow etl run nightly entered Failed");
  });
});
