// Live-follow for the decks (the server side is apps/decks/follow.c).
//   /DECK/?presenter=KEY  this page is the presenter's: each slide or
//                         fragment change is posted to the server, with
//                         the key the server printed at start
//   /DECK/?follow         this page follows the presenter's: it moves to
//                         every slide the server's event stream tells it
// Without either, nothing happens (no request is made).
'use strict';
(function () {
	const q = new URLSearchParams(location.search);
	const deck = location.pathname.split('/')[1];
	if (!deck || typeof Reveal === 'undefined')
		return;
	const key = q.get('presenter');
	const follow = q.has('follow');
	if (!key && !follow)
		return;

	function presenter() {
		// One post at a time, so they arrive in order; a change made
		// while one is in flight is posted when it returns (the newest
		// only).
		let posted = '', busy = false;
		function post() {
			const i = Reveal.getIndices();
			const s = `h=${i.h}&v=${i.v || 0}&f=${i.f === undefined ? -1 : i.f}`;
			if (busy || s === posted)
				return;
			busy = true;
			posted = s;
			fetch(`/follow/${deck}/slide?${s}`, {
				method: 'POST',
				headers: { Authorization: 'Bearer ' + key },
				cache: 'no-store',
			}).then((r) => {
				document.documentElement.dataset.follow = r.ok ? 'presenting' : `refused ${r.status}`;
			}, () => {
				document.documentElement.dataset.follow = 'offline';
				posted = '';
			}).finally(() => {
				busy = false;
				post();
			});
		}
		for (const ev of ['slidechanged', 'fragmentshown', 'fragmenthidden'])
			Reveal.on(ev, post);
		post();
	}

	function follower() {
		const es = new EventSource(`/follow/${deck}/events`);
		es.addEventListener('open', () => {
			document.documentElement.dataset.follow = 'following';
		});
		es.addEventListener('slide', (e) => {
			const s = JSON.parse(e.data);
			Reveal.slide(s.h, s.v, s.f < 0 ? undefined : s.f);
			document.documentElement.dataset.followSeq = String(s.seq);
		});
		es.addEventListener('error', () => {
			document.documentElement.dataset.follow = 'reconnecting';
		});
	}

	const start = key ? presenter : follower;
	if (Reveal.isReady())
		start();
	else
		Reveal.on('ready', start);
})();
