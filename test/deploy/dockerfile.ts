/**
 * Replays a Dockerfile's filesystem steps without a container engine: each stage becomes a
 * directory standing in for its root filesystem, COPY copies from the build context (or from an
 * earlier stage), RUN runs in the stage's WORKDIR with the stage's ENV, and the image metadata
 * (USER, ENTRYPOINT, CMD, LABEL, STOPSIGNAL) is recorded for assertions. RUN steps that install OS
 * packages (apt-get) are recorded but not run: they change the base image, not the app.
 */
import { spawn } from 'node:child_process';
import { cp, mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

export interface Stage {
  name: string;
  from: string;
  root: string;
  workdir: string;
  env: Record<string, string>;
  user?: string;
  entrypoint?: string[];
  cmd?: string[];
  stopSignal?: string;
  labels: Record<string, string>;
  skipped: string[];
}

export interface Instruction {
  op: string;
  args: string;
}

/** Logical instructions: comments dropped, backslash continuations joined. */
export function parseDockerfile(text: string): Instruction[] {
  const out: Instruction[] = [];
  let pending = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (pending === '' && (line === '' || line.startsWith('#'))) continue;
    if (line.endsWith('\\')) {
      pending += `${line.slice(0, -1)} `;
      continue;
    }
    const full = pending + line;
    pending = '';
    const m = /^(\w+)\s+(.*)$/.exec(full);
    if (m) out.push({ op: m[1]!.toUpperCase(), args: m[2]! });
  }
  return out;
}

/** KEY=value pairs, values optionally double-quoted. */
function pairs(s: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of s.matchAll(/(\S+?)=("(?:[^"\\]|\\.)*"|\S+)/g)) {
    out[m[1]!] = m[2]!.startsWith('"') ? m[2]!.slice(1, -1) : m[2]!;
  }
  return out;
}

function sh(command: string, cwd: string, env: Record<string, string>): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('sh', ['-c', command], { cwd, env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr = (stderr + d).slice(-4000)));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve() : reject(new Error(`RUN ${command} failed (${code}):\n${stderr}`)),
    );
  });
}

/**
 * Builds every stage of the Dockerfile under `workspace`, with `context` as the build context.
 * `baseEnv` stands in for the base image's environment (PATH, HOME, npm settings).
 */
export async function replayDockerfile(
  dockerfile: string,
  context: string,
  workspace: string,
  baseEnv: Record<string, string>,
): Promise<Map<string, Stage>> {
  const stages = new Map<string, Stage>();
  let stage: Stage | undefined;
  const at = (s: Stage, p: string) => join(s.root, p.startsWith('/') ? p : join(s.workdir, p));
  for (const { op, args } of parseDockerfile(await readFile(dockerfile, 'utf8'))) {
    if (op === 'FROM') {
      const m = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(args);
      const name = m?.[2] ?? `stage${stages.size}`;
      stage = {
        name,
        from: m?.[1] ?? args,
        root: join(workspace, name),
        workdir: '/',
        env: {},
        labels: {},
        skipped: [],
      };
      await mkdir(stage.root, { recursive: true });
      stages.set(name, stage);
      continue;
    }
    if (op === 'ARG') continue;
    if (!stage) throw new Error(`${op} before FROM`);
    const s: Stage = stage;
    switch (op) {
      case 'WORKDIR':
        s.workdir = args.startsWith('/') ? args : join(s.workdir, args);
        await mkdir(join(s.root, s.workdir), { recursive: true });
        break;
      case 'ENV':
        Object.assign(s.env, pairs(args));
        break;
      case 'LABEL':
        Object.assign(s.labels, pairs(args));
        break;
      case 'USER':
        s.user = args;
        break;
      case 'STOPSIGNAL':
        s.stopSignal = args;
        break;
      case 'ENTRYPOINT':
        s.entrypoint = JSON.parse(args) as string[];
        break;
      case 'CMD':
        s.cmd = JSON.parse(args) as string[];
        break;
      case 'EXPOSE':
        break;
      case 'COPY': {
        const words = args.split(/\s+/);
        const fromFlag = words[0]!.startsWith('--from=') ? words.shift()!.slice('--from='.length) : undefined;
        const dest = words.pop()!;
        const source = fromFlag ? stages.get(fromFlag) : undefined;
        if (fromFlag && !source) throw new Error(`COPY --from=${fromFlag}: no such stage`);
        const toDir = dest.endsWith('/') || words.length > 1;
        for (const src of words) {
          const from = source ? at(source, src) : join(context, src);
          const to = toDir ? join(at(s, dest), src.split('/').pop()!) : at(s, dest);
          await cp(from, to, { recursive: true });
        }
        break;
      }
      case 'RUN': {
        // Build-cache mounts (--mount=type=cache) change where caches live, not what is built;
        // here the caller's environment decides (the local npm cache).
        const command = args.replace(/^(--mount=\S+\s+)+/, '');
        if (/\bapt-get\b/.test(command)) {
          s.skipped.push(command);
          break;
        }
        if (/\bcache clean\b|\brm -rf \/root\b/.test(command)) {
          throw new Error(`RUN ${command}: would clear the caller's caches, not the image's`);
        }
        await sh(command, join(s.root, s.workdir), { ...baseEnv, ...s.env });
        break;
      }
      default:
        throw new Error(`unsupported Dockerfile instruction ${op}`);
    }
  }
  return stages;
}
