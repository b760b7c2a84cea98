// The one rule for account ids (docs/INTERFACE.md, "Configuration"): checked before any call is made.
// zod/mini: the same validation as zod's classic API in a fraction of the bundle (15 KiB, not 440).
import * as z from 'zod/mini';
import { ACCOUNT_ID_PATTERN, ACCOUNT_ID_RULE } from '../commons/interface.js';

export { ACCOUNT_ID_PATTERN };

export const AccountIdSchema = z
  .string({
    error: (issue) =>
      issue.input === undefined ? 'accountId is required' : 'accountId must be a string',
  })
  .check(
    z.regex(ACCOUNT_ID_PATTERN, {
      error: `accountId ${ACCOUNT_ID_RULE}`,
    }),
  );

export const isAccountId = (value: unknown): value is string =>
  typeof value === 'string' && ACCOUNT_ID_PATTERN.test(value);
