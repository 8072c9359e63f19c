// Every <time data-local> is rewritten in the browser's own zone and locale, the one way every
// page writes a moment: the rules of formatMoment (src/web/words.ts), with the Intl options the
// page carries (#moment-format), so the server's text and this one cannot drift apart. Every
// [data-zone-name] says which zone that is. Without JavaScript the server's text stays.
(() => {
  const zone = Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
  const isUtc = zone === 'UTC' || zone === 'Etc/UTC';
  const dayKey = (at, timeZone) =>
    new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(at);
  let formats;
  function format(at) {
    const local = formats.local.format(at);
    if (isUtc) return local;
    const utc = dayKey(at, zone) === dayKey(at, 'UTC') ? formats.utcTime : formats.utcDayAndTime;
    return `${local} (${utc.format(at)})`;
  }
  function rewrite() {
    if (!formats) {
      const block = document.getElementById('moment-format');
      if (!block) return;
      const options = JSON.parse(block.textContent);
      formats = {
        local: new Intl.DateTimeFormat(undefined, { ...options.local, timeZone: zone }),
        utcTime: new Intl.DateTimeFormat(undefined, options.utcTime),
        utcDayAndTime: new Intl.DateTimeFormat(undefined, options.utcDayAndTime),
      };
    }
    for (const element of document.querySelectorAll('time[data-local]')) {
      const at = new Date(element.getAttribute('datetime'));
      if (Number.isNaN(at.getTime())) continue;
      // Only what changed: a live region (the watch page's state) would announce a rewrite.
      const text = format(at);
      if (element.textContent !== text) element.textContent = text;
      if (element.title !== zone) element.title = zone;
    }
    for (const element of document.querySelectorAll('[data-zone-name]')) element.textContent = zone;
  }
  window.slotcastTime = { zone, rewrite };
  document.addEventListener('DOMContentLoaded', rewrite);
})();
