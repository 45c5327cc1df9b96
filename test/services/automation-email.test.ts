// SMTP email for notifications (services/automation-perform.ts sendEmail, through nodemailer) against a
// tiny SMTP server on loopback written here: the envelope recipients, the From, the Subject and the
// body arrive; a server that refuses the recipient is a failed, retryable delivery.
import { afterAll, describe, expect, test } from "bun:test";
import { sendEmail } from "../../src/services/automation-perform.ts";

interface Mail {
  from: string;
  to: string[];
  data: string;
}

function smtpServer(refuseRecipients = false) {
  const mails: Mail[] = [];
  const server = Bun.listen<{ buf: string; mail: Mail; inData: boolean }>({
    hostname: "127.0.0.1",
    port: 0,
    socket: {
      open(s) {
        s.data = { buf: "", mail: { from: "", to: [], data: "" }, inData: false };
        s.write("220 test ESMTP\r\n");
      },
      data(s, chunk) {
        s.data.buf += chunk.toString();
        for (;;) {
          if (s.data.inData) {
            const end = s.data.buf.indexOf("\r\n.\r\n");
            if (end < 0) return;
            s.data.mail.data = s.data.buf.slice(0, end);
            s.data.buf = s.data.buf.slice(end + 5);
            s.data.inData = false;
            mails.push(s.data.mail);
            s.data.mail = { from: "", to: [], data: "" };
            s.write("250 queued\r\n");
            continue;
          }
          const nl = s.data.buf.indexOf("\r\n");
          if (nl < 0) return;
          const line = s.data.buf.slice(0, nl);
          s.data.buf = s.data.buf.slice(nl + 2);
          const cmd = line.slice(0, 4).toUpperCase();
          if (cmd === "EHLO" || cmd === "HELO") s.write("250-test\r\n250 8BITMIME\r\n");
          else if (cmd === "MAIL") {
            s.data.mail.from = line;
            s.write("250 ok\r\n");
          } else if (cmd === "RCPT") {
            if (refuseRecipients) s.write("550 no such user\r\n");
            else {
              s.data.mail.to.push(line.replace(/^RCPT TO:\s*<?([^>]*)>?.*$/i, "$1"));
              s.write("250 ok\r\n");
            }
          } else if (cmd === "DATA") {
            s.data.inData = true;
            s.write("354 go ahead\r\n");
          } else if (cmd === "QUIT") {
            s.write("221 bye\r\n");
            s.end();
          } else s.write("250 ok\r\n");
        }
      },
    },
  });
  return { server, mails };
}

describe("SMTP notifications", () => {
  const ok = smtpServer();
  const refusing = smtpServer(true);
  afterAll(() => {
    ok.server.stop(true);
    refusing.server.stop(true);
  });
  const block = (port: number) => ({
    smtp_server: "127.0.0.1",
    smtp_port: port,
    smtp_type: "INSECURE",
    email_from: "prefect@example.test",
    email_to: ["ops@example.test", "oncall@example.test"],
  });

  test("the message arrives with its recipients, sender, subject and body", async () => {
    const r = await sendEmail(block(ok.server.port), "etl failed", "Run nightly entered Failed", 5_000);
    expect(r.ok).toBe(true);
    expect(ok.mails.length).toBe(1);
    const m = ok.mails[0]!;
    expect(m.to).toEqual(["ops@example.test", "oncall@example.test"]);
    expect(m.from).toContain("prefect@example.test");
    expect(m.data).toContain("Subject: etl failed");
    expect(m.data).toContain("Run nightly entered Failed");
  });

  test("a refused recipient is a failed delivery to retry", async () => {
    const r = await sendEmail(block(refusing.server.port), "s", "b", 5_000);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.retry).toBe(true);
      expect(r.reason).toContain("SMTP delivery failed");
    }
  });
});
