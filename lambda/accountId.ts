// The one rule for account ids (docs/INTERFACE.md, "Configuration"): checked before any call is made.
// zod/mini: the same validation as zod's classic API in a fraction of the bundle (15 KiB, not 440).
import * as z from 'zod/mini';

export const ACCOUNT_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,127}$/;

export const AccountIdSchema = z
  .string({
    error: (issue) =>
      issue.input === undefined ? 'accountId is required' : 'accountId must be a string',
  })
  .check(
    z.regex(ACCOUNT_ID_PATTERN, {
      error: 'accountId must match ^[A-Za-z0-9][A-Za-z0-9._@-]{0,127}$',
    }),
  );

export const isAccountId = (value: unknown): value is string =>
  typeof value === 'string' && ACCOUNT_ID_PATTERN.test(value);
