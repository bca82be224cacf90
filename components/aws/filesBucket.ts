// The aws-ec2 control host's files bucket: the rendered files the host copies at boot, private, encrypted at rest,
// reachable over TLS only.
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { RenderedFile } from "../render";

/**
 * The bucket and one object per rendered file under `prefix`. Private, encrypted, and disposable (everything in it
 * is rendered again by every `up`). Named (not autonamed) so the encryption and access-block resources name it by a
 * value known at preview: the policy pack's s3-encrypted rule matches them to the bucket by that name. Account and
 * region make it unique.
 */
export function renderedFilesBucket(
  name: string,
  args: {
    stack: string;
    region: string;
    prefix: string;
    files: readonly RenderedFile[];
    tags: Readonly<Record<string, string>>;
  },
  opts: pulumi.CustomResourceOptions,
) {
  const tags = { ...args.tags };
  const account = aws.getCallerIdentityOutput({}, opts);
  const bucket = new aws.s3.Bucket(
    `${name}-files`,
    {
      bucket: account.accountId.apply((id) => filesBucketName(args.stack, id, args.region)),
      forceDestroy: true,
      tags,
    },
    opts,
  );
  const publicAccess = new aws.s3.BucketPublicAccessBlock(
    `${name}-files`,
    {
      bucket: bucket.bucket,
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    },
    opts,
  );
  const encryption = new aws.s3.BucketServerSideEncryptionConfiguration(
    `${name}-files`,
    { bucket: bucket.bucket, rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }] },
    opts,
  );
  // TLS only: any request over plain HTTP is denied, whoever makes it (AWS S3 User Guide, "Security best practices
  // for Amazon S3": deny aws:SecureTransport false). A Deny-only policy is not public, so the access block allows it.
  const tlsOnly = new aws.s3.BucketPolicy(
    `${name}-files-tls-only`,
    { bucket: bucket.bucket, policy: bucket.arn.apply(tlsOnlyBucketPolicy) },
    { ...opts, dependsOn: [publicAccess] },
  );
  const objects = args.files.map(
    (f) =>
      new aws.s3.BucketObjectv2(
        `${name}-file-${f.path.replace(/[^A-Za-z0-9]+/g, "-")}`,
        {
          bucket: bucket.bucket,
          key: `${args.prefix}/${f.path}`,
          content: f.content,
          contentType: contentType(f.path),
          // No tags: S3 takes at most 10 per object, and the bucket carries the layer's.
        },
        { ...opts, dependsOn: [publicAccess, encryption, tlsOnly] },
      ),
  );
  return { bucket, publicAccess, encryption, tlsOnly, objects };
}

/** Bucket policy denying every S3 action on the bucket and its objects to requests not made over TLS. */
export function tlsOnlyBucketPolicy(bucketArn: string): string {
  return JSON.stringify({
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "DenyInsecureTransport",
        Effect: "Deny",
        Principal: "*",
        Action: "s3:*",
        Resource: [bucketArn, `${bucketArn}/*`],
        Condition: { Bool: { "aws:SecureTransport": "false" } },
      },
    ],
  });
}

/** Content-Type of a rendered file, from its extension. */
function contentType(path: string): string {
  if (path.endsWith(".json")) return "application/json";
  if (path.endsWith(".yaml") || path.endsWith(".yml")) return "application/yaml";
  if (path.endsWith(".sh")) return "text/x-shellscript";
  return "text/plain";
}

/**
 * The files bucket's name: `ai-layer-<stack>-<account>-<region>`, lowercase, the stack part cut so the whole stays
 * within S3's 63 characters (bucket names are global).
 */
export function filesBucketName(stack: string, accountId: string, region: string): string {
  const suffix = `-${accountId}-${region}`;
  const base = `ai-layer-${stack.toLowerCase().replace(/[^a-z0-9-]+/g, "-")}`.slice(0, 63 - suffix.length);
  return `${base.replace(/-+$/, "")}${suffix}`;
}
