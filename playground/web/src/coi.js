// Makes the page cross-origin isolated (needed for wasm threads) on hosts that
// cannot send COOP/COEP headers: registers coi-sw.js, which adds them to every
// response, and reloads once so that the page itself comes through it.
(function () {
  const RELOADED = 'threaded-async-playground-coi-reloaded';
  if (window.crossOriginIsolated) {
    sessionStorage.removeItem(RELOADED);
    return;
  }
  if (!window.isSecureContext || !('serviceWorker' in navigator)) return;
  navigator.serviceWorker
    .register(new URL('coi-sw.js', document.baseURI))
    .then(() => navigator.serviceWorker.ready)
    .then(() => {
      if (sessionStorage.getItem(RELOADED)) return;
      sessionStorage.setItem(RELOADED, '1');
      location.reload();
    })
    .catch((error) => console.error('playground: service worker:', error));
})();
