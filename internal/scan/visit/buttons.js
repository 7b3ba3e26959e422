// Runs in an isolated world of the top frame: lists the visible clickable
// elements of the page, of its same-origin frames and of open shadow roots,
// and the first visible match of each selector, with the centre of each in
// the top frame's coordinates. It only reads, except for scrolling the
// chosen element into view on the second call.
(selectors, scrollTo) => {
  const roots = [];
  const addRoot = (root, dx, dy) => {
    roots.push([root, dx, dy]);
    for (const el of root.querySelectorAll("*")) {
      if (el.shadowRoot) addRoot(el.shadowRoot, dx, dy);
    }
  };
  addRoot(document, 0, 0);
  for (const f of document.querySelectorAll("iframe")) {
    try {
      const d = f.contentDocument;
      if (!d) continue;
      const r = f.getBoundingClientRect();
      addRoot(d, r.left + f.clientLeft, r.top + f.clientTop);
    } catch (e) {}
  }
  const box = (el, dx, dy) => {
    const r = el.getBoundingClientRect();
    if (r.width < 1 || r.height < 1) return null;
    const view = el.ownerDocument.defaultView;
    const cs = view ? view.getComputedStyle(el) : null;
    if (cs && (cs.visibility === "hidden" || cs.display === "none" || Number(cs.opacity) === 0)) return null;
    return {x: dx + r.left + r.width / 2, y: dy + r.top + r.height / 2};
  };
  const text = (el) => String(el.innerText || el.value || el.getAttribute("aria-label") || el.textContent || "")
    .replace(/\s+/g, " ").trim().slice(0, 120);
  const found = [];
  const seen = new Set();
  const add = (el, dx, dy, selector) => {
    if (!selector && seen.has(el)) return;
    seen.add(el);
    const b = box(el, dx, dy);
    if (!b) return;
    found.push({el, text: text(el), selector: selector || "", x: b.x, y: b.y});
  };
  for (const sel of selectors) {
    for (const [root, dx, dy] of roots) {
      let el = null;
      try { el = root.querySelector(sel); } catch (e) {}
      if (el) { add(el, dx, dy, sel); break; }
    }
  }
  const clickable = "button, a, [role=button], input[type=button], input[type=submit]";
  for (const [root, dx, dy] of roots) {
    for (const el of root.querySelectorAll(clickable)) {
      if (found.length >= 400) break;
      add(el, dx, dy, "");
    }
  }
  if (scrollTo >= 0 && scrollTo < found.length) {
    const f = found[scrollTo];
    f.el.scrollIntoView({block: "center", inline: "center"});
    const again = box(f.el, 0, 0);
    const doc = f.el.ownerDocument;
    let dx = 0, dy = 0;
    if (doc !== document && doc.defaultView && doc.defaultView.frameElement) {
      const fe = doc.defaultView.frameElement;
      const r = fe.getBoundingClientRect();
      dx = r.left + fe.clientLeft;
      dy = r.top + fe.clientTop;
    }
    return again ? [{text: f.text, selector: f.selector, x: again.x + dx, y: again.y + dy}] : [];
  }
  return found.map(({text, selector, x, y}) => ({text, selector, x, y}));
}
