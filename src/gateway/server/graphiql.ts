/**
 * GraphiQL from local files: a small HTML page at GET /graphql (for browsers) that links the
 * editor's script, stylesheet, Monaco workers and favicon as separate files under /graphiql/,
 * each at a URL carrying its content hash, so a browser keeps them for a year and a reload costs one
 * small page. Bodies are compressed once (brotli and gzip) on first use, not at start-up, and
 * served by Accept-Encoding with an ETag. No CDN: everything comes from this server, under a CSP
 * that allows only same-origin scripts, workers and connections.
 *
 * yoga's own single-file page (≈9 MB, inline scripts, blob: workers) is not used: its inline
 * scripts need `script-src 'unsafe-inline'`, and nothing of it can be cached.
 */
import { createHash } from 'node:crypto';
import { promisify } from 'node:util';
import { brotliCompress, constants as zlib, gzip } from 'node:zlib';
import type { Plugin } from 'graphql-yoga';

export const GRAPHIQL_ASSETS_PATH = '/graphiql/';

export const GRAPHIQL_CSP =
  "default-src 'self'; script-src 'self'; worker-src 'self'; style-src 'self' 'unsafe-inline'; " +
  "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

export const IMMUTABLE = 'public, max-age=31536000, immutable';

const brotli = promisify(brotliCompress);
const gz = promisify(gzip);

export interface GraphiQLPageOptions {
  readonly endpoint: string;
  readonly title: string;
  readonly defaultQuery: string;
  readonly subscriptionsProtocol: 'WS' | 'SSE';
  /** The header editor's initial text (JSON), e.g. an Authorization header to fill in. */
  readonly headers?: string | undefined;
  /** Which editor tool starts open. */
  readonly defaultEditorToolsVisibility?: 'headers' | 'variables' | undefined;
}

interface Asset {
  readonly path: string;
  readonly type: string;
  readonly etag: string;
  readonly raw: Buffer;
  readonly br: Buffer;
  readonly gzip: Buffer;
}

interface Assets {
  readonly byPath: ReadonlyMap<string, Asset>;
  readonly page: Asset;
}

/** Runs the page's options through; read by init.js (no inline script). */
const INIT_JS = `(function () {
  var workers = JSON.parse(document.getElementById('graphiql-workers').textContent);
  var options = JSON.parse(document.getElementById('graphiql-options').textContent);
  self.MonacoEnvironment = {
    globalAPI: false,
    getWorkerUrl: function (moduleId, label) { return workers[label]; },
  };
  YogaGraphiQL.renderYogaGraphiQL(document.getElementById('root'), options);
})();
`;

async function asset(name: string, ext: string, type: string, raw: Buffer): Promise<Asset> {
  const hash = createHash('sha256').update(raw).digest('hex').slice(0, 16);
  const [br, gzip] = await Promise.all([
    brotli(raw, {
      params: { [zlib.BROTLI_PARAM_QUALITY]: 9, [zlib.BROTLI_PARAM_SIZE_HINT]: raw.length },
    }),
    gz(raw, { level: 9 }),
  ]);
  return { path: `${GRAPHIQL_ASSETS_PATH}${name}.${hash}.${ext}`, type, etag: `"${hash}"`, raw, br, gzip };
}

const escapeJson = (v: unknown) => JSON.stringify(v).replace(/</g, '\\u003c');
const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

