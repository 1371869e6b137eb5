/**
 * `eks-token doctor`: flags in, the report out (text or JSON on stdout), exit 0 when the cluster
 * accepts the token (and allows --can-i), 1 when a check fails, 2 for usage.
 */
import { EksTokenError } from "../errors.js";
import { runDoctor, type DoctorInput } from "../usecases/doctor/doctor.js";
import { realDoctorDeps } from "../usecases/doctor/real-deps.js";
import { checkEndpoint } from "../kubeconfig/validate.js";
import { quote } from "../quote.js";
import { formatJson, formatText } from "../usecases/doctor/report.js";
import { parseFlags } from "./flags.js";
import type { Command } from "./io.js";

export const DOCTOR_USAGE = `usage: eks-token doctor [--context NAME] [--kubeconfig PATH] [options]
       eks-token doctor --cluster-name NAME [--region R] [--profile P] [--role-arn ARN]
                        [--endpoint URL --ca-data BASE64] [options]

Walks the path a token takes (kubeconfig entry, credentials, identity, token, cluster, access
entry, aws-auth, the API server's authentication and authorization) and says where kubectl would be
Unauthorized or Forbidden, with the command that fixes it. The kubeconfig form checks what kubectl
runs for the context, also when the entry runs \`aws eks get-token\` or aws-iam-authenticator.
  --context NAME              the kubeconfig context (default: the current context)
  --kubeconfig PATH           the kubeconfig file (default: KUBECONFIG, else ~/.kube/config)
  --cluster-name NAME         check this cluster without a kubeconfig
  --region R, --profile P, --role-arn ARN   as for a token
  --endpoint URL, --ca-data BASE64          the API server and its CA (default: DescribeCluster's)
  --can-i VERB RESOURCE       also ask whether the identity may, e.g. --can-i list pods
  -n, --namespace NAMESPACE   the namespace for --can-i
  --output text|json          report format (default text)
Exit status: 0 the cluster accepts the token (and allows --can-i), 1 a check failed, 2 usage.
`;

const OPTIONS = {
  context: { type: "string" },
  kubeconfig: { type: "string" },
  "cluster-name": { type: "string" },
  region: { type: "string" },
  profile: { type: "string" },
  "role-arn": { type: "string" },
  endpoint: { type: "string" },
  "ca-data": { type: "string" },
  "can-i": { type: "string" },
  namespace: { type: "string", short: "n" },
  output: { type: "string", short: "o" },
  help: { type: "boolean", short: "h" },
} as const;

const HINT = "run `eks-token doctor --help`";

function usage(message: string, hint = HINT): EksTokenError {
  return new EksTokenError("usage", message, hint);
}

export function parseDoctorArgs(
  args: readonly string[],
): (DoctorInput & { readonly output: "text" | "json"; readonly help: false }) | { readonly help: true } {
  const { values, positionals } = parseFlags(args, OPTIONS, { positionals: true, hint: HINT });
  if (values.help) return { help: true };
  const output = values.output ?? "text";
  if (output !== "text" && output !== "json")
    throw usage(`unknown output format ${quote(output)}`, "use --output text or --output json");
  let canI: DoctorInput["canI"];
  if (values["can-i"] !== undefined) {
    const verb = values["can-i"];
    if (positionals.length !== 1)
      throw usage("--can-i takes a verb and a resource", "e.g. --can-i list pods -n default");
    const resource = positionals[0]!;
    for (const [what, value] of [
      ["verb", verb],
      ["resource", resource],
    ] as const)
      if (!/^[a-z*][a-z0-9.*-]{0,252}$/i.test(value))
        throw usage(`--can-i ${what} ${quote(value)} is not a Kubernetes ${what}`);
    const namespace = values.namespace;
    if (namespace !== undefined && !/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(namespace))
      throw usage(`namespace ${quote(namespace)} is not a Kubernetes namespace name`);
    canI = { verb, resource, namespace };
  } else {
    if (positionals.length > 0) throw usage(`unexpected argument ${quote(positionals[0]!)}`);
    if (values.namespace !== undefined) throw usage("--namespace goes with --can-i");
  }
  const clusterName = values["cluster-name"];
  if (clusterName === undefined) {
    for (const flag of ["region", "profile", "role-arn", "endpoint", "ca-data"] as const)
      if (values[flag] !== undefined)
        throw usage(`--${flag} goes with --cluster-name`, "without it, doctor reads them from the kubeconfig context");
    return {
      help: false,
      output,
      canI,
      source: { kind: "kubeconfig", context: values.context, kubeconfig: values.kubeconfig },
    };
  }
  if (values.context !== undefined || values.kubeconfig !== undefined)
    throw usage("--cluster-name and --context/--kubeconfig are two ways to say the cluster: pick one");
  const endpoint = values.endpoint;
  if (endpoint !== undefined) {
    let url: URL | undefined;
    try {
      url = new URL(endpoint);
    } catch {
      url = undefined;
    }
    if (url && (url.username || url.password))
      throw usage("--endpoint must not carry a user name or password", "pass the API server URL alone");
    // As `eks-token kubeconfig --endpoint` takes it: https only, so a token never goes out in clear.
    checkEndpoint(endpoint);
  }
  const caData = values["ca-data"];
  if (caData !== undefined && !/^[A-Za-z0-9+/=\s]+$/.test(caData))
    throw usage("--ca-data is not base64", "pass certificate-authority-data as DescribeCluster gives it");
  return {
    help: false,
    output,
    canI,
    source: {
      kind: "flags",
      clusterName,
      region: values.region,
      profile: values.profile,
      roleArn: values["role-arn"],
      endpoint,
      caData,
    },
  };
}

const runDoctor_: Command = async (args, io) => {
  const parsed = parseDoctorArgs(args);
  if (parsed.help) {
    io.stdout(DOCTOR_USAGE);
    return 0;
  }
  const report = await runDoctor(parsed, realDoctorDeps(io, process.cwd()));
  io.stdout(parsed.output === "json" ? formatJson(report) : formatText(report));
  return report.ok ? 0 : 1;
};

export { runDoctor_ as runDoctorCommand };
