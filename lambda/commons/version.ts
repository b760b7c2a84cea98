// The package version, inlined by the build (scripts/build.mjs) and read from package.json in tests.
declare const __PACKAGE_VERSION__: string | undefined;

export const VERSION: string =
  typeof __PACKAGE_VERSION__ === 'string' ? __PACKAGE_VERSION__ : '0.0.0-dev';

export const USER_AGENT = `meeting-token-revoker/${VERSION} (+https://github.com/meeting-token-revoker)`;
