// The one table of regional STS hosts the tests check against, one or two regions per partition
// (docs/contract.md, "STS hosts"). Written out by hand, not derived from src/token/sts-host.ts,
// so a change to the production table is noticed.
export interface RegionalHost {
  readonly region: string;
  readonly host: string;
  readonly partition: string;
}

export const REGIONAL_HOSTS: readonly RegionalHost[] = [
  { region: "us-west-2", host: "sts.us-west-2.amazonaws.com", partition: "aws" },
  { region: "eu-west-1", host: "sts.eu-west-1.amazonaws.com", partition: "aws" },
  { region: "ap-east-1", host: "sts.ap-east-1.amazonaws.com", partition: "aws" },
  { region: "us-gov-west-1", host: "sts.us-gov-west-1.amazonaws.com", partition: "aws-us-gov" },
  { region: "us-gov-east-1", host: "sts.us-gov-east-1.amazonaws.com", partition: "aws-us-gov" },
  { region: "cn-north-1", host: "sts.cn-north-1.amazonaws.com.cn", partition: "aws-cn" },
  { region: "cn-northwest-1", host: "sts.cn-northwest-1.amazonaws.com.cn", partition: "aws-cn" },
  { region: "us-iso-east-1", host: "sts.us-iso-east-1.c2s.ic.gov", partition: "aws-iso" },
  { region: "us-iso-west-1", host: "sts.us-iso-west-1.c2s.ic.gov", partition: "aws-iso" },
  { region: "us-isob-east-1", host: "sts.us-isob-east-1.sc2s.sgov.gov", partition: "aws-iso-b" },
  { region: "eu-isoe-west-1", host: "sts.eu-isoe-west-1.cloud.adc-e.uk", partition: "aws-iso-e" },
  { region: "us-isof-south-1", host: "sts.us-isof-south-1.csp.hci.ic.gov", partition: "aws-iso-f" },
  { region: "us-isof-east-1", host: "sts.us-isof-east-1.csp.hci.ic.gov", partition: "aws-iso-f" },
  { region: "eusc-de-east-1", host: "sts.eusc-de-east-1.amazonaws.eu", partition: "aws-eusc" },
];
