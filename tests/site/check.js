// Crawls the site unikernel from / in headless Chromium (Debian's, driven
// by playwright-core from tests/decks): every internal link, image,
// stylesheet and script must resolve; every page is laid out at 1280x800,
// 1920x1080 and a phone's 390x844 with no element's box outside the
// viewport, and every slide of every deck at the first two with no
// element's box outside the slide; no failed request, no console error.
// Screenshots go to OUT_DIR.
//
// usage: node check.js BASE_URL OUT_DIR
// Prints PASS/FAIL lines (the test runner's protocol).
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');
const { chromium } = require(path.join(__dirname, '../decks/node_modules/playwright-core'));

const base = process.argv[2];
const outDir = process.argv[3];
let failures = 0;
function report(name, ok, why) {
	if (ok) {
		console.log(`PASS: site: ${name}`);
	} else {
		failures++;
		console.log(`FAIL: site: ${name}: ${why}`);
	}
}

const sizes = [[1280, 800], [1920, 1080]];
const phone = [390, 844];

// Boxes of visible elements that reach outside [0,0,w,h] (viewport
// coordinates), for pages; for a deck, outside the present slide's box.
function overflowing(deck) {
	const out = [];
	const vw = document.documentElement.clientWidth;
	let box = { left: 0, top: 0, right: vw, bottom: Infinity };
	let scope = document.body;
	if (deck) {
		scope = document.querySelector('.reveal .slides section.present');
		const s = document.querySelector('.reveal .slides').getBoundingClientRect();
		box = { left: s.left - 1, top: s.top - 1, right: s.right + 1, bottom: s.bottom + 1 };
	}
	for (const el of scope.querySelectorAll('*')) {
		const r = el.getBoundingClientRect();
		if (r.width === 0 || r.height === 0)
			continue;
		const st = getComputedStyle(el);
		if (st.visibility === 'hidden' || st.display === 'none')
			continue;
		// Content inside a box that scrolls (wide tables, code) is meant
		// to be scrolled to; the scrolling box itself must fit.
		let p = el.parentElement;
		let clipped = false;
		while (p && p !== scope) {
			const ps = getComputedStyle(p);
			if (/(auto|scroll|hidden)/.test(ps.overflowX + ps.overflowY)) {
				clipped = true;
				break;
			}
			p = p.parentElement;
		}
		if (clipped)
			continue;
		if (r.left < box.left - 0.5 || r.right > box.right + 0.5 ||
			r.top < box.top - 0.5 || r.bottom > box.bottom + 0.5) {
			const what = el.tagName.toLowerCase() +
				(el.className && typeof el.className === 'string' ? '.' + el.className.split(' ')[0] : '');
			out.push(`${what} "${(el.textContent || '').trim().slice(0, 30)}" ` +
				`[${Math.round(r.left)},${Math.round(r.top)},${Math.round(r.right)},${Math.round(r.bottom)}]`);
		}
	}
	if (!deck && document.documentElement.scrollWidth > vw)
		out.push(`page ${document.documentElement.scrollWidth} px wide in ${vw}`);
	return out;
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
		viewport: { width: 1280, height: 800 },
	});
	const failed = [];
	const errors = [];
	let requests = 0;
	try {
		const page = context.pages()[0] || (await context.newPage());
		// A navigation cancels what the page left in flight (a late
		// favicon, say): Chromium reports that as net::ERR_ABORTED. Such a
		// cancellation is the crawl's doing, not the server's, so a request
		// aborted after the page it belonged to was left is not counted.
		let navigations = 0;
		const startedIn = new Map();
		page.on('framenavigated', (f) => {
			if (f === page.mainFrame())
				navigations++;
		});
		page.on('request', (r) => {
			requests++;
			startedIn.set(r, navigations);
		});
		page.on('requestfailed', (r) => {
			const why = r.failure() && r.failure().errorText;
			if (why === 'net::ERR_ABORTED' && startedIn.get(r) !== navigations)
				return;
			failed.push(`${r.url()} ${why}`);
		});
		page.on('response', (r) => {
			if (r.status() >= 400)
				failed.push(`${r.url()} ${r.status()}`);
		});
		page.on('console', (m) => {
			if (m.type() === 'error')
				errors.push(`${page.url()}: ${m.text()}`);
		});
		page.on('pageerror', (e) => errors.push(`${page.url()}: ${e.message}`));

		// The crawl: every internal reference of every HTML page.
		const seen = new Set(['/']);
		const queue = ['/'];
		const pages = [];
		const decks = [];
		const broken = [];
		while (queue.length) {
			const url = queue.shift();
			// Only pages are opened in the browser; other files are fetched.
			if (!/(\/|\.html)$/.test(url)) {
				const r = await context.request.get(base + url);
				if (r.status() !== 200)
					broken.push(`${url} ${r.status()}`);
				continue;
			}
			const resp = await page.goto(base + url, { waitUntil: 'load', timeout: 20000 });
			if (!resp || resp.status() !== 200) {
				broken.push(`${url} ${resp && resp.status()}`);
				continue;
			}
			const type = resp.headers()['content-type'] || '';
			if (!type.startsWith('text/html'))
				continue;
			const isDeck = await page.evaluate(() => !!document.querySelector('.reveal'));
			(isDeck ? decks : pages).push(url);
			const refs = await page.$$eval('a[href], img[src], link[href], script[src]',
				(els) => els.map((e) => e.getAttribute('href') || e.getAttribute('src')));
			const ids = await page.$$eval('[id]', (els) => els.map((e) => e.id));
			for (const ref of refs) {
				const u = new URL(ref, base + url);
				if (u.origin !== new URL(base).origin)
					continue;
				if (u.hash && u.pathname === new URL(base + url).pathname && !isDeck &&
					!ids.includes(decodeURIComponent(u.hash.slice(1))))
					broken.push(`${url} -> ${ref} (no such id)`);
				if (!seen.has(u.pathname)) {
					seen.add(u.pathname);
					queue.push(u.pathname);
				}
			}
		}
		report(`every internal link resolves (${seen.size} paths, ${pages.length} pages, ${decks.length} decks)`,
			broken.length === 0 && pages.length >= 5 && decks.length >= 2, broken.join('; '));
		for (const want of ['/', '/docs/', '/docs/readme.html', '/docs/architecture.html', '/decks/', '/bench/'])
			report(`${want} is reached from /`, pages.includes(want), 'not linked');

		const shotName = (u, w, h, extra) =>
			path.join(outDir, `${(u.replace(/\//g, '_').replace(/^_|_$/g, '') || 'home')}${extra || ''}-${w}x${h}.png`);

		for (const [w, h] of sizes.concat([phone])) {
			await page.setViewportSize({ width: w, height: h });
			const bad = [];
			for (const url of pages) {
				await page.goto(base + url, { waitUntil: 'load', timeout: 20000 });
				const o = await page.evaluate(overflowing, false);
				if (o.length)
					bad.push(`${url}: ${o.slice(0, 3).join(', ')}`);
				if (['/', '/bench/', '/docs/architecture.html'].includes(url))
					await page.screenshot({ path: shotName(url, w, h) });
			}
			report(`every page fits ${w}x${h}`, bad.length === 0, bad.join('; '));
		}

		for (const [w, h] of sizes) {
			await page.setViewportSize({ width: w, height: h });
			for (const url of decks) {
				await page.goto(`${base}${url}`, { waitUntil: 'load', timeout: 20000 });
				await page.waitForFunction(() => window.Reveal && window.Reveal.isReady(),
					null, { timeout: 20000 });
				await page.evaluate(() => window.Reveal.configure({ transition: 'none', backgroundTransition: 'none' }));
				const n = await page.evaluate(() => window.Reveal.getTotalSlides());
				const bad = [];
				for (let i = 0; i < n; i++) {
					await page.evaluate((i) => window.Reveal.slide(i, 0), i);
					await page.waitForFunction((i) => window.Reveal.getIndices().h === i, i);
					await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
					const o = await page.evaluate(overflowing, true);
					if (o.length)
						bad.push(`slide ${i + 1}: ${o.slice(0, 3).join(', ')}`);
					await page.screenshot({ path: shotName(url, w, h, `-${String(i + 1).padStart(2, '0')}`) });
				}
				report(`every slide of ${url} (${n}) fits ${w}x${h}`, bad.length === 0, bad.join('; '));
				const last = await page.evaluate(() => {
					window.Reveal.slide(window.Reveal.getTotalSlides() - 1, 0);
					return document.querySelector('.reveal .slides section.present').textContent;
				});
				report(`the last slide of ${url} promises no next slide`,
					!/press\s*→/i.test(last), last.trim().slice(0, 80));
			}
		}
		report(`no failed requests (${requests} made)`, failed.length === 0,
			failed.slice(0, 5).join('; '));
		report('no console errors', errors.length === 0, errors.slice(0, 5).join('; '));
	} catch (e) {
		report('browse', false, e.message.split('\n')[0]);
	} finally {
		await context.close();
		fs.rmSync(profile, { recursive: true, force: true });
	}
	process.exit(failures ? 1 : 0);
})();
