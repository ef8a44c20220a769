// The collector as it would deploy: `wrangler deploy --dry-run --outdir` bundles the Worker
// offline (after scripts/build.sh), and its gzip size is measured against the Workers Free
// plan's limit. Run directly (make bench), it writes target/bench/deploy.json.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { join } from 'node:path';

const ROOT = new URL('../../', import.meta.url).pathname;
/** Workers Free plan: a Worker may be at most 3 MB after compression (Paid: 10 MB), per
 * https://developers.cloudflare.com/workers/platform/limits/#worker-size (wrangler says
 * "3 MiB"; the smaller reading is used). The app's static assets do not count: they are
 * uploaded as assets, each file at most 25 MiB. */
export const FREE_PLAN_WORKER_GZIP_BYTES = 3_000_000;
export const PAID_PLAN_WORKER_GZIP_BYTES = 10_000_000;

/** Bundles the Worker with wrangler's dry run into `outdir`; returns what it printed and sizes. */
export function dryRun(outdir = join(ROOT, 'target/deploy-dry-run')) {
  rmSync(outdir, { recursive: true, force: true });
  mkdirSync(outdir, { recursive: true });
  const printed = execFileSync('npx', ['wrangler', 'deploy', '--dry-run', '--outdir', outdir], {
    cwd: join(ROOT, 'worker'),
    env: { ...process.env, WRANGLER_SEND_METRICS: 'false', CI: 'true', CLOUDFLARE_CF_FETCH_ENABLED: 'false', NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  }).toString();
  // What uploads: the bundled module and the wasm it imports (not source maps, not the README).
  const files = readdirSync(outdir).filter((f) => !f.endsWith('.map') && f !== 'README.md').sort();
  const sizes = Object.fromEntries(files.map((f) => {
    const bytes = readFileSync(join(outdir, f));
    return [f.replace(/^[0-9a-f]{40}-/, ''), { bytes: bytes.length, gzip_bytes: gzipSync(bytes, { level: 9 }).length }];
  }));
  const m = printed.match(/Total Upload: ([\d.]+) KiB \/ gzip: ([\d.]+) KiB/);
  const assets = printed.match(/Read (\d+) files from the assets directory/);
  const walk = (d) => readdirSync(d, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? walk(join(d, e.name)) : [statSync(join(d, e.name)).size]));
  return {
    printed,
    files: sizes,
    bundle_bytes: Object.values(sizes).reduce((n, s) => n + s.bytes, 0),
    bundle_gzip_bytes: Object.values(sizes).reduce((n, s) => n + s.gzip_bytes, 0),
    wrangler_total_kib: m ? Number(m[1]) : null,
    wrangler_gzip_kib: m ? Number(m[2]) : null,
    asset_files: assets ? Number(assets[1]) : null,
    largest_asset_bytes: Math.max(...walk(join(ROOT, 'dist'))),
    free_plan_limit_bytes: FREE_PLAN_WORKER_GZIP_BYTES,
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { printed, ...out } = dryRun();
  out.free_plan_share = Math.round((out.bundle_gzip_bytes / FREE_PLAN_WORKER_GZIP_BYTES) * 1000) / 1000;
  mkdirSync(join(ROOT, 'target/bench'), { recursive: true });
  writeFileSync(join(ROOT, 'target/bench/deploy.json'), JSON.stringify(out));
  console.log(JSON.stringify(out));
}
