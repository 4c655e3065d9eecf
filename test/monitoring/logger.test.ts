/**
 * The production logger (src/shared/logger.ts) never writes secrets: run it in a child process in
 * JSON mode, log objects carrying a token, an authorization header and connection params the way
 * a careless caller might, and read what reached stdout.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));

const SCRIPT = `
import { createLogger } from './src/shared/logger.ts';
const log = createLogger({ level: 'debug', format: 'json' });
log.info({ token: 'secret-1', headers: { authorization: 'Bearer secret-2' } }, 'request');
log.info({ req: { headers: { authorization: 'Bearer secret-3' } }, connectionParams: { authToken: 'secret-4' } }, 'ws');
log.debug({ user: { password: 'secret-5', name: 'alice' } }, 'user');
`;

describe('logger redaction', () => {
  it('censors tokens, authorization headers, connection params and passwords, and keeps the rest', async () => {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', '--input-type=module', '-e', SCRIPT],
      {
        cwd: root,
        timeout: 15_000,
      },
    );
    const lines = stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.map((l) => l['msg'])).toEqual(['request', 'ws', 'user']);
    expect(stdout).not.toMatch(/secret-\d/);
    expect(stdout).toContain('[redacted]');
    expect(lines[2]).toMatchObject({ user: { name: 'alice', password: '[redacted]' } });
  });
});
