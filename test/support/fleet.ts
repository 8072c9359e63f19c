/**
 * A fleet (issue 16): K real Slotcast processes (`bin/slotcast.js serve`, configured through the
 * environment as in production) on ONE database, behind a balancer — nginx in a process of its
 * own with a round-robin `upstream` over them — so consecutive requests alternate between
 * instances, as with any load balancer in front of a service that must not go down. Media
 * servers are pointed at the balancer: every hook call of theirs lands on whichever instance is
 * next.
 *
 * The balancer writes one JSON line per request it passes on (which hook call, nginx's client
 * id from the form, the viewer's address, which instance answered and how), so a test can see
 * where each step of a scenario landed and steer the next request to the instance it wants.
 * Neither the hook secret nor the stream key is written there.
 *
 * No jest globals in here: bench/ and scripts/ start fleets too. Processes are started in process
 * groups of their own and killed as groups by `close` (and, should the caller die first, when this
 * process exits), so nothing outlives the run.
 */
import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createToken } from '../../src/app/tokens.js';
import type { DbHandle } from '../../src/store/client.js';
import { freePort } from '../../src/store/embedded.js';
import type { ApiAnswer } from './api.js';
import { apiClient } from './api.js';
import { createTestDatabase } from './database.js';
import { waitFor } from './fixtures.js';
import type { TestNginx } from './nginx.js';
import { freePorts, NGINX, startNginx } from './nginx.js';
import { portAnswers } from './ports.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Settings every instance gets unless the fleet's caller says otherwise: quick sweeps and leases. */
const FLEET_DEFAULTS: Record<string, string> = {
  HOST: '127.0.0.1',
  STREAMING: 'off',
  LOG_FORMAT: 'json',
  LOG_LEVEL: 'info',
  OUTBOX_SWEEP_EVERY: '1s',
  DELIVERY_LEASE: '3s',
  JOB_POLL_EVERY: '1s',
};

/** What `slotcast serve` and `slotcast worker` print once they run (src/cli.ts). */
const READY = /Slotcast is listening on|Slotcast worker is processing jobs/;

/** A JSON log line of an instance (pino: level, time, msg and the facts). */
export interface LogLine {
  level: string;
  time: string;
  msg: string;
  [fact: string]: unknown;
}

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/**
 * Every process this module started and has not seen end, killed if this process exits first:
 * instances as whole groups (they run in groups of their own), nginx by its master (SIGTERM: it
 * takes its workers down). nginx stays in the caller's group so a Ctrl-C reaches it too; an
 * instance hears of its caller's death by itself (see `spawn`).
 */
const started = new Map<number, 'group' | 'nginx'>();
let exitHookInstalled = false;
function own(child: ChildProcess, how: 'group' | 'nginx'): void {
  if (child.pid === undefined) return;
  const pid = child.pid;
  started.set(pid, how);
  child.once('exit', () => started.delete(pid));
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const [pid, how] of started) {
      if (how === 'group') killGroup(pid);
      else signal(pid, 'SIGTERM');
    }
  });
}

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch {
    // Gone already.
  }
}

function killGroup(pid: number): void {
  signal(-pid, 'SIGKILL');
}

