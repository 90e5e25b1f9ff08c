/**
 * The machine the figures come from: its description, and CPU use per process and of everything
 * else, read from /proc (Linux; null elsewhere) so that a run on a busy machine says so.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import os from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import Redis from 'ioredis';
import { createConnection } from 'mysql2/promise';

/** Jiffies per second in /proc/stat and /proc/<pid>/stat (USER_HZ, 100 on Linux). */
const JIFFIES_PER_SECOND = 100;

/**
 * Jiffies of all CPUs so far, from /proc/stat. `busy` is user, nice and system time only, the
 * kinds a process is charged with: interrupt time (the loopback traffic of the benchmark
 * itself, mostly) is left out.
 */
function machineJiffies(): { busy: number; total: number } | null {
  try {
    const [user, nice, system, ...rest] = readFileSync('/proc/stat', 'utf8')
      .split('\n')[0]
      .trim()
      .split(/\s+/)
      .slice(1, 9)
      .map(Number);
    return {
      busy: user + nice + system,
      total: user + nice + system + rest.reduce((sum, value) => sum + value, 0),
    };
  } catch {
    return null;
  }
}

/** Share of all CPUs busy over `ms`. */
export async function machineBusy(ms: number): Promise<number | null> {
  const before = machineJiffies();
  await sleep(ms);
  const after = machineJiffies();
  if (!before || !after || after.total === before.total) return null;
  return (after.busy - before.busy) / (after.total - before.total);
}

/** CPU seconds (user + system, all threads) a process has used so far. */
function cpuSeconds(pid: number | undefined): number | null {
  if (pid === undefined) return null;
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) / JIFFIES_PER_SECOND;
  } catch {
    return null;
  }
}

/** CPU seconds used so far by this process's ended children (redis-benchmark runs), from /proc/self/stat. */
export function childrenCpuSeconds(): number | null {
  try {
    const fields = readFileSync('/proc/self/stat', 'utf8').split(') ')[1].split(' ');
    return (Number(fields[13]) + Number(fields[14])) / JIFFIES_PER_SECOND;
  } catch {
    return null;
  }
}

/** This process and the two servers; MariaDB, Redis and the kernel's softirq threads are added by name. */
const benchPids = new Set<number>([process.pid]);
const SERVICE_NAMES = new Set(['mariadbd', 'mysqld', 'redis-server']);
const KERNEL_THREADS = /^ksoftirqd\//;

/** Counts a server process as the benchmark's own, not as other load. */
export function countAsBenchmark(pid: number | undefined): void {
  if (pid !== undefined) benchPids.add(pid);
}

function servicePids(): number[] {
  try {
    return readdirSync('/proc')
      .filter((entry) => /^\d+$/.test(entry))
      .map(Number)
      .filter((pid) => {
        try {
          const name = readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
          return SERVICE_NAMES.has(name) || KERNEL_THREADS.test(name);
        } catch {
          return false;
        }
      });
  } catch {
    return [];
  }
}

/** The socket inodes listening on a TCP port of this machine, from /proc/net/tcp and tcp6. */
function listeningInodes(port: number): Set<string> {
  const inodes = new Set<string>();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    try {
      for (const line of readFileSync(table, 'utf8').split('\n').slice(1)) {
        const fields = line.trim().split(/\s+/);
        // local_address is ADDR:PORT in hex; state 0A is LISTEN.
        if (fields[3] === '0A' && parseInt(fields[1]?.split(':')[1] ?? '', 16) === port)
          inodes.add(fields[9]);
      }
    } catch {
      // no such table (no IPv6, or not Linux)
    }
  }
  return inodes;
}

/** The process listening on a local TCP port (MariaDB's, Redis's), or undefined when none here. */
export function listenerPid(port: number): number | undefined {
  const sockets = new Set([...listeningInodes(port)].map((inode) => `socket:[${inode}]`));
  if (sockets.size === 0) return undefined;
  for (const pid of servicePids()) {
    try {
      const fds = readdirSync(`/proc/${pid}/fd`);
      if (fds.some((fd) => sockets.has(readlinkSync(`/proc/${pid}/fd/${fd}`, 'utf8')))) return pid;
    } catch {
      // the process ended, or its fds are not ours to read
    }
  }
  return undefined;
}

export interface CpuUse {
  /** Cores a process kept busy over the window. */
  coresOf(pid: number | undefined): number | null;
  /**
   * Cores kept busy by everything else on the machine (other users' tests, builds...): the
   * machine's busy time minus this process, the servers, MariaDB and Redis. Near 0 on a quiet machine.
   */
  otherCores: number | null;
}

/** Starts measuring CPU use; `finish()` gives the figures over the window. */
export function cpuWindow(): { finish(): CpuUse } {
  const pids = [...benchPids, ...servicePids()];
  const started = performance.now();
  const machineBefore = machineJiffies();
  const before = new Map(pids.map((pid) => [pid, cpuSeconds(pid)]));
  return {
    finish() {
      const wall = (performance.now() - started) / 1000;
      const machineAfter = machineJiffies();
      const cores = (pid: number): number | null => {
        const from = before.get(pid);
        const to = cpuSeconds(pid);
        return from === null || from === undefined || to === null ? null : (to - from) / wall;
      };
      const ours = pids.reduce((sum, pid) => sum + (cores(pid) ?? 0), 0);
      return {
        coresOf: (pid) => (pid === undefined ? null : cores(pid)),
        otherCores:
          machineBefore && machineAfter
            ? Math.max(
                0,
                (machineAfter.busy - machineBefore.busy) / JIFFIES_PER_SECOND / wall - ours,
              )
            : null,
      };
    },
  };
}

function busiestProcesses(): string {
  try {
    const lines = execFileSync('ps', ['-eo', 'pid,pcpu,etime,args', '--sort=-pcpu'], {
      encoding: 'utf8',
    }).split('\n');
    return lines
      .slice(1, 6)
      .filter(Boolean)
      .map((line) => `    ${line.trim().slice(0, 110)}`)
      .join('\n');
  } catch {
    return '    (ps unavailable)';
  }
}

export interface Machine {
  cpu: string;
  cores: number;
  memoryGiB: number;
  os: string;
  node: string;
  mariadb: string;
  redis: string;
  /** 1, 5 and 15 minute load averages. */
  load: number[];
  /** Share of all CPUs busy over one second before the benchmark started anything. */
  busy: number | null;
  busiestProcesses: string;
}

export async function describeMachine(mysqlUrl: string, redisUrl: string): Promise<Machine> {
  const cpus = os.cpus();
  const admin = await createConnection(mysqlUrl);
  const [[{ version }]] = (await admin.query('SELECT VERSION() AS version')) as unknown as [
    [{ version: string }],
  ];
  await admin.end();
  const redis = new Redis(redisUrl, { lazyConnect: true });
  await redis.connect();
  const redisVersion = /redis_version:(\S+)/.exec(await redis.info('server'))?.[1] ?? '?';
  await redis.quit();
  return {
    cpu: cpus[0]?.model ?? '?',
    cores: cpus.length,
    memoryGiB: os.totalmem() / 2 ** 30,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    mariadb: version,
    redis: redisVersion,
    busy: await machineBusy(1000),
    load: os.loadavg(),
    busiestProcesses: busiestProcesses(),
  };
}
