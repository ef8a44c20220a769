// What CI can check of a deployment without a Cloudflare account: wrangler bundles the Worker
// as `wrangler deploy` would (--dry-run, offline), with the bindings docs/deploy.md sets up,
// and the bundle stays under the Workers Free plan's size limit.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dryRun, FREE_PLAN_WORKER_GZIP_BYTES } from '../bench/deploy.mjs';

test('wrangler deploy --dry-run bundles the collector under the free plan\'s 3 MB (gzip)', (t) => {
  const out = dryRun();
  t.diagnostic(`bundle ${out.bundle_bytes} B, gzip ${out.bundle_gzip_bytes} B (wrangler: ${out.wrangler_total_kib} KiB / gzip ${out.wrangler_gzip_kib} KiB), ${out.asset_files} asset files`);
  assert.ok(out.files['index_bg.wasm'], `the collector's wasm is in the bundle: ${Object.keys(out.files)}`);
  assert.ok(Object.keys(out.files).some((f) => f.endsWith('.js')), 'and its JavaScript module');
  assert.ok(out.bundle_gzip_bytes < FREE_PLAN_WORKER_GZIP_BYTES, `${out.bundle_gzip_bytes} B gzip`);
  assert.ok(out.wrangler_gzip_kib * 1024 < FREE_PLAN_WORKER_GZIP_BYTES, `wrangler's own count: ${out.wrangler_gzip_kib} KiB`);
  // The bindings docs/deploy.md creates: D1 as DB, the app as ASSETS, the settings.
  for (const binding of ['env.DB (ajar)', 'env.ASSETS', 'env.LIMITER', 'env.RATE_LIMIT_PER_MIN', 'env.CAMPAIGN_LIMIT_PER_MIN',
    'env.CONTROL_LIMIT_PER_MIN', 'env.CANARIES', 'env.UNATTENDED_RUNS']) {
    assert.ok(out.printed.includes(binding), `${binding} in:\n${out.printed}`);
  }
  assert.ok(out.asset_files > 10, 'the app is uploaded with it');
  // Static assets: at most 20,000 files of at most 25 MiB each on the free plan.
  assert.ok(out.asset_files <= 20000);
  assert.ok(out.largest_asset_bytes < 25 * 1024 * 1024, `${out.largest_asset_bytes} B`);
});
