// The cold first request's third arm: bench/direct.ts (the same AWS and Huawei calls as the
// handler's POST /revocations, in plain code: secret read, marker look-up, DELETE, record and
// marker) as a Lambda handler, bundled the way the deployed bundle is (scripts/bundling.mjs).
// Its cold invocation is the floor of any design on these SDK clients; what the deployed bundle
// costs above it is the price of its own work: Middy, Powertools, validation, and the claim that
// keeps two invocations from revoking one version twice.
import type { APIGatewayProxyEventV2WithIAMAuthorizer } from 'aws-lambda';
import { createDirect, type Direct } from './direct.js';

let direct: Direct | undefined;

export const handler = (event: APIGatewayProxyEventV2WithIAMAuthorizer) => {
  direct ??= createDirect();
  return direct.handle(event);
};
