/**
 * Text for Discord's markdown. User text (titles, descriptions, names, reasons) is escaped, so a
 * title such as `[Watch](https://evil)` does not become a link nor `**` turn bold; mentions are off
 * on every message anyway. Times are timestamp tokens, which every reader sees in their own zone
 * and language.
 */
import { escapeMarkdown } from 'discord.js';

/** User text rendered as literal text. */
export function userText(text: string): string {
  return escapeMarkdown(text);
}

/** Cuts text to one of Discord's limits (embed title 256, description 4096, field 1024, label 80…). */
export function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** A Discord timestamp token. */
export function discordTime(date: Date | string, style: 'F' | 'f' | 't' | 'R' | 'D' = 'F'): string {
  return `<t:${Math.floor(new Date(date).getTime() / 1000)}:${style}>`;
}
