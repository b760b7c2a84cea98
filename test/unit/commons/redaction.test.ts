import { describe, expect, it } from 'vitest';
import {
  isCredentialKey,
  MASK,
  redactingReplacer,
  rememberSecret,
  scrub,
} from '../../../lambda/commons/redaction.js';

describe('redaction', () => {
  it.each([
    'token',
    'accessToken',
    'access_token',
    'X-Access-Token',
    'x-access-token',
    'authorization',
    'Authorization',
    'password',
    'secretString',
    'SecretString',
    'cookie',
  ])('treats %s as a credential key', (key) => {
    expect(isCredentialKey(key)).toBe(true);
  });

  it.each(['tokenFingerprint', 'accountId', 'requestId', 'outcome', 'secretVersionId'])(
    'leaves %s alone',
    (key) => {
      expect(isCredentialKey(key)).toBe(false);
    },
  );

  it('masks credential keys and scrubs live tokens from any string', () => {
    // Prepare
    const token = 'cnr1LiveTokenValue0123456789';
    const forget = rememberSecret(token);
    // Act
    const line = JSON.stringify(
      { accessToken: token, note: `upstream said ${token} is bad`, accountId: 'a' },
      redactingReplacer,
    );
    forget();
    // Assess
    expect(line).not.toContain(token);
    expect(line).toContain(`"accessToken":"${MASK}"`);
    expect(line).toContain(`upstream said ${MASK} is bad`);
    expect(scrub(`later ${token}`)).toBe(`later ${token}`);
  });

  it('keeps masking a token shared by two revocations until both are done', () => {
    const token = 'cnr1sharedtokensharedtoken0001';
    const forgetFirst = rememberSecret(token);
    const forgetSecond = rememberSecret(token);
    forgetFirst();
    expect(scrub(`still in use ${token}`)).toBe(`still in use ${MASK}`);
    forgetFirst(); // forgetting twice must not release the other's hold
    expect(scrub(token)).toBe(MASK);
    forgetSecond();
    expect(scrub(token)).toBe(token);
  });
});
