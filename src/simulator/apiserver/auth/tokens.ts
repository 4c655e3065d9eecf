/**
 * Who a request is: bearer tokens, kube-apiserver's static token file, and API audiences.
 *
 * Token file lines are CSV `token,user,uid[,"group1,group2"[,"aud1,aud2"]]`, as kube-apiserver's
 * `--token-auth-file` reads them; the fifth column is ours: a token that names audiences is bound
 * to them (like a projected service-account token), one that does not is audience-agnostic.
 */
import { readFileSync } from 'node:fs';
import { ErrorCode, FleetGraphError } from '../../../shared/errors.js';

/** user.Info of k8s.io/apiserver: what authentication yields and authorization judges. */
export interface UserInfo {
  readonly username: string;
  readonly uid: string;
  readonly groups: readonly string[];
  readonly extra: Readonly<Record<string, readonly string[]>>;
}

/** One accepted bearer token and the user it stands for. */
export interface TokenEntry {
  token: string;
  user: string;
  uid?: string;
  groups?: string[];
  /** Audiences the token is bound to; none means audience-agnostic (as static tokens are). */
  audiences?: string[];
}

export const SYSTEM_MASTERS = 'system:masters';
export const AUTHENTICATED = 'system:authenticated';
export const UNAUTHENTICATED = 'system:unauthenticated';
export const ANONYMOUS = 'system:anonymous';
/** The name the emulator's own kubeconfig user authenticates as. */
export const ADMIN_USER = 'kubernetes-admin';
/** kube-apiserver's `--api-audiences` default: its service-account issuer. */
export const DEFAULT_API_AUDIENCES = ['https://kubernetes.default.svc'];

export const ANONYMOUS_USER: UserInfo = {
  username: ANONYMOUS,
  uid: '',
  groups: [UNAUTHENTICATED],
  extra: {},
};

/**
 * Parses a static token file. Errors name the file and record, as kube-apiserver refuses to
 * start on a malformed file rather than skipping lines.
 */
export function parseTokenFile(text: string, source: string): TokenEntry[] {
  let records: string[][];
  try {
    records = readCsv(text);
  } catch (e) {
    throw new FleetGraphError(ErrorCode.INVALID_CONFIG, `token file ${source}: ${(e as Error).message}`);
  }
  const out: TokenEntry[] = [];
  records.forEach((rec, i) => {
    if (rec.length < 3)
      throw new FleetGraphError(
        ErrorCode.INVALID_CONFIG,
        `token file ${source} must have at least 3 columns (token, user name, user uid), found ${rec.length} in record ${i + 1}`,
      );
    const [token, user, uid, groups, audiences] = rec as [string, string, string, ...string[]];
    // kube-apiserver skips empty tokens with a warning; an empty token could never be sent anyway.
    if (token === '') return;
    out.push({
      token,
      user,
      uid,
      ...(groups !== undefined && groups !== '' ? { groups: groups.split(',') } : {}),
      ...(audiences !== undefined && audiences !== '' ? { audiences: audiences.split(',') } : {}),
    });
  });
  return out;
}

