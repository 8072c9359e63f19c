/**
 * HTML for the web pages, with one rule for user text: everything interpolated into an `html`
 * template is escaped by `escapeHtml`, unless it is itself markup built by `html` (or, for the
 * few fixed fragments that need it, `trusted`). A title, a name, a reason or a description can
 * therefore never become markup, whichever page shows it.
 */

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** The one escaping function: text to HTML, safe in element content and in quoted attributes. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (character) => ESCAPES[character]!);
}

/** Markup known to be safe: made by `html`, or a fixed fragment passed to `trusted`. */
export class Html {
  constructor(readonly markup: string) {}
  toString(): string {
    return this.markup;
  }
}

/** What may be interpolated: text (escaped), numbers, markup, nothing, or lists of those. */
export type Interpolated = string | number | Html | null | undefined | false | readonly Interpolated[];

function render(value: Interpolated): string {
  if (value === null || value === undefined || value === false) return '';
  if (value instanceof Html) return value.markup;
  if (Array.isArray(value)) return value.map(render).join('');
  if (typeof value === 'number') return String(value);
  return escapeHtml(value as string);
}

/** A template whose every `${value}` is escaped unless it is markup. */
export function html(strings: TemplateStringsArray, ...values: Interpolated[]): Html {
  let markup = strings[0]!;
  for (let i = 0; i < values.length; i++) markup += render(values[i]!) + strings[i + 1]!;
  return new Html(markup);
}

/** A fixed fragment of markup (never user text): an SVG icon, a prebuilt attribute. */
export function trusted(markup: string): Html {
  return new Html(markup);
}

/** A JSON value for a `<script type="application/json">` block: `<` cannot end the script. */
export function jsonBlock(value: unknown): Html {
  return new Html(
    JSON.stringify(value)
      .replace(/</g, '\\u003c')
      .replace(/\u2028|\u2029/g, ''),
  );
}
