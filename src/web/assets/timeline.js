// The timeline's days are the reader's: when the server had to guess the zone, ask again in the
// browser's own (once; the links then carry it).
(() => {
  document.addEventListener('DOMContentLoaded', () => {
    const marker = document.querySelector('[data-rendered-zone]');
    if (!marker || marker.dataset.zoneFromBrowser === 'yes') return;
    const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    if (!zone || zone === marker.dataset.renderedZone) return;
    const url = new URL(window.location.href);
    url.searchParams.set('tz', zone);
    window.location.replace(url.toString());
  });
})();