export function readTokenFile(file: string): TokenEntry[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new FleetGraphError(
      ErrorCode.INVALID_CONFIG,
      `cannot read token file ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
    );
  }
  return parseTokenFile(text, file);
}

/**
 * RFC 4180 records as Go's encoding/csv reads them: quoted fields may hold commas, newlines and
 * doubled quotes; blank lines are skipped; lines may end in CRLF.
 */
export function readCsv(text: string): string[][] {
  const records: string[][] = [];
  let rec: string[] = [];
  let field = '';
  let i = 0;
  let line = 1;
  let atFieldStart = true;
  const endRecord = () => {
    rec.push(field);
    if (!(rec.length === 1 && rec[0] === '')) records.push(rec);
    rec = [];
    field = '';
    atFieldStart = true;
  };
  while (i < text.length) {
    const c = text[i]!;
    if (atFieldStart && c === '"') {
      i++;
      for (;;) {
        if (i >= text.length) throw new Error(`line ${line}: extraneous or missing " in quoted-field`);
        const d = text[i]!;
        if (d === '"') {
          if (text[i + 1] === '"') {
            field += '"';
            i += 2;
            continue;
          }
          i++;
          break;
        }
        if (d === '\n') line++;
        field += d;
        i++;
      }
      const next = text[i];
      if (next !== undefined && next !== ',' && next !== '\n' && next !== '\r')
        throw new Error(`line ${line}: extraneous or missing " in quoted-field`);
      atFieldStart = false;
      continue;
    }
    atFieldStart = false;
    if (c === ',') {
      rec.push(field);
      field = '';
      atFieldStart = true;
    } else if (c === '\n') {
      endRecord();
      line++;
    } else if (c === '\r' && text[i + 1] === '\n') {
      // CRLF: the \n ends the record.
    } else if (c === '"') throw new Error(`line ${line}: bare " in non-quoted-field`);
    else field += c;
    i++;
  }
  if (field !== '' || rec.length > 0) endRecord();
  return records;
}

/** The result of checking one token against the audiences a caller wants. */
export type TokenResult = { ok: true; user: UserInfo; audiences: string[] } | { ok: false; error: string };

function intersect(a: readonly string[], b: readonly string[]): string[] {
  return a.filter((x) => b.includes(x));
}

const INVALID_TOKEN = 'invalid bearer token';

export class TokenAuthenticator {
  private readonly byToken = new Map<string, { user: UserInfo; audiences: string[] | undefined }>();

  constructor(
    entries: readonly TokenEntry[],
    /** The API server's own audiences (`--api-audiences`). */
    readonly apiAudiences: readonly string[],
  ) {
    for (const e of entries) {
      const groups = [...(e.groups ?? [])];
      // The group adder of kube-apiserver's authenticator chain.
      if (!groups.includes(AUTHENTICATED)) groups.push(AUTHENTICATED);
      this.byToken.set(e.token, {
        user: { username: e.user, uid: e.uid ?? '', groups, extra: {} },
        audiences: e.audiences && e.audiences.length > 0 ? e.audiences : undefined,
      });
    }
  }

  /**
   * Authenticates a token for the given target audiences (default: the API server's own).
   * Audience-agnostic tokens are good for the API server's audiences only, and answer with the
   * intersection (apiserver `WrapAudienceAgnosticToken`); audience-bound tokens answer with the
   * intersection of their own audiences and the target's, and fail when it is empty.
   */
  authenticate(token: string, targetAudiences?: readonly string[]): TokenResult {
    const found = this.byToken.get(token);
    const target = targetAudiences && targetAudiences.length > 0 ? targetAudiences : this.apiAudiences;
    if (!found) return { ok: false, error: INVALID_TOKEN };
    if (found.audiences) {
      const auds = intersect(found.audiences, target);
      if (auds.length === 0)
        return {
          ok: false,
          error: `token audiences ${goQuote(found.audiences)} is invalid for the target audiences ${goQuote(target)}`,
        };
      return { ok: true, user: found.user, audiences: auds };
    }
    const auds = intersect(this.apiAudiences, target);
    if (auds.length === 0) return { ok: false, error: INVALID_TOKEN };
    return { ok: true, user: found.user, audiences: auds };
  }
}

/** Go's `%q` of a string slice: `["a" "b"]`. */
function goQuote(xs: readonly string[]): string {
  return `[${xs.map((x) => JSON.stringify(x)).join(' ')}]`;
}

/**
 * The token of an `Authorization` header, as apiserver's bearer-token authenticator reads it:
 * the scheme is case-insensitive, and an empty token is no token.
 */
export function bearerToken(header: string | undefined): string | undefined {
  const auth = (header ?? '').trim();
  if (auth === '') return undefined;
  const parts = auth.split(' ');
  if (parts.length < 2 || parts[0]!.toLowerCase() !== 'bearer') return undefined;
  const token = parts[1]!;
  return token === '' ? undefined : token;
}
