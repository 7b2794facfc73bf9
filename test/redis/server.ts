import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import * as net from 'node:net';

/**
 * A real redis-server for the tests (Debian's package; .ci/run installs it): loopback, a free port,
 * no persistence, stopped by `stop()`. `pause()`/`resume()` freeze and thaw the process (SIGSTOP /
 * SIGCONT) to play a server that stops answering; `kill()` ends it like a crash.
 */
export interface RedisServer {
  readonly port: number;
  readonly url: string;
  stop(): Promise<void>;
  /** Start it again on the same port (after `kill`), empty. */
  restart(): Promise<void>;
  kill(): Promise<void>;
  pause(): void;
  resume(): void;
}

export const REDIS_SERVER = process.env.REDIS_SERVER ?? '/usr/bin/redis-server';

export function redisServerAvailable(): boolean {
  return existsSync(REDIS_SERVER);
}

export async function startRedisServer(): Promise<RedisServer> {
  if (!redisServerAvailable()) throw new Error(`${REDIS_SERVER} is missing: apt-get install redis-server (.ci/run does)`);
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    try {
      let child = await spawnOn(port);
      const server: RedisServer = {
        port,
        url: `redis://127.0.0.1:${port}`,
        stop: () => stopChild(child),
        kill: () => stopChild(child, 'SIGKILL'),
        restart: async () => {
          child = await spawnOn(port);
        },
        pause: () => child.kill('SIGSTOP'),
        resume: () => child.kill('SIGCONT'),
      };
      return server;
    } catch (error) {
      if (attempt >= 5) throw error;
    }
  }
}

async function spawnOn(port: number): Promise<ChildProcess> {
  const child = spawn(REDIS_SERVER, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--protected-mode', 'yes', '--loglevel', 'warning'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<never>((_, reject) => child.once('exit', (code) => reject(new Error(`redis-server exited with ${code}: ${output.slice(-500)}`))));
  await Promise.race([waitForPing(port), exited]);
  return child;
}

async function stopChild(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGCONT');
  child.kill(signal);
  await exited;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** PING over a raw socket until +PONG (at most 10 s). */
async function waitForPing(port: number): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    const answered = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, '127.0.0.1');
      socket.setTimeout(500);
      socket.once('connect', () => socket.write('PING\r\n'));
      socket.once('data', (data) => {
        socket.destroy();
        resolve(data.toString().startsWith('+PONG'));
      });
      socket.once('error', () => resolve(false));
      socket.once('timeout', () => {
        socket.destroy();
        resolve(false);
      });
    });
    if (answered) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`redis-server did not answer on port ${port}`);
}
