export const HELP = `eks-token: a Kubernetes exec credential plugin for Amazon EKS

Usage:
  eks-token [token] --cluster-name NAME [options]      print an ExecCredential (or a bare token)
  eks-token verify [TOKEN|-] [--cluster-name N] [--sts] [--output text|json]
  eks-token kubeconfig --cluster-name N [--region R] [options]   write a kubeconfig entry
  eks-token kubeconfig migrate [--kubeconfig PATH] [--dry-run]    switch existing entries to eks-token
  eks-token kubeconfig sync [--sso-session S | --profile P ...] [--dry-run]   every cluster you can reach
  eks-token cache list | cache clear [--cluster-name N]
  eks-token doctor [--context NAME] [--can-i VERB RESOURCE]   why kubectl is Unauthorized
  eks-token login [--profile P | --sso-session S] [--use-device-code]   sign in to IAM Identity Center

Token options:
  --cluster-name NAME      the EKS cluster the token is for (signed as x-k8s-aws-id)
  -i, --cluster-id ID      the same; for Outposts local clusters, the cluster id (wins over the name)
  --region REGION          region to sign in (else AWS_REGION, AWS_DEFAULT_REGION, the profile's region;
                           with none, the global sts.amazonaws.com)
  --profile PROFILE        AWS profile (else AWS_PROFILE)
  -r, --role-arn, --role ARN   assume this role first
  -s, --session-name NAME  session name for the role (default EKSGetTokenAuth)
  -e, --external-id ID     external id for the role
  --forward-session-name   use the caller's own session name for the role
  --sso-session S --sso-account-id A --sso-role-name R
                           an IAM Identity Center account and role, signed in through sso-session S
                           (or --sso-start-url U --sso-region R instead of --sso-session); no profile
  --output json|token      an ExecCredential (default) or the bare token; --token-only = --output token
  --api-version V          v1 or v1beta1 (default: what kubectl asks for in KUBERNETES_EXEC_INFO)
  --no-cache               neither read nor write the token cache for this call
  --cache-dir DIR          cache directory (default ~/.kube/cache/eks-token)
  --debug                  details on stderr, secrets redacted
  --sso-login auto|never   sign in to an expired SSO session in the browser when a person is there
                           (auto, the default), or never (EKS_TOKEN_SSO_LOGIN=never)
  -h, --help, --version

Accepted for drop-in use: \`--region R eks get-token --cluster-name N --output json\` (aws eks get-token)
and \`token -i N [-r ARN] [--cache]\` (aws-iam-authenticator).

Environment: AWS_PROFILE, AWS_REGION, AWS_DEFAULT_REGION, AWS_STS_REGIONAL_ENDPOINTS,
AWS_USE_FIPS_ENDPOINT, AWS_USE_DUALSTACK_ENDPOINT, AWS_ENDPOINT_URL_STS, the AWS SDK's credential
variables, KUBERNETES_EXEC_INFO, KUBERNETES_AWS_AUTHENTICATOR_CLUSTER_ID, EKS_TOKEN_CACHE_DIR,
EKS_TOKEN_NO_CACHE=1, EKS_TOKEN_DEBUG=1, EKS_TOKEN_SSO_LOGIN=never.
`;
