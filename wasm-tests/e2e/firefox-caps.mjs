// Prints the WebDriver capabilities for wasm-bindgen-test-runner in Firefox ESR (its
// `WASM_BINDGEN_TEST_WEBDRIVER_JSON`): a throwaway profile trusting the lab CA and the lab's
// preferences. The profile's directory is printed to stderr for the caller to remove.
import { FIREFOX, labDomains, labPrefs, makeProfile } from './firefox.mjs';

const { dir, profile } = makeProfile();
process.stderr.write(`${dir}\n`);
console.log(JSON.stringify({
  browserName: 'firefox',
  acceptInsecureCerts: false,
  'moz:firefoxOptions': { binary: FIREFOX, args: ['-profile', profile], prefs: labPrefs(labDomains()) },
}));
