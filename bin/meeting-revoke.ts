// Entry of the meeting-revoke command: bundled by scripts/build-cli.mjs into
// dist/meeting-revoke.mjs, the package's `bin`.
import { main } from '../cli/main.js';

process.exitCode = await main(process.argv.slice(2));
