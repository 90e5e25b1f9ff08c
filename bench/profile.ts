/**
 * Where a server's CPU went, from a `.cpuprofile` written by `--cpu-prof` (see
 * BENCH_API_NODE_ARGS in bench/run.ts): `node -r ./bench/register.js bench/profile.ts FILE [N]`.
 * It sums self time by area (garbage collection, a package, a folder of src/, Node's own
 * modules), once more with native code charged to the JavaScript that called it, and lists the
 * N busiest functions, as shares of the busy time (idle left out). Only
 * samples from the first one inside MARKER on are counted (a function every request runs:
 * the guard's `canActivate` by default, `authenticate` for the bare server), so boot does not
 * blur the load.
 */
import { readFileSync } from 'node:fs';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const DEFAULT_MARKER = 'canActivate';
const DEFAULT_TOP = 25;

/** The area a frame belongs to: a package, a folder of this project, Node internals or V8. */
function areaOf(frame: CallFrame): string {
  const { url, functionName } = frame;
  if (!url) return functionName.startsWith('(') ? functionName : '(native)';
  const packages = url.split('node_modules/');
  if (packages.length > 1) {
    const rest = packages[packages.length - 1].split('/');
    return rest[0].startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0];
  }
  if (url.startsWith('node:')) return url;
  const project = /\/(src|bench)\/(.+)$/.exec(url);
  if (project) {
    const parts = project[2].split('/');
    return `${project[1]}/${parts.length > 1 ? parts.slice(0, -1).join('/') : parts[0]}`;
  }
  return url;
}

function describe(frame: CallFrame): string {
  const file = frame.url.split('/').slice(-2).join('/');
  return `${frame.functionName || '(anonymous)'} ${file}:${frame.lineNumber + 1}`;
}

function main(): void {
  const [file, topArgument, marker = DEFAULT_MARKER] = process.argv.slice(2);
  if (!file) throw new Error('usage: bench/profile.ts FILE.cpuprofile [TOP] [MARKER]');
  const top = Number(topArgument ?? DEFAULT_TOP);
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));

  const marked = new Set<number>();
  for (const node of profile.nodes) {
    if (node.callFrame.functionName !== marker) continue;
    const pending = [node.id];
    while (pending.length > 0) {
      const id = pending.pop() as number;
      marked.add(id);
      pending.push(...(byId.get(id)?.children ?? []));
    }
  }
  const start = profile.samples.findIndex((id) => marked.has(id));
  if (start < 0) throw new Error(`no sample inside ${marker}: was the server under load?`);

  const selfUs = new Map<number, number>();
  let busyUs = 0;
  for (let i = start + 1; i < profile.samples.length; i += 1) {
    const id = profile.samples[i];
    const delta = profile.timeDeltas[i];
    if (byId.get(id)?.callFrame.functionName === '(idle)') continue;
    selfUs.set(id, (selfUs.get(id) ?? 0) + delta);
    busyUs += delta;
  }

  const parentOf = new Map<number, number>();
  for (const node of profile.nodes)
    for (const child of node.children ?? []) parentOf.set(child, node.id);
  /** Native code (socket writes, JSON, hashing) is charged to the JavaScript that called it. */
  const callerAreaOf = (id: number): string => {
    let current: number | undefined = id;
    while (current !== undefined) {
      const frame = (byId.get(current) as ProfileNode).callFrame;
      if (frame.url) return areaOf(frame);
      current = parentOf.get(current);
    }
    return areaOf((byId.get(id) as ProfileNode).callFrame);
  };

  const byArea = new Map<string, number>();
  const byCaller = new Map<string, number>();
  const byFunction = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const frame = (byId.get(id) as ProfileNode).callFrame;
    const area = areaOf(frame);
    byArea.set(area, (byArea.get(area) ?? 0) + us);
    const caller = callerAreaOf(id);
    byCaller.set(caller, (byCaller.get(caller) ?? 0) + us);
    const name = describe(frame);
    byFunction.set(name, (byFunction.get(name) ?? 0) + us);
  }
  const share = (us: number) => `${((100 * us) / busyUs).toFixed(1).padStart(5)}%`;
  const print = (title: string, rows: Map<string, number>, limit: number) => {
    console.log(title);
    [...rows]
      .sort((a, b) => b[1] - a[1])
      .slice(0, limit)
      .forEach(([name, us]) => console.log(`  ${share(us)}  ${name}`));
  };
  console.log(`busy ${(busyUs / 1e6).toFixed(2)} s of CPU from the first request on`);
  print('self time by area', byArea, top);
  print('self time by area, native code charged to its caller', byCaller, top);
  print('self time by function', byFunction, top);
}

main();
