/**
 * `npm run bench`: the API against a bare Fastify server doing the minimum work, printed
 * (never asserted).
 *
 * 1. Creates its own MariaDB database (bench_<random>) and Redis key prefix and seeds it
 *    (seed.ts): BENCH_ORGS organizations, each with its built-in roles, an admin, a staff and a
 *    client user, and BENCH_PRODUCTS products.
 * 2. Starts the API (api-server.ts, createApp as main.ts does) and the bare server
 *    (bare-server.ts), each as a child process on a free port (servers.ts).
 * 3. Drives both with autocannon (measure.ts): GET /api/auth/me, GET /api/products?limit=20,
 *    POST /api/auth/login; measures raw bcrypt.compare throughput at the same cost; then /me
 *    at a fixed rate, quiet and during a login storm; then what MariaDB and Redis alone serve
 *    of the hot operations (saturation.ts); then the memory soak (soak.ts): /me and the product
 *    list together at half the measured capacity, with the API's heap after GC at both ends.
 * 4. Prints the machine (machine.ts), the tables with their targets (report.ts), and drops the
 *    database and the Redis keys, also when something fails or the run is interrupted.
 *
 * Environment (config.ts): BENCH_DURATION (s, default 10), BENCH_CONNECTIONS (50), BENCH_WARMUP
 * (s, 2), BENCH_ORGS (100), BENCH_PRODUCTS (1000), BENCH_STORM_RATE (/me req/s during the storm
 * test, default 20% of the quiet /me throughput), BENCH_MYSQL_URL (mysql://root@127.0.0.1:3306),
 * BENCH_REDIS_URL (redis://127.0.0.1:6379). BCRYPT_ROUNDS, HASH_CONCURRENCY, DB_POOL_SIZE and
 * SESSION_CACHE_TTL, when set, are passed to both servers; otherwise the app's defaults apply.
 * AUTH_IP_RATE_LIMIT, LOGIN_MAX_FAILURES and LOGIN_ACCOUNT_MAX_FAILURES default to high values (the limiters would
 * otherwise turn the login run into a 429 run); set them to see the limiters at work. The API
 * serves its metrics on a free port; METRICS_PORT=0 measures it without them.
 * BENCH_SOAK_DURATION (s, default 300) is the length of the memory soak.
 * BENCH_ONLY=me,products,login,storm,saturation,soak runs a subset; BENCH_API_NODE_ARGS and
 * BENCH_BARE_NODE_ARGS add node flags to the API or bare process (e.g. "--cpu-prof
 * --cpu-prof-dir=prof" to see where the time goes).
 */
import 'reflect-metadata';
import { setTimeout as sleep } from 'node:timers/promises';
import * as bcrypt from 'bcrypt';
import { type AppConfig, loadConfig } from '../src/config/app-config';
import { cleanUp, cleanUpOnSignals } from './cleanup';
import { type Part, PASSWORD, settings, STORM_LEAD_SECONDS, STORM_ME_CONNECTIONS } from './config';
import { countAsBenchmark, describeMachine, machineBusy } from './machine';
import {
  drainLogins,
  drive,
  type Load,
  loginLoad,
  measure,
  type Measurement,
  rawBcrypt,
} from './measure';
import {
  printAfter,
  printAppConfig,
  printMachine,
  printResults,
  printSeed,
  progress,
  type Results,
  type Storm,
} from './report';
import { printSaturation, saturationRun } from './saturation';
import { createDatabase, seed } from './seed';
import { printSoak, soakRun } from './soak';
import {
  type ApiEnvelope,
  logIn,
  loginRequest,
  redisPrefix,
  request,
  type Server,
  freePort,
  serverEnvironment,
  startServer,
} from './servers';

/** The parts that printResults reports on; saturation and soak print their own tables. */
const THROUGHPUT_PARTS: Part[] = ['me', 'products', 'login', 'storm'];
/** The storm test's /me rate never drops below this many req/s. */
const MIN_STORM_RATE = 10;
/** The storm test's default /me rate, as a share of the quiet /me throughput. */
const STORM_RATE_SHARE = 0.2;
/** Extra seconds of login storm after the /me run, so the storm outlasts it. */
const STORM_TAIL_SECONDS = 5;

const ROUTES = {
  me: {
    path: '/api/auth/me',
    check: (body: ApiEnvelope) =>
      typeof (body.data as { user?: { id?: string } })?.user?.id === 'string',
  },
  products: {
    path: '/api/products?limit=20',
    check: (body: ApiEnvelope) =>
      Array.isArray(body.data) &&
      body.data.length === 20 &&
      body.pagination?.total === settings.productsPerOrganization,
  },
};

/** Each route once on each server; what fails is reported and left out of the runs. */
async function sanityCheck(servers: Server[], auth: Record<string, string>): Promise<string[]> {
  const broken: string[] = [];
  for (const server of servers) {
    for (const [name, route] of Object.entries(ROUTES)) {
      const { status, body } = await request(server.url + route.path, { headers: auth });
      if (status !== 200 || !route.check(body))
        broken.push(`${server.name} ${name}: ${status} ${JSON.stringify(body).slice(0, 300)}`);
    }
    const { status, body } = await request(`${server.url}/api/auth/login`, loginRequest);
    if (status !== 200)
      broken.push(`${server.name} login: ${status} ${JSON.stringify(body).slice(0, 300)}`);
  }
  return broken;
}

