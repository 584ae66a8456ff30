// Headless Chromium (Debian's, driven by playwright-core from
// tests/decks/node_modules) loads the decks over HTTPS, trusting the
// test CA only through the NSS database of $HOME (test-tls.sh makes it
// with certutil): the index and the Kiln talk load with TLS 1.3, no
// failed request, no console error, no certificate error. The same
// browser must refuse the certificate for a name it does not hold
// (wrong.example, mapped to 127.0.0.1), so that certificates are
// checked in this run.
//
// usage: node browse-https.js TAG PORT
// Prints PASS/FAIL lines (the test runner's protocol).
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');
const { chromium } = require(path.join(__dirname,
	'../decks/node_modules/playwright-core'));

const tag = process.argv[2];
const port = process.argv[3];
const base = `https://127.0.0.1:${port}`;
let failures = 0;
function report(name, ok, why) {
	if (ok) {
		console.log(`PASS: ${tag}: chromium: ${name}`);
	} else {
		failures++;
		console.log(`FAIL: ${tag}: chromium: ${name}: ${why}`);
	}
}

(async () => {
	const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'kiln-chromium-'));
	const context = await chromium.launchPersistentContext(profile, {
		executablePath: '/usr/bin/chromium',
		headless: true,
		env: { ...process.env, HOME: process.env.HOME },
		args: [
			'--headless', '--no-sandbox', '--disable-gpu', '--disable-quic',
			'--no-first-run', '--disable-background-networking',
			'--disable-component-update', '--disable-sync',
			'--host-resolver-rules=MAP wrong.example 127.0.0.1',
		],
		viewport: { width: 1280, height: 720 },
	});
	const failed = [];
	const errors = [];
	try {
		const page = context.pages()[0] || (await context.newPage());
		page.on('requestfailed', (r) =>
			failed.push(`${r.url()} ${r.failure() && r.failure().errorText}`));
		page.on('response', (r) => {
			if (r.status() >= 400)
				failed.push(`${r.url()} ${r.status()}`);
		});
		page.on('console', (m) => {
			if (m.type() === 'error')
				errors.push(m.text());
		});
		page.on('pageerror', (e) => errors.push(e.message));

		let resp = null, why = '';
		try {
			resp = await page.goto(`${base}/`, { waitUntil: 'load', timeout: 20000 });
		} catch (e) {
			why = e.message.split('\n')[0];
		}
		const sec = resp ? await resp.securityDetails() : null;
		report('the index loads over HTTPS, the certificate trusted',
			resp && resp.ok() && sec, why || (resp && resp.status()));
		if (sec) {
			report(`TLS 1.3 (${sec.protocol}, issuer ${sec.issuer})`,
				sec.protocol === 'TLS 1.3', sec.protocol);
		}
		if (resp) {
			await page.waitForLoadState('networkidle', { timeout: 20000 });
			await page.goto(`${base}/kiln/`, { waitUntil: 'load', timeout: 20000 });
			await page.waitForFunction(
				() => window.Reveal && window.Reveal.isReady(), null,
				{ timeout: 20000 });
			const title = await page.title();
			report('the Kiln talk opens (reveal.js ready)',
				title.startsWith('Kiln'), title);
			await page.waitForLoadState('networkidle', { timeout: 20000 });
		}
		report('no failed requests', failed.length === 0, failed.join('; '));
		report('no console errors', errors.length === 0, errors.join('; '));

		// The same browser, a name the certificate does not hold.
		failed.length = 0;
		let wrong = '';
		try {
			await page.goto(`https://wrong.example:${port}/`,
				{ waitUntil: 'load', timeout: 20000 });
		} catch (e) {
			wrong = e.message.split('\n')[0];
		}
		report('a name the certificate does not hold is refused',
			/ERR_CERT_COMMON_NAME_INVALID/.test(wrong), wrong || 'it loaded');
	} catch (e) {
		report('the run', false, e.message.split('\n')[0]);
	} finally {
		await context.close();
		fs.rmSync(profile, { recursive: true, force: true });
	}
	process.exit(failures ? 1 : 0);
})();
