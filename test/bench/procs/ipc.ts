/**
 * The benchmark's processes: the orchestrator forks each part (API emulator, gateway, clients,
 * writers, raw baselines) as a child of its own so that every figure is paid for by the process it
 * describes, and talks to it over Node's IPC channel with numbered request/response messages.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = dirname(fileURLToPath(import.meta.url));

interface Request {
  readonly id: number;
  readonly method: string;
  readonly params: unknown;
}

interface Response {
  readonly id: number;
  readonly result?: unknown;
  readonly error?: string;
}

export type Handlers = Record<string, (params: never) => unknown>;

export interface Child {
  readonly name: string;
  readonly pid: number;
  /** What the child announced once started. */
  readonly hello: Record<string, unknown>;
  call<T>(method: string, params?: unknown, timeoutMs?: number): Promise<T>;
  /** Asks the child to exit; kills it after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
}

/**
 * Starts `procs/<script>.ts` under tsx with `args` and `execArgv`; resolves once the child has
 * sent its hello (`serveParent`), or rejects when it exits first.
 */
export function startChild(
  script: string,
  args: readonly string[],
  opts: { execArgv?: readonly string[]; startTimeoutMs?: number } = {},
): Promise<Child> {
  const child: ChildProcess = fork(join(HERE, `${script}.ts`), [...args], {
    execArgv: ['--import', 'tsx', ...(opts.execArgv ?? [])],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
  let nextId = 1;
  let exited = false;
  const exitedP = new Promise<void>((r) => child.once('exit', () => r()));
  return new Promise<Child>((resolveStart, rejectStart) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      rejectStart(new Error(`${script} did not start within ${(opts.startTimeoutMs ?? 60_000) / 1000} s`));
    }, opts.startTimeoutMs ?? 60_000);
    child.once('exit', (code, signal) => {
      exited = true;
      clearTimeout(timer);
      const e = new Error(`${script} exited (${code ?? signal})`);
      rejectStart(e);
      for (const p of pending.values()) p.reject(e);
      pending.clear();
    });
    child.on('message', (raw: unknown) => {
      const m = raw as Response & { hello?: Record<string, unknown> };
      if (m.hello) {
        clearTimeout(timer);
        resolveStart({
          name: script,
          pid: child.pid ?? 0,
          hello: m.hello,
          call<T>(method: string, params?: unknown, timeoutMs = 600_000): Promise<T> {
            if (exited) return Promise.reject(new Error(`${script} has exited`));
            const id = nextId++;
            return new Promise<T>((resolve, reject) => {
              const t = setTimeout(() => {
                pending.delete(id);
                reject(new Error(`${script}.${method} timed out after ${timeoutMs / 1000} s`));
              }, timeoutMs);
              pending.set(id, {
                resolve: (v) => {
                  clearTimeout(t);
                  resolve(v as T);
                },
                reject: (e) => {
                  clearTimeout(t);
                  reject(e);
                },
              });
              child.send({ id, method, params: params ?? {} } satisfies Request);
            });
          },
          async stop(graceMs = 10_000) {
            if (exited) return;
            child.send({ id: 0, method: 'exit', params: {} } satisfies Request);
            const t = setTimeout(() => child.kill('SIGKILL'), graceMs);
            await exitedP;
            clearTimeout(t);
          },
        });
        return;
      }
      const p = pending.get(m.id);
      if (!p) return;
      pending.delete(m.id);
      if (m.error !== undefined) p.reject(new Error(`${script}: ${m.error}`));
      else p.resolve(m.result);
    });
  });
}

/**
 * The child's side: announces `hello`, answers requests with `handlers`, and on `exit` runs
 * `onExit` and leaves. Leaves too when the parent goes away, so no child outlives a crashed run.
 */
export function serveParent(
  hello: Record<string, unknown>,
  handlers: Handlers,
  onExit: () => Promise<void> = () => Promise.resolve(),
): void {
  const send = (m: unknown) => process.send?.(m);
  const leave = () => {
    void onExit().finally(() => process.exit(0));
  };
  process.on('disconnect', leave);
  process.on('message', (raw: unknown) => {
    const m = raw as Request;
    if (m.method === 'exit') {
      leave();
      return;
    }
    const h = handlers[m.method] as ((p: unknown) => unknown) | undefined;
    if (!h) {
      send({ id: m.id, error: `no method ${m.method}` });
      return;
    }
    Promise.resolve()
      .then(() => h(m.params))
      .then(
        (result) => send({ id: m.id, result: result ?? null }),
        (e: unknown) => send({ id: m.id, error: (e as Error).stack ?? String(e) }),
      );
  });
  send({ hello });
}