async function loginRuns(
  api: Server,
  bare: Server,
  config: AppConfig,
  works: (server: Server, part: Part) => boolean,
): Promise<Pick<Results, 'apiLogin' | 'bareLogin' | 'rawAtLimit' | 'rawAtPool'>> {
  const none = { apiLogin: null, bareLogin: null, rawAtLimit: null, rawAtPool: null };
  if (!settings.only.has('login')) return none;
  const storedHash = await bcrypt.hash(PASSWORD, config.bcryptRounds);
  progress(
    `raw bcrypt.compare at cost ${config.bcryptRounds}, ${config.hashConcurrency} at once: ${settings.duration} s`,
  );
  const rawAtLimit = await rawBcrypt(storedHash, config.hashConcurrency, settings.duration);
  progress(
    `raw bcrypt.compare, ${settings.threadPoolSize} at once (the whole libuv pool): ${settings.duration} s`,
  );
  const rawAtPool = await rawBcrypt(storedHash, settings.threadPoolSize, settings.duration);
  const loginRun = async (server: Server) => {
    if (!works(server, 'login')) return null;
    const result = await measure(`${server.name} login`, loginLoad(server), server.child.pid, 0);
    await drainLogins(server);
    return result;
  };
  return { rawAtLimit, rawAtPool, apiLogin: await loginRun(api), bareLogin: await loginRun(bare) };
}

/** /me at a fixed rate with few connections, quiet and then during a login storm. */
async function stormRun(
  api: Server,
  auth: Record<string, string>,
  quietMeRps: number | undefined,
): Promise<Storm> {
  const rate = Math.max(
    MIN_STORM_RATE,
    Math.round(
      settings.stormRate ?? Math.max(MIN_STORM_RATE, (quietMeRps ?? 500) * STORM_RATE_SHARE),
    ),
  );
  const meLoad: Load = {
    url: api.url + ROUTES.me.path,
    headers: auth,
    connections: STORM_ME_CONNECTIONS,
    duration: settings.duration,
    overallRate: rate,
  };
  const quiet = await measure('storm test, /me quiet', meLoad, api.child.pid);
  progress(
    `storm test: ${settings.connections} connections logging in, /me starts after ${STORM_LEAD_SECONDS} s`,
  );
  const storm = drive({
    ...loginLoad(api),
    duration: settings.duration + STORM_LEAD_SECONDS + STORM_TAIL_SECONDS,
  });
  await sleep(STORM_LEAD_SECONDS * 1000);
  const loud = await measure('storm test, /me during the storm', meLoad, api.child.pid, 0);
  storm.instance.stop();
  const logins = await storm.done;
  await drainLogins(api);
  return { rate, quiet, loud, logins };
}

async function main(): Promise<void> {
  cleanUpOnSignals();
  printMachine(await describeMachine(settings.mysqlUrl, settings.redisUrl));

  const serverEnv = serverEnvironment(await createDatabase(), redisPrefix(), await freePort());
  const config = loadConfig(serverEnv);
  printAppConfig(config);

  progress('migrating and seeding');
  printSeed(await seed(config), config);

  progress('starting the API and the bare server');
  const [api, bare] = await Promise.all([
    // --expose-gc costs nothing until gc() is called: only the soak's heap samples call it.
    startServer('api', 'api-server.ts', serverEnv, ['--expose-gc', ...settings.apiNodeArgs]),
    startServer('bare', 'bare-server.ts', serverEnv, settings.bareNodeArgs),
  ]);
  for (const server of [api, bare]) countAsBenchmark(server.child.pid);

  // The API's first /me below fills the session cache the bare server reads.
  const token = await logIn(api);
  const auth = { authorization: `Bearer ${token}` };
  const broken = await sanityCheck([api, bare], auth);
  for (const problem of broken) console.log(`  ! sanity check failed, ${problem}`);
  const works = (server: Server, part: Part) =>
    !broken.some((line) => line.startsWith(`${server.name} ${part}:`));

  const fullLoad = (server: Server, name: keyof typeof ROUTES): Promise<Measurement> =>
    measure(
      `${server.name} ${name}`,
      {
        url: server.url + ROUTES[name].path,
        headers: auth,
        connections: settings.connections,
        duration: settings.duration,
      },
      server.child.pid,
    );
  const run = async (server: Server, name: keyof typeof ROUTES): Promise<Measurement | null> =>
    settings.only.has(name) && works(server, name) ? fullLoad(server, name) : null;
  // The soak runs at a share of the API's capacity: measured above, or now when that was left out.
  const capacity = async (measured: Measurement | null, name: keyof typeof ROUTES) =>
    (measured ?? (await fullLoad(api, name))).rps;

  // Interleaved (API, bare, API, bare...) so that drifting background load hits both sides alike.
  const apiMe = await run(api, 'me');
  const bareMe = await run(bare, 'me');
  const apiProducts = await run(api, 'products');
  const bareProducts = await run(bare, 'products');
  const logins = await loginRuns(api, bare, config, works);
  const storm =
    settings.only.has('storm') && works(api, 'me') && works(api, 'login')
      ? await stormRun(api, auth, apiMe?.rps)
      : null;
  const saturation = settings.only.has('saturation') ? await saturationRun(config, token) : null;
  const soak =
    settings.only.has('soak') && works(api, 'me') && works(api, 'products')
      ? await soakRun(api, auth, [
          { name: 'me', path: ROUTES.me.path, capacity: await capacity(apiMe, 'me') },
          {
            name: 'products',
            path: ROUTES.products.path,
            capacity: await capacity(apiProducts, 'products'),
          },
        ])
      : null;

  if (THROUGHPUT_PARTS.some((part) => settings.only.has(part)))
    printResults({ apiMe, bareMe, apiProducts, bareProducts, ...logins, storm }, config);
  if (saturation) printSaturation(saturation);
  if (soak) printSoak(soak);
  printAfter(await machineBusy(1000));
  if (broken.length > 0) process.exitCode = 1;
}

main()
  .catch((error: unknown) => {
    process.stderr.write(
      `\nbenchmark failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exitCode = 1;
  })
  .finally(() => cleanUp());
