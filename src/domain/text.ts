/**
 * Characters people cannot see but software obeys. Bidirectional controls reorder the text
 * around them — a title ending in U+202E turns the product's own words after it backwards
 * ("… gnp.exe" reads as "… exe.png") — and invisible characters make two strings that look alike
 * different: `ann\u200b@example.org` is a second recipient who looks like ann.
 *
 * The rule, the same on every front end: text people type (titles, descriptions, reasons) may not
 * hold bidi controls, e-mail addresses may hold no invisible character at all; both are refused
 * with a field error. Text that comes from elsewhere (a chat display name, a row stored before the
 * rule) has its bidi controls stripped where the product prints it as plain text (e-mail).
 */

/** Embeddings and overrides (U+202A–202E) and isolates (U+2066–2069). */
const BIDI_CONTROLS = /[\u202a-\u202e\u2066-\u2069]/gu;

/**
 * Zero-width and other invisible characters: soft hyphen, combining grapheme joiner, Hangul
 * fillers, Mongolian and other variation selectors, zero-width space/joiners and marks, bidi
 * controls, word joiner and invisible operators, byte-order mark, tag characters.
 */
const INVISIBLE =
  // biome-ignore lint/suspicious/noMisleadingCharacterClass: tested one character at a time (firstMatching); the joiners and selectors are the point
  /[\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f\u202a-\u202e\u2060-\u206f\u3164\ufe00-\ufe0f\ufeff\uffa0\ufff0-\ufff8\u{e0000}-\u{e0fff}]/u;

/** Where such a character is: its 1-based position among the text's characters, and its code point ("U+200B"). */
export interface HiddenCharacter {
  position: number;
  codePoint: string;
}

const codePointOf = (character: string) => `U+${character.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;

function firstMatching(text: string, pattern: RegExp): HiddenCharacter | undefined {
  const single = new RegExp(pattern.source, 'u');
  let position = 0;
  for (const character of text) {
    position++;
    if (single.test(character)) return { position, codePoint: codePointOf(character) };
  }
  return undefined;
}

export function bidiControlIn(text: string): HiddenCharacter | undefined {
  return firstMatching(text, BIDI_CONTROLS);
}

export function invisibleCharacterIn(text: string): HiddenCharacter | undefined {
  return firstMatching(text, INVISIBLE);
}

/** The text without bidi controls, for printing text the product did not validate itself. */
export function stripBidiControls(text: string): string {
  return text.replace(BIDI_CONTROLS, '');
}

/** The field error for text holding a bidi control, naming the field and the character. */
export function bidiControlMessage(what: string, found: HiddenCharacter): string {
  return (
    `${what} cannot contain bidirectional control characters (U+202A–U+202E, U+2066–U+2069), which reverse ` +
    `the text around them: remove the ${found.codePoint} at character ${found.position}.`
  );
}
