// The one rule for account ids (docs/INTERFACE.md, "Configuration"): checked before any call is made.
// valibot: only the checks used are bundled (a few KiB).
import * as v from 'valibot';
import { ACCOUNT_ID_PATTERN, ACCOUNT_ID_RULE } from '../commons/interface.js';

export { ACCOUNT_ID_PATTERN };

export const AccountIdSchema = v.pipe(
  v.string((issue) =>
    issue.input === undefined ? 'accountId is required' : 'accountId must be a string',
  ),
  v.regex(ACCOUNT_ID_PATTERN, `accountId ${ACCOUNT_ID_RULE}`),
);

export const isAccountId = (value: unknown): value is string =>
  typeof value === 'string' && ACCOUNT_ID_PATTERN.test(value);
