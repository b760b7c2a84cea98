// Starts a stand-in's server on a free port of 127.0.0.1 (never another interface) and returns
// its base URL: every local server of local mode and the tests starts this way.
import type { AddressInfo, Server } from 'node:net';

export const listenOnLoopback = async (server: Server): Promise<string> => {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
};
