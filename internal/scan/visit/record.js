// Runs in every frame before the page's own scripts. It notes which script
// writes a cookie, a web storage key or an IndexedDB database, and hands
// each note to the scanner through its binding. Every wrapper calls the
// original with the same arguments and returns its result, so the page
// behaves as it would without it.
(() => {
  const bindingName = "__norenScanRecord";
  let binding = globalThis[bindingName];
  if (typeof binding === "function") {
    try { delete globalThis[bindingName]; } catch (e) {}
  }
  // A page that writes endless keys would otherwise keep the browser
  // busy handing notes over, long past its time: past maxNotes a
  // document's writes go on unnoted, and the scan still lists the keys.
  const maxNotes = 1000;
  let notes = 0;
  const send = (note) => {
    if (notes >= maxNotes) return;
    notes++;
    const fn = typeof binding === "function" ? binding : globalThis[bindingName];
    if (typeof fn === "function") {
      try { fn(JSON.stringify(note)); } catch (e) {}
    }
  };
  // The first frame of the stack with an address is the page's script
  // that called the wrapper: this script itself has none.
  const caller = () => {
    const lines = String(new Error().stack || "").split("\n").slice(1);
    for (const line of lines) {
      const m = /(https?:\/\/[^\s()]+?):\d+:\d+/.exec(line);
      if (m) return m[1];
    }
    return "";
  };
  const note = (kind, key, domain) => {
    try {
      send({t: kind, k: String(key).slice(0, 256), d: domain || "", s: caller(), o: String(location.origin)});
    } catch (e) {}
  };

  const cookie = Object.getOwnPropertyDescriptor(Document.prototype, "cookie");
  if (cookie && cookie.set && cookie.configurable) {
    const set = cookie.set;
    Object.defineProperty(Document.prototype, "cookie", {
      configurable: true,
      enumerable: cookie.enumerable,
      get: cookie.get,
      set: {
        cookie(value) {
          try {
            const text = String(value);
            const parts = text.split(";");
            const eq = parts[0].indexOf("=");
            const name = eq < 0 ? "" : parts[0].slice(0, eq).trim();
            let domain = "";
            for (const p of parts.slice(1)) {
              const i = p.indexOf("=");
              if (i > 0 && p.slice(0, i).trim().toLowerCase() === "domain") domain = p.slice(i + 1).trim();
            }
            note("cookie", name, domain || location.hostname);
          } catch (e) {}
          return set.call(this, value);
        },
      }.cookie,
    });
  }

  if (typeof Storage === "function") {
    const setItem = Storage.prototype.setItem;
    Storage.prototype.setItem = {
      setItem(key, value) {
        try {
          let kind = "session_storage";
          try { if (this === globalThis.localStorage) kind = "local_storage"; } catch (e) {}
          note(kind, key);
        } catch (e) {}
        return setItem.apply(this, arguments);
      },
    }.setItem;
  }

  if (typeof IDBFactory === "function") {
    const open = IDBFactory.prototype.open;
    IDBFactory.prototype.open = {
      open(name) {
        note("indexed_db", name);
        return open.apply(this, arguments);
      },
    }.open;
  }

  if (typeof CookieStore === "function") {
    const storeSet = CookieStore.prototype.set;
    CookieStore.prototype.set = {
      set(nameOrOptions) {
        try {
          const o = typeof nameOrOptions === "object" && nameOrOptions !== null ? nameOrOptions : {name: nameOrOptions};
          note("cookie", o.name, o.domain || location.hostname);
        } catch (e) {}
        return storeSet.apply(this, arguments);
      },
    }.set;
  }
})();
