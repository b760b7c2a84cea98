// Local mode stops cleanly when a supervisor signals npm (containers, IDE stop buttons, process
// managers) as well as when the server itself is signalled: the port and the data folder's lock
// are freed. Runs `npm run serve`, the same process tree as `npm start` without the rebuild (other
// test files read dist/ meanwhile).
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));

interface Running {
  npm: ChildProcess;
  port: number;
  serverPid: number;
  lock: string;
  exited: Promise<number | null>;
  output: () => string;
}

const started: { npm: ChildProcess; dataDir: string }[] = [];

const isAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** Resolves with whether something accepts connections on the port. */
const accepts = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });

const serve = async (): Promise<Running> => {
  const dataDir = await mkdtemp(join(tmpdir(), 'local-stop-'));
  const npm = spawn('npm', ['run', 'serve'], {
    cwd: root,
    env: { ...process.env, PORT: '0', LOCAL_DATA_DIR: dataDir, POWERTOOLS_LOG_LEVEL: 'SILENT' },
    stdio: ['ignore', 'pipe', 'pipe'],
    // Its own process group, so that a failed test can still end the whole tree.
    detached: true,
  });
  started.push({ npm, dataDir });
  let output = '';
  npm.stdout?.on('data', (chunk) => {
    output += chunk;
  });
  npm.stderr?.on('data', (chunk) => {
    output += chunk;
  });
  const exited = new Promise<number | null>((resolve) => npm.once('exit', (code) => resolve(code)));
  const port = await new Promise<number>((resolve, reject) => {
    const poll = setInterval(() => {
      const match = /API\s+http:\/\/127\.0\.0\.1:(\d+)/.exec(output);
      if (match && /Ready in/.test(output)) {
        clearInterval(poll);
        resolve(Number(match[1]));
      }
    }, 50);
    exited.then((code) => {
      clearInterval(poll);
      reject(new Error(`npm run serve exited (${code}) before it was ready:\n${output}`));
    });
  });
  const lock = join(dataDir, 'server.lock');
  return {
    npm,
    port,
    serverPid: Number(readFileSync(lock, 'utf8')),
    lock,
    exited,
    output: () => output,
  };
};

afterEach(async () => {
  for (const { npm, dataDir } of started.splice(0)) {
    try {
      if (npm.pid) process.kill(-npm.pid, 'SIGKILL');
    } catch {
      // already gone
    }
    await rm(dataDir, { recursive: true, force: true });
  }
});

describe('stopping local mode', () => {
  it('npm start runs the server the way npm run serve does, after building', () => {
    const { scripts } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
      scripts: Record<string, string>;
    };
    // `exec` makes the server npm's own child: a shell in between would take npm's signal and
    // leave the server running.
    const server = '&& exec node --import tsx local/server.ts';
    expect(scripts['serve']?.endsWith(server)).toBe(true);
    expect(scripts['start']).toBe(
      scripts['serve']?.replace(server, `&& node scripts/build.mjs ${server}`),
    );
  });

  it.each([
    ['npm', 'SIGTERM'],
    ['npm', 'SIGINT'],
    ['the server', 'SIGTERM'],
  ] as const)(
    'frees the port and the data lock when %s gets %s',
    async (target, signal) => {
      // Prepare
      const running = await serve();
      expect(running.serverPid).not.toBe(running.npm.pid);
      expect(await accepts(running.port)).toBe(true);

      // Act
      process.kill(target === 'npm' ? running.npm.pid! : running.serverPid, signal);
      const code = await running.exited;

      // Assess: by the time npm has exited, nothing of local mode is left.
      expect(running.output()).toContain(`${signal}: stopping...`);
      expect(running.output()).toContain('stopped.');
      expect(isAlive(running.serverPid)).toBe(false);
      expect(await accepts(running.port)).toBe(false);
      expect(existsSync(running.lock)).toBe(false);
      expect(code === 0 || code === null).toBe(true);
    },
    60_000,
  );
});
