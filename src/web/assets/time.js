// Every <time data-local> is rewritten in the browser's own zone, named, with UTC kept beside it;
// every [data-zone-name] says which zone that is. Without JavaScript the server's text stays.
(() => {
  const zone = Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
  const local = new Intl.DateTimeFormat(undefined, {
    weekday: 'short',
    day: 'numeric',
    month: 'short',
    year: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    timeZoneName: 'short',
  });
  const utc = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit', timeZone: 'UTC' });
  const utcDay = new Intl.DateTimeFormat(undefined, { day: 'numeric', month: 'short', timeZone: 'UTC' });
  const sameDay = (a, b) => a.toDateString() === b.toDateString();
  function rewrite() {
    for (const element of document.querySelectorAll('time[data-local]')) {
      const at = new Date(element.getAttribute('datetime'));
      if (Number.isNaN(at.getTime())) continue;
      const shifted = new Date(at.getTime() + at.getTimezoneOffset() * 60000);
      const inUtc = sameDay(shifted, at) ? `${utc.format(at)} UTC` : `${utcDay.format(at)}, ${utc.format(at)} UTC`;
      element.textContent = zone === 'UTC' ? local.format(at) : `${local.format(at)} (${inUtc})`;
      element.title = `${zone}`;
    }
    for (const element of document.querySelectorAll('[data-zone-name]')) element.textContent = zone;
  }
  window.slotcastTime = { zone, rewrite };
  document.addEventListener('DOMContentLoaded', rewrite);
})();
