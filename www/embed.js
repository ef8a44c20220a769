/* ajar embed loader: see docs/embed.md. One namespace (window.ajarEmbed), nothing else.
   Waits for the page's load and idle time; asks the reader first: nothing is probed before
   an explicit yes, except, in controls-only mode with no list given, the collector itself
   (and that only where a "no" can be remembered); honours Global Privacy Control and Do Not
   Track; remembers a "no", and where it cannot (storage blocked or partitioned away), asks
   again rather than run; never throws. */
(function () {
  var S = document.currentScript;
  var NS = window.ajarEmbed = window.ajarEmbed || { state: 'idle' };
  if (!S || NS.started) return;
  NS.started = true;
  function set(state, extra) { NS.state = state; for (var k in extra || {}) NS[k] = extra[k]; }
  function guard(f) { return function () { try { return f.apply(this, arguments); } catch (e) { set('error', { error: String(e) }); } }; }
  guard(function () {
    var d = S.dataset, base = new URL(S.src, location.href).origin;
    var ru = /^ru/i.test(d.lang || (navigator.language || ''));
    var T = ru ? {
      q: 'Помочь измерить цензуру в интернете? Ваш браузер проверит, открываются ли несколько сайтов, и анонимно отправит результат.',
      what: 'Что это?', yes: 'Да', no: 'Нет',
      more: 'ajar (ajar.example) проверяет доступность сайтов прямо из браузера. Тот, кто следит за вашим соединением, увидит попытки открыть эти сайты. IP-адрес не сохраняется.'
    } : {
      q: 'Help measure internet censorship? Your browser will check whether a few sites open, and send the result anonymously.',
      what: 'What is this?', yes: 'Yes', no: 'No',
      more: 'ajar checks from your browser whether sites are reachable. Anyone watching your connection can see the attempts to open those sites. Your IP address is not stored.'
    };
    var KEY = 'ajar.embed.consent', stored = null, store = null;
    // Storage that can keep a decision (a framed page's may be blocked or partitioned away).
    try { localStorage.setItem(KEY + '.check', '1'); localStorage.removeItem(KEY + '.check'); store = localStorage; } catch (e) {}
    try { stored = store && store.getItem(KEY); } catch (e) {}
    var controlsOnly = d.consent === 'controls-only';
    if (navigator.globalPrivacyControl || navigator.doNotTrack === '1') return set('declined-gpc');
    if (stored === 'no') return set('declined');
    // Without the reader's yes, controls-only measures the collector alone: a list given by
    // the page (or a frame's URL) is sites of someone else's choosing, so it needs a yes.
    var unasked = controlsOnly && !d.controls && store !== null;
    function remember(v) { try { store && store.setItem(KEY, v); } catch (e) {} }
    function run(consented) {
      set('running');
      import(base + '/embed/ajar_embed.js').then(function (m) {
        return m.default({ module_or_path: base + '/embed/ajar_embed_bg.wasm' }).then(function () {
          return m.measure(JSON.stringify({
            collector: base, campaign: d.campaign || null, controls_only: controlsOnly, consented: consented,
            controls: consented ? d.controls || null : null, max_probes: +(d.maxProbes || 5), doh: d.doh || null
          }));
        });
      }).then(function (r) { set('done', { result: JSON.parse(r) }); }, function (e) { set('error', { error: String(e) }); });
    }
    function ask() {
      var host = document.createElement('div');
      host.style.cssText = 'position:fixed;z-index:2147483647;left:12px;right:12px;' + (d.position === 'top' ? 'top' : 'bottom') + ':12px;max-width:420px;margin:0 auto';
      var root = host.attachShadow({ mode: 'open' });
      root.innerHTML = '<style>div{font:14px/1.4 system-ui,sans-serif;background:#fff;color:#1b1f24;border:1px solid #8c959f;border-radius:8px;padding:12px;box-shadow:0 2px 12px #0003}button{font:inherit;min-height:40px;margin:8px 8px 0 0;padding:6px 14px;border-radius:6px;border:1px solid #8c959f;background:#f6f8fa;cursor:pointer}button.y{background:#0b5cad;color:#fff;border-color:#0b5cad}p{margin:0}.m{margin-top:8px;color:#57606a}</style>'
        + '<div role="dialog" aria-label="ajar"><p></p><p class="m" hidden></p><button class="y"></button><button class="n"></button><button class="w"></button></div>';
      var ps = root.querySelectorAll('p'), b = root.querySelectorAll('button');
      ps[0].textContent = T.q; ps[1].textContent = T.more;
      b[0].textContent = T.yes; b[1].textContent = T.no; b[2].textContent = T.what;
      b[0].onclick = guard(function () { remember('yes'); host.remove(); run(true); });
      b[1].onclick = guard(function () { remember('no'); host.remove(); set('declined'); });
      b[2].onclick = guard(function () { ps[1].hidden = !ps[1].hidden; });
      document.body.appendChild(host);
      set('asking');
    }
    var start = guard(function () {
      (window.requestIdleCallback || function (f) { return setTimeout(f, 200); })(guard(function () {
        if (stored === 'yes') run(true); else if (unasked) run(false); else ask();
      }), { timeout: 4000 });
    });
    if (document.readyState === 'complete') start(); else addEventListener('load', start, { once: true });
  })();
})();