/** Stops an nginx master (and so its workers): SIGTERM, SIGKILL after `graceMs`. */
async function stopNginx(child: ChildProcess, graceMs = 3_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  signal(child.pid!, 'SIGTERM');
  const timer = setTimeout(() => signal(child.pid!, 'SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

/** One Slotcast process of the fleet. Its port stays the same across restarts (the balancer names it). */
export class Instance {
  child: ChildProcess | undefined;
  /** Every run's stdout and stderr, in order (the runs are separated by a line saying so). */
  private text = '';
  private lines: LogLine[] = [];
  private exited: Promise<Exit> = Promise.resolve({ code: null, signal: null });
  /** Where this instance listens, directly (tests go through the balancer unless they mean this one). */
  readonly url: string;

  constructor(
    /** 0, 1, …: its place in the balancer's upstream list. */
    readonly index: number,
    /** A, B, C…: how tests and messages name it. */
    readonly name: string,
    readonly port: number,
    readonly env: Record<string, string>,
    /** `serve` (HTTP, hooks, jobs) or `worker` (only the job processor: deadlines, reminders, delivery). */
    readonly command: 'serve' | 'worker' = 'serve',
  ) {
    this.url = `http://127.0.0.1:${port}`;
  }

  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Its JSON log lines so far, across restarts. */
  logs(): LogLine[] {
    return this.lines;
  }

  /** Everything it printed so far (stdout, and stderr's lines as written). */
  output(): string {
    return this.text;
  }

  /** Starts the process; resolves once it says it is listening (or rejects with what it printed on exit). */
  async start(overrides: Record<string, string> = {}, timeoutMs = 90_000): Promise<void> {
    const run = this.spawn(overrides);
    await waitFor(
      () => {
        if (run.exitCode !== null || run.signalCode !== null)
          throw new Error(`instance ${this.name} exited (${run.exitCode ?? run.signalCode}): ${this.tail()}`);
        return READY.test(this.text.slice(this.text.lastIndexOf('--- start')));
      },
      timeoutMs,
      50,
    ).catch(async (error: unknown) => {
      killGroup(run.pid!);
      throw error;
    });
  }

  /**
   * Starts it and resolves with how it ended, for an instance that is expected not to start
   * (it exits on its own); `timeoutMs` after it said it listens — or without a word — it is killed
   * and `started` tells.
   */
  async startExpectingExit(
    overrides: Record<string, string> = {},
    timeoutMs = 30_000,
  ): Promise<Exit & { started: boolean; output: string }> {
    const from = this.text.length;
    const run = this.spawn(overrides);
    const exited = this.exited;
    let started = false;
    await waitFor(
      () => {
        started = READY.test(this.text.slice(from));
        return started || run.exitCode !== null || run.signalCode !== null;
      },
      timeoutMs,
      50,
    ).catch(() => undefined);
    if (run.exitCode === null && run.signalCode === null) killGroup(run.pid!);
    const exit = await exited;
    return { ...exit, started, output: this.text.slice(from).replace(/^--- start.*\n/, '') };
  }

  /** SIGTERM, as a process manager stops it; killed outright if it has not ended within `timeoutMs`. */
  async stop(timeoutMs = 15_000): Promise<Exit> {
    const child = this.child;
    if (!child || !this.running) return this.exited;
    child.kill('SIGTERM');
    const timer = setTimeout(() => killGroup(child.pid!), timeoutMs);
    const exit = await this.exited;
    clearTimeout(timer);
    return exit;
  }

  /** SIGKILL to the whole group: the instance dies mid-work. */
  async kill(): Promise<Exit> {
    if (this.child && this.running) killGroup(this.child.pid!);
    return this.exited;
  }

  /** Stopped with SIGTERM, then started again on the same port and settings. */
  async restart(overrides: Record<string, string> = {}): Promise<void> {
    await this.stop();
    await this.start(overrides);
  }

  /** Resolves once this instance has logged a line `match` accepts. */
  waitForLog(match: (line: LogLine) => boolean, timeoutMs = 10_000): Promise<LogLine> {
    return waitFor(() => this.lines.find(match), timeoutMs);
  }

  private spawn(overrides: Record<string, string>): ChildProcess {
    if (this.running) throw new Error(`instance ${this.name} is running already`);
    const env = { ...process.env, ...this.env, ...overrides };
    this.text += `--- start of instance ${this.name} at ${new Date().toISOString()}\n`;
    // A group of its own: killing the group leaves nothing behind, whatever it started. Out of
    // the caller's group a Ctrl-C no longer reaches it, so it runs the service's own orphan check
    // (src/cli.ts watchParent, on when started by a script): it stops once its parent is gone.
    const child = spawn(process.execPath, ['bin/slotcast.js', this.command], {
      cwd: ROOT,
      env: { npm_lifecycle_event: 'fleet', ...env },
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    own(child, 'group');
    this.child = child;
    this.exited = new Promise((resolve) =>
      child.once('exit', (code, signal) => {
        this.text += `--- instance ${this.name} exited (${code ?? signal})\n`;
        resolve({ code, signal });
      }),
    );
    child.stdout!.on('data', (chunk: Buffer) => {
      this.text += chunk.toString();
    });
    let partial = '';
    child.stderr!.on('data', (chunk: Buffer) => {
      const text = partial + chunk.toString();
      const complete = text.split('\n');
      partial = complete.pop() ?? '';
      for (const line of complete) this.take(line);
    });
    child.stderr!.on('end', () => {
      if (partial) this.take(partial);
      partial = '';
    });
    return child;
  }

  private take(line: string): void {
    this.text += `${line}\n`;
    try {
      const parsed = JSON.parse(line) as LogLine;
      if (parsed && typeof parsed.msg === 'string') this.lines.push(parsed);
    } catch {
      // Not a log line (a fatal message printed as text).
    }
  }

  private tail(): string {
    return this.text.slice(-3_000);
  }
}

/** One request the balancer passed on. */
export interface BalancedCall {
  /** When nginx finished it (ms since the epoch). */
  at: number;
  /** `nginx-rtmp/publish`, `nginx-rtmp/hls`, … for hook calls (never the secret); the path otherwise. */
  route: string;
  /** The hook form's `call` (`update_publish`, `update_play`, …), when the request had one. */
  call: string;
  /** nginx-rtmp's client id from the hook form, when it had one. */
  client: string;
  /** X-Real-IP: the viewer's address for HLS auth requests. */
  ip: string;
  /** The query string (a probe's number: see Balancer.probe). */
  args: string;
  status: number;
  /** The instance that answered (the last one tried); undefined when none could be reached. */
  instance: Instance | undefined;
  /** Instances tried before it that could not be reached. */
  failedOver: Instance[];
}

/** nginx as a round-robin load balancer over the instances, in a directory and process group of its own. */
export class Balancer {
  readonly url: string;
  /** Instances taken out of the upstream (`server … down`): no request reaches them until put back. */
  private readonly withheld = new Set<Instance>();
  private probes = 0;
  private constructor(
    private readonly child: ChildProcess,
    private readonly dir: string,
    readonly port: number,
    private readonly instances: Instance[],
    private readonly output: () => string,
  ) {
    this.url = `http://127.0.0.1:${port}`;
  }

  /** `port`: reserved beforehand when the instances must know the balancer's URL (PUBLIC_URL). */
  static async start(instances: Instance[], port: number): Promise<Balancer> {
    const dir = mkdtempSync(join(tmpdir(), 'slotcast-balancer-'));
    mkdirSync(join(dir, 'temp'));
    mkdirSync(join(dir, 'logs'));
    const file = join(dir, 'nginx.conf');
    writeFileSync(file, balancerConfig(dir, port, instances));
    const child = spawn(NGINX, ['-p', dir, '-c', file, '-g', 'daemon off;'], { stdio: ['ignore', 'ignore', 'pipe'] });
    own(child, 'nginx');
    let output = '';
    child.stderr!.on('data', (chunk) => {
      output += chunk;
    });
    await waitFor(
      () => {
        if (child.exitCode !== null) throw new Error(`the balancer (nginx) exited: ${output}`);
        return portAnswers(port);
      },
      10_000,
      50,
    ).catch(async (error: unknown) => {
      await stopNginx(child);
      throw error;
    });
    return new Balancer(child, dir, port, instances, () => output);
  }

  /** Every request passed on so far, oldest first. */
  calls(): BalancedCall[] {
    const file = join(this.dir, 'logs', 'calls.log');
    if (!existsSync(file)) return [];
    const byAddress = new Map(this.instances.map((instance) => [`127.0.0.1:${instance.port}`, instance]));
    return readFileSync(file, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => {
        const raw = JSON.parse(line) as Record<string, string>;
        // "A, B" when A could not be reached and B answered ("slotcast" when no instance could be).
        const tried = raw.upstream!.split(/\s*,\s*/).map((address) => byAddress.get(address.trim()));
        const statuses = raw.upstreamStatus!.split(/\s*,\s*/);
        const reached = statuses.at(-1) !== '502' ? tried.at(-1) : undefined;
        return {
          at: Math.round(Number(raw.at) * 1_000),
          route: raw.route!,
          call: raw.call!,
          client: raw.client!,
          ip: raw.ip!,
          args: raw.args ?? '',
          status: Number(raw.status),
          instance: reached,
          failedOver: tried.slice(0, -1).filter((instance): instance is Instance => instance !== undefined),
        };
      });
  }

  /** A position in the call log: `since(mark)` reads what came after it. */
  mark(): number {
    return this.calls().length;
  }

  since(mark: number): BalancedCall[] {
    return this.calls().slice(mark);
  }

  /**
   * Sends one harmless request (GET /healthz) through the balancer and resolves with its line in
   * the call log. nginx writes that line after the answer has left, so a caller reading the log as
   * soon as its fetch resolved could miss it: the probe's own number finds it instead.
   */
  async probe(): Promise<BalancedCall> {
    const args = `probe=${++this.probes}`;
    await fetch(`${this.url}/healthz?${args}`).then((response) => response.arrayBuffer());
    return waitFor(() => this.calls().find((call) => call.args === args), 5_000, 5);
  }

  /**
   * Resolves once a probe has been answered by `instance`: the balancer sends to it again (after
   * a restart it may still count it as failed for its fail_timeout). What an operator waits for
   * before restarting the next instance.
   */
  async reaches(instance: Instance, timeoutMs = 15_000): Promise<void> {
    await waitFor(async () => (await this.probe()).instance === instance, timeoutMs, 100);
  }

  /**
   * Makes `target` the instance the next request goes to, by sending probes until one has been
   * answered by the instance before it. Round robin over equal peers is a fixed cycle in nginx; a
   * request of someone else's arriving in between (an update call) can still take the turn, so a
   * test checks where its step really landed.
   */
  async steer(target: Instance, timeoutMs = 5_000): Promise<void> {
    const running = this.instances.filter((instance) => instance.running);
    if (running.length <= 1) return;
    const before = running[(running.indexOf(target) - 1 + running.length) % running.length]!;
    await waitFor(async () => (await this.probe()).instance === before, timeoutMs, 0);
  }

  /**
   * Takes `instance` out of the balancer (true) or puts it back (false), as an operator draining a
   * machine would: the upstream is rewritten (`down` marks it, so the call log still names every
   * instance) and nginx reloaded. Resolves once requests through the balancer reach the instances
   * the new upstream names (nginx's old workers may finish calls already under way).
   */
  async withhold(instance: Instance, out = true, timeoutMs = 10_000): Promise<void> {
    if (out) this.withheld.add(instance);
    else this.withheld.delete(instance);
    writeFileSync(join(this.dir, 'nginx.conf'), balancerConfig(this.dir, this.port, this.instances, this.withheld));
    signal(this.child.pid!, 'SIGHUP');
    const wanted = this.instances.filter((member) => member.running && !this.withheld.has(member));
    await waitFor(
      async () => {
        const reached = new Set<Instance | undefined>();
        for (let i = 0; i < 2 * this.instances.length; i++) reached.add((await this.probe()).instance);
        if (out) return !reached.has(instance);
        return wanted.every((member) => reached.has(member));
      },
      timeoutMs,
      200,
    );
  }

  /** What nginx said on stderr (its error log). */
  errors(): string {
    return this.output();
  }

  async stop(): Promise<void> {
    await stopNginx(this.child);
    rmSync(this.dir, { recursive: true, force: true });
  }
}

function balancerConfig(dir: string, port: number, instances: Instance[], withheld = new Set<Instance>()): string {
  return [
    'worker_processes 1;',
    `pid ${dir}/nginx.pid;`,
    'error_log stderr error;',
    'events { worker_connections 1024; }',
    'http {',
    `  client_body_temp_path ${dir}/temp/body;`,
    `  proxy_temp_path ${dir}/temp/proxy;`,
    `  fastcgi_temp_path ${dir}/temp/fastcgi;`,
    `  uwsgi_temp_path ${dir}/temp/uwsgi;`,
    `  scgi_temp_path ${dir}/temp/scgi;`,
    '  # Which call, which client, which viewer: never the hook secret or the stream key.',
    '  map $uri $fleet_route {',
    '    "~^/hooks/(?<fleet_kind>[a-z-]+)/[^/]+/(?<fleet_call>[a-z_]+)$" "$fleet_kind/$fleet_call";',
    '    default $uri;',
    '  }',
    '  map $request_body $fleet_client { "~(^|&)clientid=(?<fleet_id>[0-9]+)" $fleet_id; default ""; }',
    '  map $request_body $fleet_form_call { "~(^|&)call=(?<fleet_c>[a-z_]+)" $fleet_c; default ""; }',
    '  log_format fleet escape=json \'{"at":"$msec","route":"$fleet_route","call":"$fleet_form_call",\'',
    '    \'"client":"$fleet_client","ip":"$http_x_real_ip","args":"$args","status":"$status",\'',
    '    \'"upstream":"$upstream_addr","upstreamStatus":"$upstream_status"}\';',
    `  access_log ${dir}/logs/calls.log fleet;`,
    '  upstream slotcast {',
    // A stopped instance's share goes to the next one (a refused connection is retried there),
    // and it is tried again a second later.
    ...instances.map(
      (instance) =>
        `    server 127.0.0.1:${instance.port} max_fails=1 fail_timeout=1s${withheld.has(instance) ? ' down' : ''};`,
    ),
    '  }',
    '  server {',
    `    listen 127.0.0.1:${port};`,
    '    location / {',
    '      proxy_pass http://slotcast;',
    '      proxy_set_header Host $host;',
    '      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;',
    "      # nginx-rtmp's X-Real-IP (the viewer's address) passes through untouched.",
    '      proxy_buffering off;',
    '    }',
    '  }',
    '}',
    '',
  ].join('\n');
}

export interface NginxRtmpOptions {
  name: string;
  /** The set-up/teardown buffer in seconds: the window opens at start − buffer. */
  bufferSeconds: number;
  capacity?: number;
  /** nginx-config's --update, --fragment, --playlist (seconds). */
  updateSeconds?: number;
  fragmentSeconds?: number;
  playlistSeconds?: number;
}

/** An nginx-rtmp server of the fleet: added through the API, nginx running `slotcast nginx-config`'s output. */
export interface FleetNginxRtmp {
  name: string;
  nginx: TestNginx;
  /** Where organizers publish to: rtmp://127.0.0.1:PORT/live. */
  ingestBaseUrl: string;
  /** HLS through nginx's auth_request: `${mediaBaseUrl}/R-XXXX/<credential>/<file>`. */
  mediaBaseUrl: string;
  updateSeconds: number;
  hls(code: string, credential: string, file?: string): string;
}

export interface FleetOptions {
  /** How many instances (default 2). */
  instances?: number;
  /** Settings for every instance (environment variables, as in production). */
  env?: Record<string, string>;
  /** Settings for one instance, e.g. its EMBEDDED_NAME and RTMP_PORT. */
  instanceEnv?: (index: number) => Record<string, string> | Promise<Record<string, string>>;
  /** The database every instance uses; default a clone of the test template (test/support/database.ts). */
  database?: DbHandle & { url: string; drop?: () => Promise<void> };
  /** Processes running only the job processor (`slotcast worker`), outside the balancer (default 0). */
  workers?: number;
  /** The e-mail of the fleet's admin API token (the organizer of what the tests book). */
  organizerEmail?: string;
}

export interface Fleet {
  instances: Instance[];
  /** `slotcast worker` processes on the same database: W1, W2, … */
  workers: Instance[];
  balancer: Balancer;
  /** The database every instance uses, for reading facts. */
  db: DbHandle & { url: string };
  /** The REST API through the balancer, as the fleet's admin (whose e-mail is `organizerEmail`). */
  api: (method: string, path: string, body?: unknown) => Promise<ApiAnswer>;
  organizerEmail: string;
  /** The admin API token (a secret: tests look for it in the logs). */
  token: string;
  nginxRtmp: FleetNginxRtmp[];
  /** Adds an nginx-rtmp server through the API and starts nginx on `slotcast nginx-config`'s output, hooks via the balancer. */
  addNginxRtmp(options: NginxRtmpOptions): Promise<FleetNginxRtmp>;
  /** An instance outside the balancer, on the same database and settings (e.g. one that must refuse to start). */
  extraInstance(env?: Record<string, string>): Promise<Instance>;
  /** Every process's log lines (its name attached: A, B…, W1…), in no particular order across instances. */
  logs(): Array<LogLine & { instance: string }>;
  /** Kills every process it started (instances, balancer, nginx) and drops the database it made. */
  close(): Promise<void>;
}

/** Starts the instances (in parallel, each on a free port), then the balancer over them. */
export async function startFleet(options: FleetOptions = {}): Promise<Fleet> {
  const count = options.instances ?? 2;
  const database = options.database ?? (await createTestDatabase());
  const dataDirs: string[] = [];
  const extras: Instance[] = [];
  const nginxRtmp: FleetNginxRtmp[] = [];
  const made = async (
    index: number,
    name: string,
    env: Record<string, string> = {},
    command: 'serve' | 'worker' = 'serve',
  ) => {
    const dataDir = mkdtempSync(join(tmpdir(), `slotcast-fleet-${name}-`));
    // As root, nothing here needs another user; readable like the service's own test directories.
    chmodSync(dataDir, 0o755);
    dataDirs.push(dataDir);
    const port = await freePort();
    return new Instance(
      index,
      name,
      port,
      {
        ...FLEET_DEFAULTS,
        RTMP_PORT: String(await freePort()),
        ...options.env,
        ...(index < count ? await options.instanceEnv?.(index) : {}),
        ...env,
        DATABASE_URL: database.url,
        DATA_DIR: dataDir,
        PORT: String(port),
      },
      command,
    );
  };
  const instances: Instance[] = [];
  for (let index = 0; index < count; index++) instances.push(await made(index, String.fromCharCode(65 + index)));
  const workers: Instance[] = [];
  for (let index = 0; index < (options.workers ?? 0); index++)
    workers.push(await made(count + 100 + index, `W${index + 1}`, {}, 'worker'));
  let balancer: Balancer | undefined;
  const close = async () => {
    for (const rtmp of nginxRtmp) await rtmp.nginx.stop().catch(() => undefined);
    await Promise.all([...instances, ...workers, ...extras].map((instance) => instance.kill()));
    await balancer?.stop();
    // A database it made is dropped (closing its connections); one it was given is the giver's.
    if (!options.database) await database.drop?.();
    for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true });
  };
  try {
    // Links in e-mails and watch pages point at the balancer, as PUBLIC_URL would in production.
    const balancerPort = await freePort();
    const publicUrl = `http://127.0.0.1:${balancerPort}`;
    for (const instance of instances) instance.env.PUBLIC_URL ??= publicUrl;
    // One instance first: it is the one that would create what the database lacks at first start.
    await instances[0]!.start();
    await Promise.all([...instances.slice(1), ...workers].map((instance) => instance.start()));
    balancer = await Balancer.start(instances, balancerPort);
  } catch (error) {
    await close();
    throw error;
  }
  const organizerEmail = options.organizerEmail ?? 'organizer@example.org';
  const created = await createToken(database.prisma, { name: 'fleet-admin', admin: true, email: organizerEmail });
  if (!created.ok) {
    await close();
    throw new Error(created.message);
  }
  const token = created.value.token;
  const api = apiClient(
    () => balancer!.url,
    () => token,
  );
  const fleet: Fleet = {
    instances,
    workers,
    balancer: balancer!,
    db: database,
    api,
    organizerEmail,
    token,
    nginxRtmp,
    async addNginxRtmp(rtmp) {
      const ports = await freePorts();
      const added = await api('POST', '/servers', {
        name: rtmp.name,
        kind: 'nginx_rtmp',
        ingestBaseUrl: `rtmp://127.0.0.1:${ports.rtmp}/live`,
        playbackBaseUrl: `${balancer!.url}/watch`,
        controlUrl: `http://127.0.0.1:${ports.control}/control`,
        mediaBaseUrl: `http://127.0.0.1:${ports.http}/hls`,
        capacity: rtmp.capacity ?? 100,
        bufferSeconds: rtmp.bufferSeconds,
      });
      if (added.status !== 201) throw new Error(`adding ${rtmp.name}: ${JSON.stringify(added.body)}`);
      const server = await database.prisma.distributionServer.findUniqueOrThrow({ where: { name: rtmp.name } });
      const updateSeconds = rtmp.updateSeconds ?? 1;
      // Exactly `slotcast nginx-config --slotcast-url <balancer>`'s output (the same function prints it).
      const nginx = await startNginx(server, ports, {
        slotcastUrl: balancer!.url,
        updateSeconds,
        fragmentSeconds: rtmp.fragmentSeconds ?? 1,
        playlistSeconds: rtmp.playlistSeconds ?? 3,
      });
      own(nginx.child, 'nginx');
      const media = `http://127.0.0.1:${ports.http}/hls`;
      const entry: FleetNginxRtmp = {
        name: rtmp.name,
        nginx,
        ingestBaseUrl: server.ingestBaseUrl,
        mediaBaseUrl: media,
        updateSeconds,
        hls: (code, credential, file = 'index.m3u8') => `${media}/${code}/${credential}/${file}`,
      };
      nginxRtmp.push(entry);
      return entry;
    },
    async extraInstance(env = {}) {
      const instance = await made(count + extras.length, String.fromCharCode(65 + count + extras.length), {
        PUBLIC_URL: balancer!.url,
        ...env,
      });
      extras.push(instance);
      return instance;
    },
    logs: () =>
      [...instances, ...workers, ...extras].flatMap((instance) =>
        instance.logs().map((line) => ({ ...line, instance: instance.name })),
      ),
    close,
  };
  return fleet;
}
