import { autoname, hex, uuidFrom, type OutputsFor } from "./mockIds";
import { ACCOUNT, awsRegion, tagged } from "./awsMockHelpers";

// Outputs of the AWS resources the layer adds for least privilege and audit: the EKS Secrets key, the VPC flow log
// with its log group, and the files bucket's TLS-only policy. Shapes follow the provider's outputs (camelCase).

export const AWS_SECURITY_MOCK_OUTPUTS: Record<string, OutputsFor> = {
  "aws:kms/key:Key": (args, seed) => {
    const id = uuidFrom(seed);
    return {
      id,
      state: {
        ...args.inputs,
        ...tagged(args),
        keyId: id,
        arn: `arn:aws:kms:${awsRegion(args)}:${ACCOUNT}:key/${id}`,
        keyUsage: "ENCRYPT_DECRYPT",
        customerMasterKeySpec: "SYMMETRIC_DEFAULT",
        isEnabled: true,
      },
    };
  },
  "aws:cloudwatch/logGroup:LogGroup": (args, seed) => {
    const name = String(args.inputs.name ?? autoname(args, seed));
    return {
      id: name,
      state: {
        ...args.inputs,
        ...tagged(args),
        name,
        arn: `arn:aws:logs:${awsRegion(args)}:${ACCOUNT}:log-group:${name}`,
      },
    };
  },
  "aws:ec2/flowLog:FlowLog": (args, seed) => {
    const id = `fl-0${hex(seed, 16)}`;
    return {
      id,
      state: {
        ...args.inputs,
        ...tagged(args),
        arn: `arn:aws:ec2:${awsRegion(args)}:${ACCOUNT}:vpc-flow-log/${id}`,
      },
    };
  },
  "aws:s3/bucketPolicy:BucketPolicy": (args) => ({
    id: String(args.inputs.bucket),
    state: { ...args.inputs },
  }),
};
