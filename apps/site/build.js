// Builds the site into public/ (git-ignored), run by prebuild.sh before
// every kiln build: the home page, README and docs/*.md rendered to HTML
// (markdown-it, highlight.js), the benchmarks page with SVG plots drawn
// from bench/data/*.tsv, the decks of apps/decks and the reveal.js files
// they load. A file is written only when its content changes, so kiln's
// build stays incremental.
//
// usage: node build.js [OUT_DIR]   (default: public)
'use strict';
const fs = require('fs');
const path = require('path');
const MarkdownIt = require('markdown-it');
const anchor = require('markdown-it-anchor');
const hljs = require('highlight.js');
const plot = require('./plot');

const here = __dirname;
const root = path.resolve(here, '../..');
const out = path.resolve(process.argv[2] || path.join(here, 'public'));
const written = new Set();

function write(rel, content) {
	const file = path.join(out, rel);
	written.add(path.normalize(rel));
	const buf = Buffer.isBuffer(content) ? content : Buffer.from(content);
	if (fs.existsSync(file) && fs.readFileSync(file).equals(buf))
		return;
	fs.mkdirSync(path.dirname(file), { recursive: true });
	fs.writeFileSync(file, buf);
}

function copyTree(from, to) {
	for (const e of fs.readdirSync(from, { withFileTypes: true })) {
		const src = path.join(from, e.name);
		if (e.isDirectory())
			copyTree(src, path.join(to, e.name));
		else if (e.name !== '.gitignore')
			write(path.join(to, e.name), fs.readFileSync(src));
	}
}

function esc(s) {
	return String(s).replace(/[&<>"]/g,
		(c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]);
}

const nav = [
	['/', 'Home'], ['/docs/', 'Docs'], ['/decks/', 'Decks'],
	['/bench/', 'Benchmarks'],
];

function page(url, title, body) {
	const links = nav.map(([href, name]) => {
		const here = href === url || (href !== '/' && url.startsWith(href));
		return `<a href="${href}"${here ? ' aria-current="page"' : ''}>${name}</a>`;
	}).join('\n');
	return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)}</title>
<link rel="icon" href="/favicon.svg" type="image/svg+xml">
<link rel="stylesheet" href="/kiln.css">
</head>
<body class="site">
<header><nav>
<a class="brand" href="/">Kiln</a>
${links}
</nav></header>
<main>
${body}
</main>
<footer>Served by a Kiln unikernel: every file of this site is compiled
into its image and lib/http serves it.</footer>
</body>
</html>
`;
}

// The docs: README.md and docs/*.md, each to /docs/NAME.html.
const docs = [{ src: 'README.md', name: 'readme' }].concat(
	fs.readdirSync(path.join(root, 'docs')).filter((f) => f.endsWith('.md'))
		.sort().map((f) => ({ src: `docs/${f}`, name: f.slice(0, -3) })));
const docUrl = new Map(docs.map((d) => [d.src, `/docs/${d.name}.html`]));

const md = new MarkdownIt({
	html: false,
	linkify: false,
	highlight(code, lang) {
		if (lang && hljs.getLanguage(lang)) {
			return `<pre><code class="hljs language-${esc(lang)}">` +
				hljs.highlight(code, { language: lang, ignoreIllegals: true }).value +
				'</code></pre>';
		}
		return `<pre><code class="hljs">${esc(code)}</code></pre>`;
	},
}).use(anchor, { tabIndex: false });

// Links between docs go to their pages; a link to another file of the
// tree (a source file, a script) has no page on the site, so it becomes
// plain text rather than a link that would not resolve.
function rewriteLinks(tokens, from) {
	for (const t of tokens) {
		if (t.children)
			rewriteLinks(t.children, from);
		if (t.type !== 'link_open')
			continue;
		const href = t.attrGet('href') || '';
		if (/^[a-z]+:/i.test(href) || href.startsWith('#'))
			continue;
		const [file, frag] = href.split('#');
		const target = path.posix.normalize(
			path.posix.join(path.posix.dirname(from), file));
		if (docUrl.has(target)) {
			t.attrSet('href', docUrl.get(target) + (frag ? `#${frag}` : ''));
		} else {
			t.type = 'span_open';
			t.tag = 'span';
			t.attrs = null;
			t.dropClose = true;
		}
	}
	let drop = 0;
	for (const t of tokens) {
		if (t.dropClose) {
			drop++;
		} else if (t.type === 'link_close' && drop) {
			t.type = 'span_close';
			t.tag = 'span';
			drop--;
		}
	}
}

function render(src) {
	const env = {};
	const tokens = md.parse(fs.readFileSync(path.join(root, src), 'utf8'), env);
	rewriteLinks(tokens, src);
	const h1 = tokens.findIndex((t) => t.type === 'heading_open' && t.tag === 'h1');
	const title = h1 >= 0 ? tokens[h1 + 1].content : src;
	return { title, html: md.renderer.render(tokens, md.options, env) };
}

const docList = [];
for (const d of docs) {
	const { title, html } = render(d.src);
	docList.push(`<li><a href="${docUrl.get(d.src)}">${esc(title)}</a> <span class="note">${esc(d.src)}</span></li>`);
	write(`docs/${d.name}.html`, page(docUrl.get(d.src), `${title} · Kiln`,
		`<article class="doc">\n${html}</article>`));
}
write('docs/index.html', page('/docs/', 'Docs · Kiln',
	`<h1>Docs</h1>\n<p>The project's README and the files of <code>docs/</code>,
rendered when the image was built.</p>\n<ul class="list">\n${docList.join('\n')}\n</ul>`));

