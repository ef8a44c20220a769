// Packs the app into dist/ from www/index.html: the page's `<link data-trunk ...>` lines say
// what goes in (the format Trunk reads; Trunk itself took 10-16 min to install on a fresh
// machine and did no more than this). Run by scripts/build.sh with tools on PATH:
//   rel="css"        the stylesheet, under a content-hashed name, with its integrity
//   rel="rust"       the `ajar` binary built for wasm32 (release), wasm-bindgen --target web,
//                    wasm-opt -O<data-wasm-opt> <data-wasm-opt-params>; preloaded with
//                    integrity, started by a module script of its own (the CSP allows no
//                    inline script: www/_headers)
//   rel="copy-dir"   a directory copied as it is
//   rel="copy-file"  a file copied as it is
// Any other data-trunk line is an error.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';

const ROOT = new URL('..', import.meta.url).pathname;
const WWW = join(ROOT, 'www');
const DIST = join(ROOT, 'dist');
const STAGE = join(ROOT, 'target', 'pack-app');

const hashName = (bytes) => createHash('sha256').update(bytes).digest('hex').slice(0, 16);
const integrity = (bytes) => `sha384-${createHash('sha384').update(bytes).digest('base64')}`;
const run = (cmd, args) => execFileSync(cmd, args, { cwd: ROOT, stdio: 'inherit' });

/** The attributes of one `<link ...>` tag. */
function attributes(tag) {
  const out = {};
  for (const m of tag.matchAll(/([\w-]+)(?:="([^"]*)")?/g)) out[m[1]] = m[2] ?? '';
  return out;
}

/** The app's wasm and its glue, hashed; returns the lines for the head and the start script. */
function rust(a) {
  const bin = a['data-bin'];
  if (!bin) throw new Error('rel="rust" needs data-bin');
  run('cargo', ['build', '--release', '--target', 'wasm32-unknown-unknown', '--bin', bin]);
  const built = join(ROOT, 'target', 'wasm32-unknown-unknown', 'release', `${bin}.wasm`);
  const name = `${bin}-${hashName(readFileSync(built))}`;
  rmSync(STAGE, { recursive: true, force: true });
  run('wasm-bindgen', ['--target', 'web', '--no-typescript', '--out-dir', STAGE, '--out-name', name, built]);
  const wasm = `${name}_bg.wasm`;
  const js = `${name}.js`;
  if (a['data-wasm-opt']) {
    const params = (a['data-wasm-opt-params'] || '').split(/\s+/).filter(Boolean);
    run('wasm-opt', [`-O${a['data-wasm-opt']}`, ...params, join(STAGE, wasm), '-o', join(STAGE, wasm)]);
  }
  for (const f of [wasm, js]) renameSync(join(STAGE, f), join(DIST, f));
  const start = `import init from '/${js}';\nawait init({ module_or_path: '/${wasm}' });\n`;
  const startName = `init-${hashName(start)}.js`;
  writeFileSync(join(DIST, startName), start);
  const head = [
    `<link rel="modulepreload" href="/${js}" crossorigin="anonymous" integrity="${integrity(readFileSync(join(DIST, js)))}">`,
    `<link rel="preload" href="/${wasm}" crossorigin="anonymous" integrity="${integrity(readFileSync(join(DIST, wasm)))}" as="fetch" type="application/wasm">`,
    `<script type="module" src="/${startName}"></script>`,
  ];
  return head.join('\n  ');
}

function css(a) {
  const bytes = readFileSync(join(WWW, a.href));
  const name = `${basename(a.href, '.css')}-${hashName(bytes)}.css`;
  writeFileSync(join(DIST, name), bytes);
  return `<link rel="stylesheet" href="/${name}" integrity="${integrity(bytes)}">`;
}

rmSync(DIST, { recursive: true, force: true });
mkdirSync(DIST, { recursive: true });
const page = readFileSync(join(WWW, 'index.html'), 'utf8').replace(/<link data-trunk\b[^>]*>/g, (tag) => {
  const a = attributes(tag);
  switch (a.rel) {
    case 'css': return css(a);
    case 'rust': return rust(a);
    case 'copy-dir': cpSync(join(WWW, a.href), join(DIST, basename(a.href)), { recursive: true }); return '';
    case 'copy-file': cpSync(join(WWW, a.href), join(DIST, basename(a.href))); return '';
    default: throw new Error(`www/index.html: data-trunk rel="${a.rel}" is not packed by scripts/pack-app.mjs`);
  }
}).replace(/\n\s*\n/g, '\n');
if (/<script(?![^>]*\ssrc=)[^>]*>/.test(page)) throw new Error('dist/index.html: an inline script is left');
writeFileSync(join(DIST, 'index.html'), page);
rmSync(STAGE, { recursive: true, force: true });
