// dynalite in a process of its own for the benchmark. Real DynamoDB is a separate service: sharing
// the parent's event loop, dynalite's CPU work delayed the simulator's answers, and the sweep's
// efficiency charged that to the function. Prints `{"endpoint":…}` on stdout once listening.
import { serveDynalite } from '../local/localDynamo.js';

const server = await serveDynalite();
process.stdout.write(`${JSON.stringify({ endpoint: server.endpoint })}\n`);
// The parent holds stdin open: when it goes, however it went (even SIGKILL), so does this process.
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
