// Cross-origin isolation, which wasm threads (SharedArrayBuffer) need. Where
// the server cannot send COOP/COEP headers (a static host), the page registers
// coi-sw.js, a service worker that adds them to every response, and reloads
// once so that the page itself comes through it.

const RELOADED = 'threaded-async-playground-isolation-reload';

// Resolves to true once the page is isolated, to false if it cannot be; never
// resolves when it reloads the page to get isolated.
export async function ensureIsolation() {
  if (window.crossOriginIsolated) {
    sessionStorage.removeItem(RELOADED);
    return true;
  }
  if (!window.isSecureContext || !('serviceWorker' in navigator) || sessionStorage.getItem(RELOADED)) {
    return false;
  }
  await navigator.serviceWorker.register(new URL('coi-sw.js', document.baseURI));
  await navigator.serviceWorker.ready;
  sessionStorage.setItem(RELOADED, '1');
  location.reload();
  return new Promise(() => {});
}
