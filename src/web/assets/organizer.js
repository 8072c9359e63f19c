// The Change form: times are typed in the browser's zone. The server filled the fields in the zone
// it knew; when the browser's differs, the values are moved to it and the form says which it is.
(() => {
  function wallClock(at, zone) {
    const parts = Object.fromEntries(
      new Intl.DateTimeFormat('en-CA', {
        timeZone: zone,
        hourCycle: 'h23',
        year: 'numeric',
        month: '2-digit',
        day: '2-digit',
        hour: '2-digit',
        minute: '2-digit',
      })
        .formatToParts(at)
        .map((part) => [part.type, part.value]),
    );
    return `${parts.year}-${parts.month}-${parts.day}T${parts.hour}:${parts.minute}`;
  }
  document.addEventListener('DOMContentLoaded', () => {
    const field = document.querySelector('input[data-browser-zone]');
    if (!field) return;
    const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    if (!zone || zone === field.value) return;
    for (const input of field.form.querySelectorAll('input[type="datetime-local"][data-instant]')) {
      const at = new Date(input.dataset.instant);
      if (!Number.isNaN(at.getTime())) input.value = wallClock(at, zone);
    }
    field.value = zone;
  });
})();
