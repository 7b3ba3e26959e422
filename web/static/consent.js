/* Noren's consent manager. Only the server writes the noren_consent cookie;
   without this script the choices page does the job. */
(() => {
  'use strict';
  const d = document, w = window, root = d.documentElement, me = d.currentScript;
  let C;
  try {
    // The configuration the server wrote just before this script, not an
    // element of the same id that content could put earlier.
    const c = me.previousElementSibling;
    if (c.id !== 'noren-consent-config') return;
    C = JSON.parse(c.textContent);
  } catch (e) {
    return;
  }
  const T = C.text, ja = C.lang === 'ja', colon = ja ? '：' : ': ';
  // Only elements the server held back in this response carry its nonce;
  // browsers hide it from the page's markup and styles.
  const nonce = me.nonce || '';
  const ours = e => !!nonce && e.nonce === nonce;
  const gpc = !!(C.gpc || navigator.globalPrivacyControl);
  const required = new Set(C.categories.filter(c => c.required).map(c => c.id));
  const cats = C.categories.filter(c => !c.required);
  const tools = C.tools.filter(t => !required.has(t.category));
  const toolById = id => C.tools.find(t => t.id === id);
  const GCM = ['ad_storage', 'ad_user_data', 'ad_personalization', 'analytics_storage',
    'functionality_storage', 'personalization_storage'];
  let choice = readCookie();

  // 1.<receipt>.<given>.<version>.<policy>.<cats>.<tools>
  function readCookie() {
    const m = /(?:^|;\s*)noren_consent=([^;]*)/.exec(d.cookie);
    const f = m ? m[1].split('.') : [];
    return f.length === 7 && f[0] === '1' ? { r: f[1], v: f[3], c: decisions(f[5]), t: decisions(f[6]) } : null;
  }

  function decisions(s) {
    const o = {};
    s.split('|').forEach(e => {
      const [k, v] = e.split(':');
      if (k) o[k] = v === '1';
    });
    return o;
  }

  function byId(list, f) {
    const o = {};
    list.forEach(x => { o[x.id] = f(x); });
    return o;
  }

  const refused = id => gpc && C.gpcRefuses.includes(id);
  // A before-choice category is on until refused, unless GPC refuses it.
  const early = id => C.categories.some(c => c.id === id && c.beforeChoice);
  const catOn = id => required.has(id) || (choice && id in choice.c ? choice.c[id] : early(id) && !refused(id));

  // A tool unknown to the config follows its category, as does one of a
  // before-choice category that the choice does not name.
  function toolOn(id, cat) {
    const t = toolById(id);
    if (t && required.has(t.category)) return true;
    if (choice && id in choice.t) return choice.t[id];
    return t ? early(t.category) && catOn(t.category) : catOn(cat);
  }

  const allowed = e => e.dataset.norenTool ? toolOn(e.dataset.norenTool, e.dataset.norenCategory) : catOn(e.dataset.norenCategory);
  const state = () => ({ c: byId(cats, c => catOn(c.id)), t: byId(tools, t => toolOn(t.id)) });

  // Accept all (v) or Reject all of list, by default every category; GPC
  // keeps its categories off.
  function everything(v, list = cats) {
    const on = cat => v && !refused(cat);
    return { c: byId(list, c => on(c.id)), t: byId(tools.filter(t => list.some(c => c.id === t.category)), t => on(t.category)) };
  }

  const names = list => list.map(c => ja ? '「' + c.name + '」' : '“' + c.name + '”').join(ja ? '、' : ', ');

  // What a stale choice has not decided on.
  function fresh() {
    const stale = choice && choice.v !== C.version;
    return {
      c: stale ? cats.filter(c => !(c.id in choice.c)) : [],
      t: stale ? tools.filter(t => !(t.id in choice.t)) : []
    };
  }

  function consentModeUpdate() {
    if (!C.consentMode || !choice) return;
    const u = {};
    GCM.forEach(k => {
      u[k] = C.tools.some(t => (t.gcm || []).includes(k) && toolOn(t.id, t.category)) ? 'granted' : 'denied';
    });
    w.gtag('consent', 'update', u);
  }

  // false attributes and falsy children are left out; on* are listeners.
  function h(tag, attrs, ...kids) {
    const e = d.createElement(tag);
    for (const k in attrs) {
      const v = attrs[k];
      if (typeof v === 'function') e.addEventListener(k.slice(2), v);
      else if (v !== false) e.setAttribute(k, v === true ? '' : v);
    }
    e.append(...kids.filter(Boolean));
    return e;
  }

  const button = (text, onclick, cls) => h('button', { type: 'button', class: cls || 'noren-btn', onclick }, text);
  const note = text => text && h('p', { class: 'noren-note' }, text);

  function info(t) {
    const who = /^https?:/.test(t.policy || '') ? h('a', { href: t.policy, rel: 'noopener noreferrer' }, t.recipient) : t.recipient;
    const rows = [[T.providedBy, who], [T.purpose, t.purpose], [T.sent, t.sent]].filter(r => r[1]);
    return h('dl', { class: 'noren-info' }, ...[].concat(...rows.map(r => [h('dt', {}, r[0]), h('dd', {}, r[1])])));
  }

  function newsNote() {
    const f = fresh(), names = f.c.concat(f.t).map(x => x.name);
    return names.length && note(T.newSince + colon + names.join(ja ? '、' : ', '));
  }

  // Allowed scripts run one after another, in document order.
  const seen = new WeakSet();
  let queue = Promise.resolve();

  // Inline code runs only when the server held it back in this response,
  // as a tool's snippet: then it carries the nonce.
  function gate() {
    d.querySelectorAll('script[type="text/plain"][data-noren-category]').forEach(s => {
      if (seen.has(s) || !ours(s) || !allowed(s)) return;
      seen.add(s);
      queue = queue.then(() => activate(s));
    });
    d.querySelectorAll('iframe[data-noren-src]').forEach(f => ours(f) && embed(f));
    // Links, images and sources the server held back get their addresses
    // back, without the nonce, which would exempt a stylesheet from the CSP.
    d.querySelectorAll('link[data-noren-category],img[data-noren-category],source[data-noren-category]').forEach(e => {
      if (!ours(e) || !allowed(e)) return;
      e.removeAttribute('nonce');
      e.nonce = '';
      e.removeAttribute('data-noren-category');
      ['srcset', 'imagesrcset', 'href', 'src'].forEach(k => {
        const v = e.getAttribute('data-noren-' + k);
        if (v !== null) {
          e.removeAttribute('data-noren-' + k);
          e.setAttribute(k, v);
        }
      });
    });
  }

  function activate(s) {
    return new Promise(done => {
      const n = d.createElement('script');
      for (const a of s.attributes) {
        if (!/^(type|nonce|data-noren-type)$/.test(a.name)) n.setAttribute(a.name, a.value);
      }
      if (s.dataset.norenType) n.type = s.dataset.norenType;
      n.nonce = nonce;
      // Inline code runs as it is inserted, with no load event to wait for.
      const inline = !s.hasAttribute('src');
      if (inline) n.text = s.text;
      const wait = !inline && !s.hasAttribute('async');
      if (wait) {
        n.async = false;
        n.onload = n.onerror = done;
      }
      s.replaceWith(n);
      if (!wait) done();
    });
  }

  const placeholders = new Map();

  function embed(f) {
    if (allowed(f)) return load(f);
    if (seen.has(f)) return;
    seen.add(f);
    const id = f.dataset.norenTool;
    const t = toolById(id) || { name: f.dataset.norenSrc.split('/')[2] || f.dataset.norenSrc };
    const box = h('input', { type: 'checkbox' });
    const p = h('div', { class: 'noren-ctl', role: 'group', 'aria-label': t.name },
      h('p', { class: 'noren-ctl-name' }, t.name), info(t),
      h('label', { class: 'noren-check' }, box, T.remember),
      button(T.load, () => {
        if (box.checked) {
          const s = state();
          if (id) s.t[id] = true;
          else s.c[f.dataset.norenCategory] = true;
          send(s, 'preferences');
        }
        load(f);
        f.focus();
      }));
    // Same box: the page does not move.
    if (f.offsetWidth) {
      p.style.width = f.offsetWidth + 'px';
      p.style.minHeight = f.offsetHeight + 'px';
    }
    placeholders.set(f, p);
    f.classList.add('noren-off');
    f.before(p);
  }

  function load(f) {
    f.removeAttribute('srcdoc');
    f.src = f.dataset.norenSrc;
    f.removeAttribute('data-noren-src');
    f.classList.remove('noren-off');
    if (placeholders.has(f)) placeholders.get(f).remove();
  }

  async function send(s, method) {
    let j;
    try {
      const r = await fetch(C.api, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ categories: s.c, tools: s.t, method, gpc, lang: C.lang })
      });
      if (!r.ok) throw new Error(r.status);
      j = await r.json();
    } catch (e) {
      location.assign(C.choices);
      return;
    }
    apply({ r: j.receipt, v: j.version, c: j.categories || {}, t: j.tools || {} });
  }

  // What already ran cannot be stopped: a withdrawal reloads.
  function apply(n) {
    const before = state();
    choice = n;
    const after = state();
    const lost = (a, b) => Object.keys(a).some(k => a[k] && !b[k]);
    if (lost(before.c, after.c) || lost(before.t, after.t)) {
      location.reload();
      return;
    }
    consentModeUpdate();
    gate();
    closeBanner();
    if (dialog && dialog.open) dialog.close();
    announce(T.receipt + colon + n.r);
  }

  let live, liveTimer;

  function announce(text) {
    live.textContent = text;
    clearTimeout(liveTimer);
    liveTimer = setTimeout(() => { live.textContent = ''; }, 8000);
  }

  // Not modal; first in the tab order. A notice is its small form, for
  // when it asks only about categories that are on until refused: the
  // choice is then about those alone.
  let banner, bannerSize;

  function showBanner(notice) {
    const on = cats.filter(c => c.beforeChoice && !refused(c.id));
    banner = h('div', { class: notice ? 'noren-banner noren-notice' : 'noren-banner', role: 'region', 'aria-labelledby': 'noren-bt' },
      h('h2', { id: 'noren-bt' }, notice ? T.noticeTitle : T.title),
      ...notice ? [h('p', {}, T.noticeBody), ...notice.map(c => h('p', {}, h('strong', {}, c.name), colon, c.description))]
        : [h('p', {}, T.body), !choice && on.length && h('p', {}, T.beforeChoice.replace('%s', names(on))), gpc && note(T.gpcNote), newsNote()],
      choiceButtons('banner', button(T.customise, openPreferences), notice, notice && T.keep, notice && T.refuse),
      h('p', { class: 'noren-more' }, h('a', { href: C.cookies }, T.cookiePolicy)));
    d.body.prepend(banner);
    root.classList.add('noren-bn');
    // Room at the page's foot, so the banner hides nothing for good; the
    // removal is a resize too, so the observer goes with the banner.
    const b = banner;
    bannerSize = new ResizeObserver(() => root.style.setProperty('--noren-bh', b.offsetHeight + 'px'));
    bannerSize.observe(b);
  }

  function closeBanner() {
    if (bannerSize) bannerSize.disconnect();
    bannerSize = null;
    if (banner) banner.remove();
    banner = null;
    root.classList.remove('noren-bn');
    root.style.removeProperty('--noren-bh');
  }

  // Three choices of equal weight.
  const choiceButtons = (method, third, list, yes, no) => h('div', { class: 'noren-btns' },
    button(yes || T.acceptAll, () => send(everything(true, list), method)),
    button(no || T.rejectAll, () => send(everything(false, list), method)),
    third);

  // The preference centre, rebuilt on each opening.
  let dialog, opener;

  function openPreferences() {
    opener = d.activeElement;
    if (dialog) dialog.remove();
    const f = fresh(), isNew = c => f.c.includes(c) || f.t.some(t => t.category === c.id);
    const order = C.categories.slice().sort((a, b) => isNew(b) - isNew(a));
    dialog = h('dialog', { class: 'noren-pc', role: 'dialog', 'aria-modal': 'true', 'aria-labelledby': 'noren-pt' },
      h('div', { class: 'noren-head' },
        h('h2', { id: 'noren-pt', tabindex: '-1' }, T.settings),
        button(T.close, () => dialog.close(), 'noren-x')),
      gpc && note(T.gpcNote),
      newsNote(),
      ...order.map(c => category(c, f)),
      choiceButtons('preferences', button(T.save, save)));
    dialog.addEventListener('change', linkBoxes);
    dialog.addEventListener('keydown', trapFocus);
    // Browsers return the focus themselves; this is for those that do not.
    dialog.addEventListener('close', () => {
      if (opener && opener.isConnected && d.activeElement === d.body) opener.focus();
    });
    d.body.append(dialog);
    dialog.showModal();
    dialog.querySelector('h2').focus();
  }

  function category(c, f) {
    const tag = text => h('span', { class: 'noren-tag' }, text);
    const list = C.tools.filter(t => t.category === c.id).map(t => h('li', {},
      h('label', { class: 'noren-check' },
        h('input', { type: 'checkbox', 'data-t': t.id, checked: toolOn(t.id, c.id), disabled: c.required }), t.name),
      f.t.includes(t) && tag(T.newSince),
      info(t)));
    return h('section', { class: 'noren-cat' },
      h('h3', {},
        h('label', { class: 'noren-check' },
          h('input', { type: 'checkbox', 'data-c': c.id, checked: catOn(c.id), disabled: c.required }), c.name),
        c.required && tag(T.alwaysOn),
        f.c.includes(c) && tag(T.newSince)),
      c.description && h('p', {}, c.description),
      list.length && h('ul', { class: 'noren-tools' }, ...list));
  }

  // A category sets its tools; a tool switched on switches it on.
  function linkBoxes(e) {
    const b = e.target, sec = b.closest('section');
    if (b.dataset.c) sec.querySelectorAll('[data-t]').forEach(x => { x.checked = b.checked; });
    else if (b.checked) sec.querySelector('[data-c]').checked = true;
  }

  function save() {
    const s = { c: {}, t: {} };
    dialog.querySelectorAll('input:not(:disabled)').forEach(x => {
      if (x.dataset.c) s.c[x.dataset.c] = x.checked;
      else s.t[x.dataset.t] = x.checked;
    });
    send(s, 'preferences');
  }

  function trapFocus(e) {
    if (e.key !== 'Tab') return;
    const all = [...dialog.querySelectorAll('a[href],button,input:not(:disabled)')];
    const i = all.indexOf(d.activeElement);
    if (e.shiftKey ? i <= 0 : i === all.length - 1) {
      e.preventDefault();
      all[e.shiftKey ? all.length - 1 : 0].focus();
    }
  }

  d.addEventListener('click', e => {
    const a = e.target.closest && e.target.closest('a[href$="/privacy/choices"],[data-noren-open-preferences]');
    if (!a || e.button || e.ctrlKey || e.metaKey || e.shiftKey || e.altKey || !d.body) return;
    e.preventDefault();
    openPreferences();
  });

  // For <noren-share> elements the server did not fill.
  const SHARE = {
    x: 'https://x.com/intent/post?text=$t&url=$u',
    facebook: 'https://www.facebook.com/sharer/sharer.php?u=$u',
    line: 'https://social-plugins.line.me/lineit/share?url=$u',
    hatena: 'https://b.hatena.ne.jp/entry/panel/?url=$u',
    linkedin: 'https://www.linkedin.com/sharing/share-offsite/?url=$u',
    email: 'mailto:?subject=$t&body=$u'
  };
  const LABEL = { x: 'X', facebook: 'Facebook', line: 'LINE', hatena: ja ? 'はてなブックマーク' : 'Hatena Bookmark',
    linkedin: 'LinkedIn', email: ja ? 'メール' : 'Email' };

  function share(el) {
    const canonical = d.querySelector('link[rel="canonical"]');
    const u = encodeURIComponent(el.getAttribute('url') || (canonical && canonical.href) || location.href);
    const t = encodeURIComponent(el.getAttribute('title') || d.title);
    const named = (el.getAttribute('networks') || '').toLowerCase().split(/[\s,]+/)
      .filter(n => SHARE.hasOwnProperty(n));
    const nets = named.length ? [...new Set(named)] : Object.keys(SHARE);
    el.append(h('ul', { class: 'noren-share', 'aria-label': ja ? 'このページを共有' : 'Share this page' },
      ...nets.map(n => {
        const web = n !== 'email';
        return h('li', { class: 'noren-share__item' },
          h('a', { class: 'noren-share__link noren-share__link--' + n, href: SHARE[n].replace('$t', t).replace('$u', u),
            rel: web && 'noopener noreferrer', target: web && '_blank' }, LABEL[n],
          web && h('span', { class: 'noren-share__note' }, ja ? '（新しいウィンドウで開きます）' : ' (opens in a new window)')));
      })));
  }

  // Consent Mode defaults come before any script of the page.
  if (C.consentMode) {
    w.dataLayer = w.dataLayer || [];
    w.gtag = w.gtag || function () { w.dataLayer.push(arguments); };
    const defaults = { security_storage: 'granted', wait_for_update: 500 };
    GCM.forEach(k => { defaults[k] = 'denied'; });
    w.gtag('consent', 'default', defaults);
    consentModeUpdate();
  }

  const ready = f => d.readyState === 'loading' ? d.addEventListener('DOMContentLoaded', f) : f();

  if (w.customElements && !customElements.get('noren-share')) {
    customElements.define('noren-share', class extends HTMLElement {
      // The parser connects it before its children.
      connectedCallback() { ready(() => { if (!this.children.length) share(this); }); }
    });
  }

  ready(() => {
    live = h('div', { class: 'noren-live', role: 'status' });
    d.body.append(live);
    gate();
    // What the banner asks about: everything, or what is new since the
    // choice. When all of it is on until refused, a notice does; when GPC
    // already refuses all of that, nothing needs asking.
    const f = fresh(), asked = choice ? cats.filter(c => f.c.includes(c) || f.t.some(t => t.category === c.id)) : cats;
    if (asked.every(c => c.beforeChoice)) {
      if (asked.some(c => !refused(c.id))) showBanner(asked);
    } else showBanner();
    new MutationObserver(gate).observe(root, { childList: true, subtree: true });
  });
})();
