// The article editor's live preview and teaser-marker button. No framework; the editor works
// without this script (its "Preview and check" button renders the same preview on the server).
(function () {
  'use strict';
  var body = document.getElementById('f-body');
  var pane = document.getElementById('preview');
  if (!body || !pane) return;
  var form = body.form;
  var url = body.getAttribute('data-preview');
  var words = document.getElementById('preview-words');
  var teaser = document.getElementById('f-teaser');
  var timer = null;
  var seq = 0;

  function field(name) {
    var el = form && form.elements.namedItem(name);
    return el && 'value' in el ? el.value : '';
  }

  function refresh() {
    var mine = ++seq;
    var data = new URLSearchParams();
    data.set('_csrf', field('_csrf'));
    data.set('body', body.value);
    data.set('teaser', teaser ? teaser.value : '');
    fetch(url, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: data.toString(),
    }).then(function (res) {
      if (!res.ok) throw new Error('preview ' + res.status);
      return res.json();
    }).then(function (r) {
      if (mine !== seq) return;
      pane.innerHTML = r.html;
      if (words) words.textContent = '(' + r.words + ' words)';
      pane.removeAttribute('aria-busy');
    }).catch(function () {
      if (mine !== seq) return;
      pane.removeAttribute('aria-busy');
      if (words) words.textContent = '(live preview unavailable: use "Preview and check")';
    });
  }

  function later() {
    clearTimeout(timer);
    pane.setAttribute('aria-busy', 'true');
    timer = setTimeout(refresh, 350);
  }

  body.addEventListener('input', later);
  if (teaser) teaser.addEventListener('change', refresh);

  // A button that puts the teaser marker where the cursor is.
  var btn = document.createElement('button');
  btn.type = 'button';
  btn.className = 'btn small secondary';
  btn.textContent = 'Insert teaser marker at the cursor';
  btn.addEventListener('click', function () {
    var at = body.selectionStart || 0;
    var before = body.value.slice(0, at).replace(/\s*$/, '');
    var after = body.value.slice(at).replace(/^\s*/, '');
    var cleaned = before.replace(/\n*<!--\s*more\s*-->\n*/gi, '\n\n');
    var rest = after.replace(/\n*<!--\s*more\s*-->\n*/gi, '\n\n');
    body.value = cleaned + '\n\n<!--more-->\n\n' + rest;
    var pos = cleaned.length + 2;
    body.focus();
    body.setSelectionRange(pos, pos + 11);
    if (teaser) teaser.value = '';
    refresh();
  });
  var hint = document.getElementById('f-body-hint');
  (hint || body).insertAdjacentElement('afterend', btn);
})();
