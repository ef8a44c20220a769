// A throwaway HOME whose NSS database trusts the lab CA (lab/certs/ca.pem), as a visitor's
// browser trusts a public CA: Chromium on Linux reads $HOME/.pki/nssdb. No flag ever tells
// the browser to ignore certificate errors; broken certificates in the lab stay broken.
const { execFileSync } = require('node:child_process');
const { mkdtempSync, mkdirSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');

const CA = join(__dirname, '../../lab/certs/ca.pem');

/** Makes a HOME trusting the lab CA; returns its path. */
function labHome(dir = mkdtempSync(join(tmpdir(), 'ajar-home-'))) {
  const db = join(dir, '.pki', 'nssdb');
  mkdirSync(db, { recursive: true });
  execFileSync('certutil', ['-d', `sql:${db}`, '-N', '--empty-password']);
  execFileSync('certutil', ['-d', `sql:${db}`, '-A', '-t', 'C,,', '-n', 'ajar-lab-ca', '-i', CA]);
  return dir;
}
module.exports = { labHome, CA };
if (require.main === module) console.log(labHome(process.argv[2]));
