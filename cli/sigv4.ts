// AWS Signature Version 4 for requests to an IAM-authorised API Gateway (service `execute-api`),
// through the SDK's own signer so that canonicalisation matches what AWS verifies.
import { Sha256 } from '@aws-crypto/sha256-js';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';

export interface Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export type CredentialsProvider = () => Promise<Credentials>;

export interface SignableRequest {
  method: string;
  url: URL;
  /** Headers to sign and send; `host` is added from the URL. */
  headers: Record<string, string>;
  body?: string;
}

export interface SigningOptions {
  credentials: Credentials | CredentialsProvider;
  region: string;
  service?: string;
  /** Fixed only by tests; otherwise now. */
  signingDate?: Date;
}

/**
 * The headers to send: the given ones plus `host`, `x-amz-date`, `authorization` and, for
 * temporary credentials, `x-amz-security-token`.
 */
export const signRequest = async (
  request: SignableRequest,
  options: SigningOptions,
): Promise<Record<string, string>> => {
  const signer = new SignatureV4({
    credentials: options.credentials,
    region: options.region,
    service: options.service ?? 'execute-api',
    sha256: Sha256,
    // x-amz-content-sha256 is S3's; API Gateway hashes the body itself, as the test suite does.
    applyChecksum: false,
  });
  const query: Record<string, string | string[]> = {};
  for (const key of new Set(request.url.searchParams.keys())) {
    const values = request.url.searchParams.getAll(key);
    query[key] = values.length === 1 ? (values[0] as string) : values;
  }
  const unsigned = new HttpRequest({
    method: request.method,
    protocol: request.url.protocol,
    hostname: request.url.hostname,
    ...(request.url.port ? { port: Number(request.url.port) } : {}),
    // Still percent-encoded: the signer encodes each segment once more, as AWS does for every
    // service but S3.
    path: request.url.pathname,
    query,
    // url.host carries a non-default port, exactly as fetch will send the Host header.
    headers: { host: request.url.host, ...request.headers },
    ...(request.body !== undefined ? { body: request.body } : {}),
  });
  const signed = await signer.sign(
    unsigned,
    options.signingDate ? { signingDate: options.signingDate } : {},
  );
  return signed.headers;
};
