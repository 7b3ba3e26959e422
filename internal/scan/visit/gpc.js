// Global Privacy Control as a browser that sends it shows it to scripts.
Object.defineProperty(Navigator.prototype, "globalPrivacyControl", {
  configurable: true,
  enumerable: true,
  get: {globalPrivacyControl() { return true; }}.globalPrivacyControl,
});