async function build(opts: GraphiQLPageOptions): Promise<Assets> {
  // ≈9 MB of strings: loaded only when a browser first asks for GraphiQL.
  const g = await import('@graphql-yoga/render-graphiql/graphiql');
  const js = 'application/javascript; charset=utf-8';
  const favicon = /^data:([^;]+);base64,(.*)$/s.exec(g.favicon);
  const files = await Promise.all([
    asset('graphiql', 'js', js, Buffer.from(g.js)),
    asset('graphiql', 'css', 'text/css; charset=utf-8', Buffer.from(g.css)),
    asset('editor.worker', 'js', js, Buffer.from(g.editorWorkerService)),
    asset('json.worker', 'js', js, Buffer.from(g.jsonWorker)),
    asset('graphql.worker', 'js', js, Buffer.from(g.graphqlWorker)),
    asset('init', 'js', js, Buffer.from(INIT_JS)),
    ...(favicon ? [asset('favicon', 'ico', favicon[1]!, Buffer.from(favicon[2]!, 'base64'))] : []),
  ]);
  const [script, css, editor, json, graphql, init, icon] = files as [
    Asset,
    Asset,
    Asset,
    Asset,
    Asset,
    Asset,
    Asset?,
  ];
  const workers = { editorWorkerService: editor.path, json: json.path, graphql: graphql.path };
  const html = `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <title>${escapeHtml(opts.title)}</title>
    ${icon ? `<link rel="icon" href="${icon.path}" />` : ''}
    <link rel="stylesheet" href="${css.path}" />
  </head>
  <body id="body" class="no-focus-outline">
    <noscript>GraphiQL needs JavaScript.</noscript>
    <div id="root"></div>
    <script type="application/json" id="graphiql-workers">${escapeJson(workers)}</script>
    <script type="application/json" id="graphiql-options">${escapeJson(opts)}</script>
    <script src="${script.path}"></script>
    <script src="${init.path}"></script>
  </body>
</html>
`;
  const page = await asset('index', 'html', 'text/html; charset=utf-8', Buffer.from(html));
  return { byPath: new Map(files.map((f) => [f.path, f])), page };
}

/** The best encoding the client accepts among br, gzip and none (q=0 excluded). */
export function pickEncoding(header: string | null): 'br' | 'gzip' | undefined {
  const accepted = new Map<string, number>();
  for (const part of (header ?? '').split(',')) {
    const [name, ...params] = part.trim().toLowerCase().split(';');
    const q = params.map((p) => /^\s*q=([\d.]+)\s*$/.exec(p)?.[1]).find((x) => x !== undefined);
    if (name) accepted.set(name, q === undefined ? 1 : Number(q));
  }
  const ok = (n: string) => (accepted.get(n) ?? accepted.get('*') ?? 0) > 0;
  if (ok('br')) return 'br';
  if (ok('gzip')) return 'gzip';
  return undefined;
}

function respond(
  request: Request,
  a: Asset,
  cacheControl: string,
  extra: Record<string, string> = {},
): Response {
  const headers: Record<string, string> = {
    'content-type': a.type,
    'cache-control': cacheControl,
    etag: a.etag,
    vary: 'accept-encoding',
    ...extra,
  };
  const inm = request.headers.get('if-none-match');
  if (inm && inm.split(',').some((t) => t.trim() === a.etag))
    return new Response(null, { status: 304, headers });
  const enc = pickEncoding(request.headers.get('accept-encoding'));
  const body = enc === 'br' ? a.br : enc === 'gzip' ? a.gzip : a.raw;
  if (enc) headers['content-encoding'] = enc;
  headers['content-length'] = String(body.length);
  return new Response(request.method === 'HEAD' ? null : new Uint8Array(body), { status: 200, headers });
}

/** Whether a GET is a browser asking for a page (yoga's rule: it accepts text/html). */
function wantsHtml(request: Request): boolean {
  return (request.headers.get('accept') ?? '').includes('text/html');
}

/**
 * Serves the page at GET `endpoint` to browsers and the files under /graphiql/. GraphQL GETs (with
 * a `query` parameter) and every other request go on to yoga.
 */
export function useGraphiQL(opts: GraphiQLPageOptions): Plugin {
  let built: Promise<Assets> | undefined;
  const assets = () => {
    built ??= build(opts);
    // A failed build is retried on the next request instead of being remembered.
    built.catch(() => (built = undefined));
    return built;
  };
  return {
    async onRequest(payload) {
      const { request, url } = payload;
      if (request.method !== 'GET' && request.method !== 'HEAD') return;
      if (url.pathname === opts.endpoint && wantsHtml(request) && !url.searchParams.has('query')) {
        const a = await assets();
        // The page names the hashed files, so it is revalidated (cheap: a 304) rather than kept.
        payload.endResponse(
          respond(request, a.page, 'no-cache', { 'content-security-policy': GRAPHIQL_CSP }),
        );
        return;
      }
      if (!url.pathname.startsWith(GRAPHIQL_ASSETS_PATH)) return;
      const a = (await assets()).byPath.get(url.pathname);
      payload.endResponse(
        a
          ? respond(request, a, IMMUTABLE)
          : new Response('not found\n', { status: 404, headers: { 'content-type': 'text/plain' } }),
      );
    },
  };
}
