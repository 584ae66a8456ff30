// bench/data/*.tsv to SVG: a grouped horizontal bar chart, one group per
// case (row), one bar per system (column), each group scaled to its own
// largest value (the cases' sizes differ by orders of magnitude).
//
// A data file: "# key: value" lines (title, source, date, machine, unit,
// all required), then a tab-separated header "case<TAB>system..." and one
// row per case with a number per system.
'use strict';

function parse(text, name) {
	const meta = {};
	const rows = [];
	for (const line of text.split('\n')) {
		const m = line.match(/^#\s*(\w+):\s*(.*)$/);
		if (m)
			meta[m[1]] = m[2].trim();
		else if (line.trim() && !line.startsWith('#'))
			rows.push(line.split('\t'));
	}
	for (const k of ['title', 'source', 'date', 'machine', 'unit'])
		if (!meta[k])
			throw new Error(`${name}: no "# ${k}:" line`);
	if (rows.length < 2)
		throw new Error(`${name}: no header and rows`);
	const series = rows[0].slice(1);
	const cases = [];
	const values = [];
	for (const r of rows.slice(1)) {
		if (r.length !== series.length + 1)
			throw new Error(`${name}: row "${r[0]}" has ${r.length - 1} values, not ${series.length}`);
		const v = r.slice(1).map(Number);
		if (v.some((x) => !Number.isFinite(x) || x < 0))
			throw new Error(`${name}: row "${r[0]}": not a number`);
		cases.push(r[0]);
		values.push(v);
	}
	return { meta, series, cases, values };
}

function esc(s) {
	return String(s).replace(/[&<>"]/g,
		(c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]);
}

// Kiln's bars in the site's accent colour, the peers in greys.
function colour(name, i) {
	if (/^Kiln/.test(name))
		return ['#c2410c', '#ea580c', '#fb923c'][i % 3];
	return ['#475569', '#94a3b8', '#cbd5e1'][i % 3];
}

function svg(data) {
	const width = 720;
	const label = 170;
	const bar = 20;
	const gap = 4;
	const groupGap = 26;
	const right = 90;
	const top = 10;
	let y = top;
	const parts = [];
	data.cases.forEach((c, ci) => {
		parts.push(`<text x="0" y="${y + 14}" class="case">${esc(c)}</text>`);
		y += 22;
		const max = Math.max(...data.values[ci], 1);
		let kiln = 0;
		let peer = 0;
		data.series.forEach((s, si) => {
			const v = data.values[ci][si];
			const w = Math.max(1, Math.round((width - label - right) * v / max));
			const k = /^Kiln/.test(s);
			const fill = colour(s, k ? kiln++ : peer++);
			parts.push(`<text x="${label - 8}" y="${y + 15}" text-anchor="end">${esc(s)}</text>`,
				`<rect x="${label}" y="${y}" width="${w}" height="${bar}" fill="${fill}"><title>${esc(s)}: ${v} ${esc(data.meta.unit)}</title></rect>`,
				`<text x="${label + w + 6}" y="${y + 15}">${v.toLocaleString('en')}</text>`);
			y += bar + gap;
		});
		y += groupGap - gap;
	});
	const height = y - groupGap + 10;
	return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="${esc(data.meta.title)}">
<style>text{font:13px Helvetica,Arial,sans-serif;fill:#1f2937}.case{font-weight:bold}</style>
<title>${esc(data.meta.title)} (${esc(data.meta.unit)}), ${esc(data.meta.date)}</title>
${parts.join('\n')}
</svg>
`;
}

module.exports = { parse, svg };

// node plot.js OUT_DIR DATA.tsv...: one NAME.svg per data file, written
// only when its content changes (the decks' prebuild uses this).
if (require.main === module) {
	const fs = require('fs');
	const path = require('path');
	const [outDir, ...files] = process.argv.slice(2);
	if (!outDir || files.length === 0) {
		console.error('usage: node plot.js OUT_DIR DATA.tsv...');
		process.exit(2);
	}
	fs.mkdirSync(outDir, { recursive: true });
	for (const f of files) {
		const text = svg(parse(fs.readFileSync(f, 'utf8'), f));
		const to = path.join(outDir, path.basename(f, '.tsv') + '.svg');
		if (!fs.existsSync(to) || fs.readFileSync(to, 'utf8') !== text)
			fs.writeFileSync(to, text);
	}
}
