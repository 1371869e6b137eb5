import { describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { readKubeconfig, type KubeconfigFiles } from "../../../src/usecases/doctor/kubeconfig.js";

const PEM = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";

function config(cluster: Record<string, unknown>): string {
  return stringify({
    apiVersion: "v1",
    kind: "Config",
    "current-context": "prod",
    contexts: [{ name: "prod", context: { cluster: "prod", user: "prod" } }],
    clusters: [{ name: "prod", cluster: { server: "https://127.0.0.1:6443", ...cluster } }],
    users: [
      {
        name: "prod",
        user: {
          exec: {
            apiVersion: "client.authentication.k8s.io/v1beta1",
            command: "eks-token",
            args: ["token", "--cluster-name", "prod", "--region", "eu-west-1"],
          },
        },
      },
    ],
  });
}

function files(contents: Record<string, string>): KubeconfigFiles {
  return {
    cwd: "/work",
    readFile: (path) => contents[path],
    findExecutable: (command) => ({ path: `/usr/bin/${command}`, replaceableByOthers: false }),
  };
}

describe("readKubeconfig", () => {
  it("reads a relative certificate-authority path from the kubeconfig's own folder, as kubectl does", () => {
    const reading = readKubeconfig(
      { kubeconfig: "/home/kube/config" },
      {},
      files({
        "/home/kube/config": config({ "certificate-authority": "certs/ca.pem" }),
        "/home/kube/certs/ca.pem": PEM,
      }),
    );
    expect(reading.target?.caData).toBe(Buffer.from(PEM).toString("base64"));
  });

  it("an absolute certificate-authority path is read as it is", () => {
    const reading = readKubeconfig(
      { kubeconfig: "/home/kube/config" },
      {},
      files({ "/home/kube/config": config({ "certificate-authority": "/etc/ca.pem" }), "/etc/ca.pem": PEM }),
    );
    expect(reading.target?.caData).toBe(Buffer.from(PEM).toString("base64"));
  });

  it("a file of nested brackets or an alias bomb is one failing check, not a crash", () => {
    const bomb = ['a: &a ["x","x","x","x","x","x","x","x","x","x"]'];
    for (let i = 1; i < 8; i++)
      bomb.push(
        `${"b".repeat(i)}: &${"a".repeat(i + 1)} [${Array(10)
          .fill(`*${"a".repeat(i)}`)
          .join(",")}]`,
      );
    for (const text of ["[".repeat(40_000), bomb.join("\n")]) {
      const reading = readKubeconfig({ kubeconfig: "/home/kube/config" }, {}, files({ "/home/kube/config": text }));
      expect(reading.target).toBeUndefined();
      expect(reading.check.status).toBe("fail");
      expect(reading.check.detail).toMatch(/nested more than 128 deep|aliases expand beyond 100 nodes/);
    }
  });

  it("names the file the command resolves to; a relative command is read from the kubeconfig's folder, as kubectl does", () => {
    const asked: string[] = [];
    const withCommand = (command: string) =>
      config({ "certificate-authority-data": "Q0EK" }).replace("command: eks-token", `command: ${command}`);
    const track = (contents: Record<string, string>): KubeconfigFiles => ({
      ...files(contents),
      findExecutable: (command) => {
        asked.push(command);
        return { path: command.startsWith("/") ? command : `/usr/bin/${command}`, replaceableByOthers: false };
      },
    });
    const named = readKubeconfig(
      { kubeconfig: "/home/kube/config" },
      {},
      track({ "/home/kube/config": withCommand("eks-token") }),
    );
    expect(named.check).toMatchObject({
      status: "pass",
      detail: "context prod: user prod runs eks-token, which is /usr/bin/eks-token (v1beta1)",
    });
    const relative = readKubeconfig(
      { kubeconfig: "/home/kube/config" },
      {},
      track({ "/home/kube/config": withCommand("./bin/eks-token") }),
    );
    expect(asked.at(-1)).toBe("/home/kube/bin/eks-token");
    expect(relative.check.detail).toBe("context prod: user prod runs /home/kube/bin/eks-token (v1beta1)");
  });
});
