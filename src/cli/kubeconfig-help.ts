/** Usage text of `eks-token kubeconfig`. */
export const KUBECONFIG_HELP = `Usage:
  eks-token kubeconfig --cluster-name NAME [options]
      Add or update the cluster, user and context of an EKS cluster; the user runs eks-token.
  eks-token kubeconfig migrate [--kubeconfig PATH] [--dry-run]
      Rewrite users that run \`aws eks get-token\` or \`aws-iam-authenticator token\` to run eks-token.
  eks-token kubeconfig sync [options]
      Keep a context for every EKS cluster your AWS access reaches (see \`kubeconfig sync --help\`).

Options:
  --cluster-name NAME   cluster to add (alias: --name)
  --region REGION       default: AWS_REGION, AWS_DEFAULT_REGION, the profile's region
  --profile PROFILE     AWS profile for DescribeCluster; written as AWS_PROFILE in the user's env
  --role-arn ARN        role eks-token assumes when minting tokens
  --alias NAME          context name (default: the cluster ARN)
  --user-alias NAME     user name (default: the cluster ARN)
  --kubeconfig PATH     file to write (default: first KUBECONFIG file holding the cluster,
                        else the first KUBECONFIG path, else ~/.kube/config)
  --api-version V       v1beta1 (default) or v1
  --endpoint URL        API server https:// URL (no user or password); with --ca-data, no
                        DescribeCluster call is made
  --ca-data BASE64      certificate-authority-data of the cluster (base64 of its PEM certificate)
  --cluster-arn ARN     with --endpoint/--ca-data: name the entries by this ARN
                        (otherwise by --alias, else by the cluster name)
  --dry-run             print the resulting kubeconfig instead of writing it
  -h, --help            show this help

Writes take <file>.lock as kubectl does (waiting up to 10 s) and read the file again under it.
`;
