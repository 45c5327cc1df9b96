// A small SMTP server on loopback for the email tests: EHLO, optional STARTTLS (upgrading the same
// connection) or implicit TLS from the first byte, AUTH PLAIN/LOGIN, MAIL, RCPT, DATA. It records each
// mail with its envelope, whether the connection was encrypted and who logged in. The certificate is a
// self-signed one made with openssl for 127.0.0.1 (selfSignedCert).
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import tls from "node:tls";

export interface Mail {
  from: string;
  to: string[];
  data: string;
  /** The connection was encrypted when the mail was sent. */
  secure: boolean;
  /** user:password of the AUTH that preceded it, if any. */
  login: string | null;
}

export interface Cert {
  key: string;
  cert: string;
}

/** A fresh self-signed P-256 certificate for 127.0.0.1 and localhost. */
export function selfSignedCert(): Cert {
  const dir = mkdtempSync(join(tmpdir(), "pl-smtp-cert-"));
  try {
    const r = Bun.spawnSync(
      [
        "openssl",
        "req",
        "-x509",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
        "-days",
        "1",
        "-subj",
        "/CN=localhost",
        "-addext",
        "subjectAltName=IP:127.0.0.1,DNS:localhost",
        "-keyout",
        join(dir, "key.pem"),
        "-out",
        join(dir, "cert.pem"),
      ],
      { stderr: "pipe" },
    );
    if (r.exitCode !== 0) throw new Error(`openssl failed: ${r.stderr.toString()}`);
    return { key: readFileSync(join(dir, "key.pem"), "utf8"), cert: readFileSync(join(dir, "cert.pem"), "utf8") };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export interface SmtpOptions {
  /** plain: no TLS offered; starttls: STARTTLS offered (and required before MAIL); implicit: TLS from the start. */
  mode?: "plain" | "starttls" | "implicit";
  cert?: Cert;
  refuseRecipients?: boolean;
}

const decode = (b64: string) => Buffer.from(b64, "base64").toString("utf8");

export async function smtpServer(opts: SmtpOptions = {}) {
  const mode = opts.mode ?? "plain";
  const mails: Mail[] = [];
  const open = new Set<net.Socket>();
  const serve = (socket: net.Socket, secure: boolean) => {
    let buf = "";
    let mail: Mail = { from: "", to: [], data: "", secure, login: null };
    let inData = false;
    let login: string | null = null;
    let authLogin: string[] | null = null;
    const reply = (line: string) => socket.write(`${line}\r\n`);
    const onData = (chunk: Buffer) => {
      buf += chunk.toString("utf8");
      for (;;) {
        if (inData) {
          const end = buf.indexOf("\r\n.\r\n");
          if (end < 0) return;
          mails.push({ ...mail, data: buf.slice(0, end), login });
          buf = buf.slice(end + 5);
          inData = false;
          mail = { from: "", to: [], data: "", secure, login: null };
          reply("250 queued");
          continue;
        }
        const nl = buf.indexOf("\r\n");
        if (nl < 0) return;
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 2);
        if (authLogin) {
          authLogin.push(decode(line));
          if (authLogin.length === 1) reply(`334 ${Buffer.from("Password:").toString("base64")}`);
          else {
            login = authLogin.join(":");
            authLogin = null;
            reply("235 authenticated");
          }
          continue;
        }
        const cmd = line.slice(0, 8).toUpperCase();
        if (cmd.startsWith("EHLO") || cmd.startsWith("HELO")) {
          const tlsOffer = mode === "starttls" && !secure ? ["250-STARTTLS"] : [];
          socket.write(["250-test", ...tlsOffer, "250-AUTH PLAIN LOGIN", "250 8BITMIME", ""].join("\r\n"));
        } else if (cmd === "STARTTLS" && mode === "starttls" && !secure) {
          reply("220 ready to start TLS");
          socket.removeListener("data", onData);
          serve(new tls.TLSSocket(socket, { isServer: true, key: opts.cert!.key, cert: opts.cert!.cert }), true);
          return;
        } else if (cmd === "STARTTLS") {
          reply("502 STARTTLS not available");
        } else if (cmd.startsWith("AUTH")) {
          const [, kind, initial] = line.split(" ");
          if (kind?.toUpperCase() === "PLAIN") {
            const [, user, pass] = decode(initial ?? "").split("\0");
            login = `${user}:${pass}`;
            reply("235 authenticated");
          } else {
            authLogin = initial ? [decode(initial)] : [];
            reply(`334 ${Buffer.from(authLogin.length ? "Password:" : "Username:").toString("base64")}`);
          }
        } else if (cmd.startsWith("MAIL")) {
          if (mode === "starttls" && !secure) reply("530 must issue STARTTLS first");
          else {
            mail.from = line;
            reply("250 ok");
          }
        } else if (cmd.startsWith("RCPT")) {
          if (opts.refuseRecipients) reply("550 no such user");
          else {
            mail.to.push(line.replace(/^RCPT TO:\s*<?([^>]*)>?.*$/i, "$1"));
            reply("250 ok");
          }
        } else if (cmd.startsWith("DATA")) {
          inData = true;
          reply("354 go ahead");
        } else if (cmd.startsWith("QUIT")) {
          reply("221 bye");
          socket.end();
        } else reply("250 ok");
      }
    };
    socket.on("data", onData);
    socket.on("error", () => {});
    open.add(socket);
    socket.on("close", () => open.delete(socket));
    if (!(socket instanceof tls.TLSSocket) || mode === "implicit") reply("220 test ESMTP");
  };
  const server =
    mode === "implicit"
      ? tls.createServer({ key: opts.cert!.key, cert: opts.cert!.cert }, (s) => serve(s, true))
      : net.createServer((s) => serve(s, false));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    mails,
    port: (server.address() as net.AddressInfo).port,
    stop: () =>
      new Promise<void>((resolve) => {
        for (const s of open) s.destroy();
        server.close(() => resolve());
      }),
  };
}
