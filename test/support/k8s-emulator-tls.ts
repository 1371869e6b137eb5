// A throwaway CA and a server certificate for 127.0.0.1/localhost, made with the openssl CLI
// because node:crypto can make keys but not X.509 certificates.
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

export interface ServerTls {
  readonly caPem: string;
  readonly certPem: string;
  readonly keyPem: string;
}

function serial(): string {
  // Positive 64-bit serials: Go's x509 rejects negative ones.
  const bytes = randomBytes(8);
  bytes[0] = bytes[0]! & 0x7f;
  return `0x${bytes.toString("hex")}`;
}

export async function makeServerTls(commonName = "eks-emulator"): Promise<ServerTls> {
  const dir = await mkdtemp(join(tmpdir(), "k8s-emulator-tls-"));
  const path = (name: string) => join(dir, name);
  const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
  try {
    await run("openssl", [
      "req",
      "-x509",
      ...ec,
      "-keyout",
      path("ca.key"),
      "-out",
      path("ca.crt"),
      "-days",
      "2",
      "-subj",
      `/CN=${commonName}-ca`,
      "-set_serial",
      serial(),
      "-addext",
      "basicConstraints=critical,CA:TRUE",
      "-addext",
      "keyUsage=critical,keyCertSign,cRLSign",
    ]);
    await run("openssl", [
      "req",
      ...ec,
      "-keyout",
      path("server.key"),
      "-out",
      path("server.csr"),
      "-subj",
      `/CN=${commonName}`,
    ]);
    await writeFile(
      path("server.ext"),
      `${[
        "basicConstraints=critical,CA:FALSE",
        "keyUsage=critical,digitalSignature,keyEncipherment",
        "extendedKeyUsage=serverAuth",
        "subjectAltName=IP:127.0.0.1,DNS:localhost",
      ].join("\n")}\n`,
    );
    await run("openssl", [
      "x509",
      "-req",
      "-in",
      path("server.csr"),
      "-CA",
      path("ca.crt"),
      "-CAkey",
      path("ca.key"),
      "-set_serial",
      serial(),
      "-days",
      "2",
      "-extfile",
      path("server.ext"),
      "-out",
      path("server.crt"),
    ]);
    const [caPem, certPem, keyPem] = await Promise.all(
      ["ca.crt", "server.crt", "server.key"].map((f) => readFile(path(f), "utf8")),
    );
    return { caPem: caPem!, certPem: certPem!, keyPem: keyPem! };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