// The home page: what Kiln is (the README's opening paragraph) and how to
// start (the README's two commands, as they stand there).
const readme = fs.readFileSync(path.join(root, 'README.md'), 'utf8');
const intro = readme.split(/\n\n/)[1];
const twoCommands = readme.match(/## Two commands[^\n]*\n+```sh\n([\s\S]*?)```/);
if (!twoCommands)
	throw new Error('README.md: no "## Two commands" block');
write('index.html', page('/', 'Kiln: a library operating system in C', `<h1>Kiln</h1>
<p class="lead">a library operating system in C</p>
${md.render(intro)}
<h2>Start</h2>
<p>On a fresh Debian 12 machine, as root or with sudo, in a clone of the tree:</p>
${md.render('```sh\n' + twoCommands[1] + '```\n')}
<p>The first boots the unikernel that serves this site's decks and prints its
URL; the second runs the test suite. <code>bin/kiln run apps/site</code> boots
this site. More in the <a href="/docs/readme.html">README</a> and
<a href="/docs/building.html">building</a>.</p>
<h2>Here</h2>
<ul class="list">
<li><a href="/docs/">Docs</a>: the README and <code>docs/*.md</code></li>
<li><a href="/decks/">Decks</a>: talks, as reveal.js slides</li>
<li><a href="/bench/">Benchmarks</a>: Kiln beside its peers, measured</li>
</ul>`));

// The decks: copied from apps/decks, with the reveal.js files they load.
const decksSrc = path.join(root, 'apps/decks/site');
const decks = fs.readdirSync(decksSrc, { withFileTypes: true })
	.filter((e) => e.isDirectory() &&
		fs.existsSync(path.join(decksSrc, e.name, 'index.html')))
	.map((e) => e.name).sort();
const deckItems = [];
for (const d of decks) {
	copyTree(path.join(decksSrc, d), d);
	const html = fs.readFileSync(path.join(decksSrc, d, 'index.html'), 'utf8');
	const title = (html.match(/<title>([^<]*)<\/title>/) || [, d])[1];
	deckItems.push(`<li><a href="/${d}/">${title}</a></li>`);
}
for (const f of fs.readdirSync(decksSrc))
	if (fs.statSync(path.join(decksSrc, f)).isFile() && f !== 'index.html')
		// The decks' own index: the site has /decks/ instead.
		write(f, fs.readFileSync(path.join(decksSrc, f)));
write('decks/index.html', page('/decks/', 'Decks · Kiln', `<h1>Decks</h1>
<ul class="list" id="decks">\n${deckItems.join('\n')}\n</ul>
<p class="note">Keys in a deck: arrows to move, Esc for the overview, F for
full screen. The decks need JavaScript (reveal.js); everything else here does
not.</p>`));

const reveal = path.join(here, 'node_modules/reveal.js');
for (const f of ['reveal.js', 'reveal.css', 'reset.css', 'theme/white.css'])
	write(`reveal/${f}`, fs.readFileSync(path.join(reveal, 'dist', f)));
write('reveal/plugin/highlight/highlight.js',
	fs.readFileSync(path.join(reveal, 'plugin/highlight/highlight.js')));
const fonts = path.join(reveal, 'dist/theme/fonts/source-sans-pro');
for (const f of fs.readdirSync(fonts).filter((f) => /\.(css|woff)$|^LICENSE$/.test(f)))
	write(`reveal/theme/fonts/source-sans-pro/${f}`, fs.readFileSync(path.join(fonts, f)));
write('reveal/LICENSE', fs.readFileSync(path.join(reveal, 'LICENSE')));


// The benchmarks: one plot per data file.
const dataDir = path.join(root, 'bench/data');
const sections = [];
for (const f of fs.readdirSync(dataDir).filter((f) => f.endsWith('.tsv')).sort()) {
	const data = plot.parse(fs.readFileSync(path.join(dataDir, f), 'utf8'), f);
	const name = f.slice(0, -4);
	write(`bench/${name}.svg`, plot.svg(data));
	const head = data.series.map((s) => `<th>${esc(s)}</th>`).join('');
	const rows = data.cases.map((c, i) => `<tr><th>${esc(c)}</th>` +
		data.values[i].map((v) => `<td>${v.toLocaleString('en')}</td>`).join('') +
		'</tr>').join('\n');
	sections.push(`<section class="bench" id="${name}">
<h2>${esc(data.meta.title)}</h2>
<img src="/bench/${name}.svg" alt="${esc(data.meta.title)}: bar chart of the table below">
<table><thead><tr><th>${esc(data.meta.unit)}</th>${head}</tr></thead>
<tbody>\n${rows}\n</tbody></table>
<p class="note">Measured ${esc(data.meta.date)} on ${esc(data.meta.machine)}.
From <code>${esc(data.meta.source)}</code>; data: <code>bench/data/${esc(f)}</code>.</p>
</section>`);
}
write('bench/index.html', page('/bench/', 'Benchmarks · Kiln', `<h1>Benchmarks</h1>
<p>Kiln beside its peers, each measured in the same run on the same machine by
the scripts in <code>bench/</code>. The plots are drawn when the image is built,
from the figures saved in <code>bench/data/</code>.</p>
${sections.join('\n')}`));

// Files of an earlier build that this one did not write are removed, so
// that the image holds only what the sources make.
(function prune(dir) {
	for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
		const p = path.join(dir, e.name);
		const rel = path.relative(out, p);
		if (e.isDirectory()) {
			prune(p);
			if (fs.readdirSync(p).length === 0)
				fs.rmdirSync(p);
		} else if (!written.has(rel) && e.name !== '.gitignore') {
			fs.unlinkSync(p);
		}
	}
})(out);
