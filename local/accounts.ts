// The accounts local mode seeds on every start: read from a JSON file, validated, never echoed
// (a local file may hold real tokens when MEETING_API_BASE_URL points at the real service).
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { z } from 'zod';
import { ACCOUNT_ID_PATTERN, ACCOUNT_ID_RULE } from '../lambda/commons/interface.js';

// Only the simulator behaviours that make sense to demonstrate; hangs and floods stay test-only.
const SimulatedAnswer = z.strictObject({
  status: z.number().int().min(100).max(599).optional(),
  delayMs: z.number().int().min(0).max(30_000).optional(),
  reset: z.boolean().optional(),
  headers: z.record(z.string(), z.string()).optional(),
});

const Account = z.strictObject({
  accountId: z.string().regex(ACCOUNT_ID_PATTERN, { error: ACCOUNT_ID_RULE }),
  token: z.string().min(1).max(4096),
  /** Whether the simulator knows the token as live (default true); a dead one answers 401. */
  live: z.boolean().optional(),
  /** Store the token itself as the secret string instead of JSON. */
  raw: z.boolean().optional(),
  /** Scripted simulator answers, one per call, the last one repeated. */
  simulate: z.array(SimulatedAnswer).min(1).max(20).optional(),
  /** Rotation configured for its secret (with the simulator): POST /_local/rotate rotates it. */
  rotate: z.boolean().optional(),
});

const AccountsFile = z.object({
  accounts: z.array(Account).max(10_000),
});

export type LocalAccount = z.infer<typeof Account>;

export const EXAMPLE_ACCOUNTS_FILE = resolve(import.meta.dirname, 'accounts.example.json');
export const DEFAULT_ACCOUNTS_FILE = resolve(import.meta.dirname, 'accounts.json');

/** The file to seed from: the given one, else local/accounts.json if present, else the example. */
export const accountsFileFor = (given: string | undefined): string => {
  if (given) return resolve(given);
  return existsSync(DEFAULT_ACCOUNTS_FILE) ? DEFAULT_ACCOUNTS_FILE : EXAMPLE_ACCOUNTS_FILE;
};

export const loadAccounts = (file: string): LocalAccount[] => {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    const reason = error instanceof SyntaxError ? 'is not valid JSON' : 'cannot be read';
    throw new Error(`accounts file ${file} ${reason}`);
  }
  const result = AccountsFile.safeParse(parsed);
  if (!result.success) {
    // Paths and messages only: zod does not put the offending value (a token) in either.
    const problems = result.error.issues
      .slice(0, 5)
      .map((issue) => `${issue.path.join('.') || '(file)'}: ${issue.message}`)
      .join('; ');
    throw new Error(`accounts file ${file} is invalid: ${problems}`);
  }
  const seen = new Set<string>();
  for (const account of result.data.accounts) {
    if (seen.has(account.accountId)) {
      throw new Error(`accounts file ${file} lists account ${account.accountId} twice`);
    }
    seen.add(account.accountId);
  }
  return result.data.accounts;
};
