/* Passkeys in the Noren console. Without this script, or in a browser
   without WebAuthn, the passkey forms stay hidden and the console works
   with passwords and codes alone. A form with data-finish posts its fields
   as JSON to its action, hands the options it gets back to the browser,
   and posts the browser's answer to data-finish. */
(function () {
  "use strict";
  if (!window.PublicKeyCredential || !navigator.credentials || !window.fetch) return;

  function b64(buf) {
    var s = "", b = new Uint8Array(buf);
    for (var i = 0; i < b.length; i++) s += String.fromCharCode(b[i]);
    return btoa(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  function bin(s) {
    s = s.replace(/-/g, "+").replace(/_/g, "/");
    var t = atob(s + "===".slice((s.length + 3) % 4)), b = new Uint8Array(t.length);
    for (var i = 0; i < t.length; i++) b[i] = t.charCodeAt(i);
    return b.buffer;
  }

  function post(url, csrf, body) {
    return fetch(url, {
      method: "POST", credentials: "same-origin", redirect: "manual",
      headers: {"Content-Type": "application/json", "X-CSRF-Token": csrf},
      body: JSON.stringify(body)
    }).then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (j) {
        if (r.ok && !j.error) return j;
        var e = new Error(j.error || "");
        e.server = !!j.error;
        e.to = j.redirect;
        throw e;
      });
    });
  }

  function encode(c) {
    var r = c.response, o = {
      id: c.id, rawId: b64(c.rawId), type: c.type,
      clientExtensionResults: c.getClientExtensionResults(),
      response: {clientDataJSON: b64(r.clientDataJSON)}
    };
    if (c.authenticatorAttachment) o.authenticatorAttachment = c.authenticatorAttachment;
    if (r.attestationObject) {
      o.response.attestationObject = b64(r.attestationObject);
      o.response.transports = r.getTransports ? r.getTransports() : [];
    } else {
      o.response.authenticatorData = b64(r.authenticatorData);
      o.response.signature = b64(r.signature);
      if (r.userHandle) o.response.userHandle = b64(r.userHandle);
    }
    return o;
  }

  function run(form) {
    var f = form.elements, out = form.querySelector("[role=alert]"), button = form.querySelector("button");
    function val(n) { return f[n] ? f[n].value : ""; }
    var csrf = val("csrf");
    out.hidden = true;
    button.disabled = true;
    post(form.action, csrf, {name: val("name"), password: val("password"), next: val("next")}).then(function (o) {
      var k = o.publicKey;
      k.challenge = bin(k.challenge);
      if (k.user) k.user.id = bin(k.user.id);
      (k.excludeCredentials || []).concat(k.allowCredentials || []).forEach(function (d) { d.id = bin(d.id); });
      return k.user ? navigator.credentials.create({publicKey: k}) : navigator.credentials.get({publicKey: k});
    }).then(function (c) {
      return post(form.dataset.finish, csrf, encode(c));
    }).then(function (j) {
      location.assign(j.redirect);
    }).catch(function (e) {
      if (e.to) return location.assign(e.to);
      out.textContent = e.server ? e.message : e.name === "NotAllowedError" || e.name === "AbortError" ? form.dataset.cancelled : form.dataset.failed;
      out.hidden = false;
      button.disabled = false;
    });
  }

  document.querySelectorAll("form[data-finish]").forEach(function (form) {
    form.hidden = false;
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      run(form);
    });
  });
  document.querySelectorAll("[data-passkey-fallback]").forEach(function (el) { el.hidden = true; });
})();
