// Opens the decks index in headless Chromium, follows the link to the Kiln
// talk, presses ArrowRight and checks that slide 2 is shown; fails on any
// failed request (or HTTP error status) and any console error.
//
// usage: node browse.js BASE_URL SCREENSHOT.png
// Prints PASS/FAIL lines (the test runner's protocol).
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');
const { chromium } = require('playwright-core');

const base = process.argv[2];
const shot = process.argv[3];
let failures = 0;
function report(name, ok, why) {
	if (ok) {
		console.log(`PASS: browser: ${name}`);
	} else {
		failures++;
		console.log(`FAIL: browser: ${name}: ${why}`);
	}
}

(async () => {
	const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'kiln-chromium-'));
	const context = await chromium.launchPersistentContext(profile, {
		executablePath: '/usr/bin/chromium',
		headless: true,
		args: [
			'--headless', '--no-sandbox', '--disable-gpu', '--disable-quic',
			'--no-first-run', '--disable-background-networking',
			'--disable-component-update', '--disable-sync',
		],
		viewport: { width: 1280, height: 720 },
	});
	const failed = [];
	const errors = [];
	let requests = 0;
	try {
		const page = context.pages()[0] || (await context.newPage());
		page.on('request', () => requests++);
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

		await page.goto(`${base}/`, { waitUntil: 'load', timeout: 20000 });
		// Let the index's late requests (the favicon) end before leaving
		// it: a navigation aborts what is still in flight, and on a slow
		// target that would count as a failed request of the server's.
		await page.waitForLoadState('networkidle', { timeout: 20000 });
		const links = await page.$$eval('#decks a', (as) =>
			as.map((a) => [a.textContent, a.getAttribute('href')]));
		report('the index lists the decks',
			links.length >= 2 && links.some(([, h]) => h === '/kiln/'),
			JSON.stringify(links));

		await page.click('a[href="/kiln/"]');
		await page.waitForURL('**/kiln/**', { timeout: 20000 });
		await page.waitForFunction(
			() => window.Reveal && window.Reveal.isReady(), null,
			{ timeout: 20000 });
		const title = await page.title();
		report('the deck opens (reveal.js ready)',
			title.startsWith('Kiln'), title);
		const total = await page.evaluate(() => window.Reveal.getTotalSlides());
		report('the talk has at least 12 slides', total >= 12, `${total} slides`);

		// Wait for the slide transition to end, so that what is checked
		// and photographed is the settled slide, not one sliding in.
		await page.evaluate(() => {
			window.__kilnSettled = false;
			window.Reveal.on('slidetransitionend', () => {
				window.__kilnSettled = true;
			});
		});
		await page.keyboard.press('ArrowRight');
		await page.waitForFunction(() => window.Reveal.getIndices().h === 1,
			null, { timeout: 10000 });
		await page.waitForFunction(() => window.__kilnSettled === true,
			null, { timeout: 10000 });
		const heading = page.locator('section.present h2');
		await heading.waitFor({ state: 'visible', timeout: 10000 });
		const text = await heading.textContent();
		report('ArrowRight shows slide 2 and its text is visible',
			text === 'What Kiln is', `heading "${text}"`);
		const list = await page.locator('section.present li').first().isVisible();
		report('slide 2 body is visible', list, 'list not visible');
		// On a loaded host the slide can still be moving after
		// slidetransitionend (seen: the heading's centre at 1265 of
		// 1280): give it up to 5 s to come to rest in the middle, then
		// measure. A slide that never gets there still fails.
		await page.waitForFunction(() => {
			const h = document.querySelector('section.present h2');
			if (!h)
				return false;
			const r = h.getBoundingClientRect();
			return Math.abs(r.x + r.width / 2 - window.innerWidth / 2) < 40;
		}, null, { timeout: 5000 }).catch(() => {});
		const box = await heading.boundingBox();
		const width = page.viewportSize().width;
		const centre = box ? box.x + box.width / 2 : -1;
		report('slide 2 is centred in the window',
			Math.abs(centre - width / 2) < 40,
			`heading centre at ${centre} of ${width}`);
		await page.waitForLoadState('networkidle', { timeout: 10000 });
		await page.screenshot({ path: shot });
		report(`no failed requests (${requests} made)`, failed.length === 0,
			failed.join('; '));
		report('no console errors', errors.length === 0, errors.join('; '));
	} catch (e) {
		report('browse', false, e.message.split('\n')[0]);
	} finally {
		await context.close();
		fs.rmSync(profile, { recursive: true, force: true });
	}
	process.exit(failures ? 1 : 0);
})();
