// Results as one types, for the forms marked data-noren-search (the
// search page and boxes); data-results names their region, data-count,
// -none and -more hold the texts. Arrows move through the results, Escape
// clears. A search counts once (record=1), when the visitor pauses on it
// or follows a result, so the prefixes of a word are not counted.
(() => {
  'use strict';
  const WAIT = 200, PAUSE = 1500, MIN = 2, API = '/api/search?';
  const make = (tag, cls, text) => {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text) e.textContent = text;
    return e;
  };
  const init = form => {
    const input = form.elements.q, region = document.getElementById(form.dataset.results);
    if (!input || !region || form.dataset.ready) return;
    form.dataset.ready = 1;
    const status = region.querySelector('[role=status]'), onPage = 'page' in form.dataset;
    const lang = document.documentElement.lang, action = form.getAttribute('action');
    let list = region.querySelector('ol'), shown = '', recorded = '', timer, pause, ctrl;
    const params = q => {
      const p = new URLSearchParams({q});
      for (const n of ['lang', 'section', 'type']) if (form.elements[n] && form.elements[n].value) p.set(n, form.elements[n].value);
      return p;
    };
    const record = q => {
      if (!q || recorded === q) return;
      recorded = q;
      fetch(API + params(q) + '&record=1', {keepalive: true}).catch(() => {});
    };
    const clear = () => {
      for (const e of [...region.children]) if (e !== status && e.tagName !== 'H2') e.remove();
      list = null;
      shown = '';
    };
    const render = (q, r) => {
      clear();
      shown = q;
      status.textContent = r.total ? form.dataset.count.replace('%d', r.total) : form.dataset.none;
      if (!r.results.length) return;
      list = make('ol', onPage ? 'search-results__list' : 'noren-search-box__list');
      for (const h of r.results) {
        const li = make('li', 'search-result'), a = make('a', '', h.title || h.url), title = make(onPage ? 'h3' : 'p', 'search-result__title');
        const snip = make('p', 'search-result__snippet'), meta = make('p', 'search-result__meta');
        a.href = h.url;
        if (h.lang && h.lang !== lang) a.lang = snip.lang = h.lang;
        title.append(a);
        if (h.type === 'pdf') title.append(' ', make('span', 'search-result__type', 'PDF'));
        for (const f of h.snippet) snip.append(f.match ? make('mark', '', f.text) : f.text);
        meta.append(make('span', 'search-result__url', h.url));
        if (h.date) {
          const t = make('time', '', new Date(h.date + 'T12:00').toLocaleDateString(lang, {dateStyle: 'long'}));
          t.dateTime = h.date;
          meta.append(' ', t);
        }
        li.append(title, snip, meta);
        list.append(li);
      }
      region.append(list);
      if (r.total > r.results.length) {
        const more = make('a', '', form.dataset.more), p = make('p', 'search-results__more');
        more.href = action + '?' + params(q);
        more.dataset.more = 1;
        p.append(more);
        region.append(p);
      }
    };
    const run = () => {
      const q = input.value.trim();
      if (ctrl) ctrl.abort();
      if (onPage) history.replaceState(null, '', action + (q ? '?' + params(q) : ''));
      if (q.length < MIN) {
        clear();
        status.textContent = '';
        return;
      }
      ctrl = new AbortController();
      fetch(API + params(q), {signal: ctrl.signal})
        .then(r => r.ok ? r.json() : Promise.reject(r))
        .then(r => {
          render(q, r);
          pause = setTimeout(record, PAUSE, q);
        })
        .catch(() => {});
    };
    input.addEventListener('input', () => {
      clearTimeout(timer);
      clearTimeout(pause);
      timer = setTimeout(run, WAIT);
    });
    form.addEventListener('change', e => {
      if (e.target !== input) run();
    });
    form.addEventListener('submit', () => {
      if (recorded && recorded === input.value.trim()) {
        const h = make('input');
        h.type = 'hidden';
        h.name = 'record';
        h.value = '0';
        form.append(h);
      }
    });
    region.addEventListener('click', e => {
      const a = e.target.closest('a');
      if (!a || !shown) return;
      if (a.dataset.more) {
        if (recorded === shown) a.href += '&record=0';
      } else {
        record(shown);
      }
    });
    const key = e => {
      const links = list ? [...list.querySelectorAll('a')] : [], here = document.activeElement, i = links.indexOf(here);
      if (here !== input && i < 0) return;
      if (e.key === 'Escape') {
        input.value = '';
        run();
        input.focus();
      } else if (e.key === 'ArrowDown' && i + 1 < links.length) {
        links[i + 1].focus();
      } else if (e.key === 'ArrowUp' && i >= 0) {
        (links[i - 1] || input).focus();
      } else {
        return;
      }
      e.preventDefault();
    };
    form.addEventListener('keydown', key);
    if (!form.contains(region)) region.addEventListener('keydown', key);
  };
  document.querySelectorAll('form[data-noren-search]').forEach(init);
})();
