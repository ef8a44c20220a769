/* Starts the embed loader inside the iframe variant, with the frame's URL parameters as its
   data attributes (a separate file: the collector's CSP allows no inline script). */
(function () {
  var q = new URLSearchParams(location.search);
  var s = document.createElement('script');
  s.src = 'embed.js';
  ['campaign', 'lang', 'consent', 'max-probes', 'controls', 'doh', 'position'].forEach(function (k) {
    if (q.get(k)) s.setAttribute('data-' + k, q.get(k));
  });
  document.body.appendChild(s);
})();
