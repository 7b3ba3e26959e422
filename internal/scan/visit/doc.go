// Package visit drives a headless Chromium through a site's pages in the
// four consent states (no choice, "Accept all", "Reject all", and Global
// Privacy Control with no choice) and records, page by page, the cookies,
// web storage, requests to other hosts and frames the browser saw, with
// what caused each where the browser tells.
//
// One browser runs the whole visit; each state has a fresh browser
// profile of its own, and the states run side by side, each with
// Options.Concurrency tabs. The choice states first open the first page
// and press the banner's button: Noren's own, a known consent tool's, or
// any visible button whose text says "accept all" or "reject all" in
// Japanese or English. The GPC state sends Sec-GPC: 1 with every request
// and shows navigator.globalPrivacyControl to scripts.
//
// What caused a request is the browser's initiator. What set a cookie is
// the response whose Set-Cookie header named it, or the script that wrote
// it: a small script that runs before the page's own wraps the cookie,
// Storage and IndexedDB setters, notes the caller from the stack, and
// always calls the original. Frames of other sites run in the page's
// process (the browser's site isolation is off), so their requests,
// storage and cookies are seen through the page's own session; what they
// send and store is the same either way.
//
// A page is settled once it has loaded and its network has been quiet
// for Options.Settle; a request that never ends is given up on after a
// longer quiet, and a page that never loads after Options.PageTimeout.
// Dialogs are dismissed, downloads refused and windows a page opens
// without a click stay blocked.
package visit
