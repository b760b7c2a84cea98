// Fails fast when npm scripts run on the system Node instead of the Node 24 that the `node`
// devDependency installs (it is missing after `npm ci --ignore-scripts`).
const major = Number(process.versions.node.split('.')[0]);
if (major < 24) {
  console.error(
    `meeting-token-revoker needs Node >= 24 but npm scripts run on ${process.version}. ` +
      'Run `npm ci` without --ignore-scripts so the `node` devDependency installs its binary.',
  );
  process.exit(1);
}
