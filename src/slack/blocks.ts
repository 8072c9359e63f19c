/**
 * Small Block Kit builders, so the renderers read as layouts rather than as JSON. Limits that
 * Slack enforces (lengths, counts) are applied here, once.
 */
import type { types } from '@slack/bolt';
import { truncate } from './text.js';

export type Block = types.KnownBlock;
export type Button = types.Button;

export const plain = (text: string, max = 3000): types.PlainTextElement => ({
  type: 'plain_text',
  text: truncate(text, max),
  emoji: true,
});
export const mrkdwn = (text: string): types.MrkdwnElement => ({ type: 'mrkdwn', text: truncate(text, 3000) });

export const header = (text: string): Block => ({ type: 'header', text: plain(text, 150) });
export const divider = (): Block => ({ type: 'divider' });

export function section(text: string, extra: Partial<types.SectionBlock> = {}): Block {
  return { type: 'section', text: mrkdwn(text), ...extra };
}

/** Two-column fields (at most 10 per section, 2000 characters each). */
export function fields(pairs: Array<[label: string, value: string]>): Block {
  return {
    type: 'section',
    fields: pairs.slice(0, 10).map(([label, value]) => mrkdwn(truncate(`*${label}*\n${value}`, 2000))),
  };
}

export function context(...texts: string[]): Block {
  return { type: 'context', elements: texts.slice(0, 10).map((text) => mrkdwn(text)) };
}

export function button(text: string, actionId: string, value: string, extra: Partial<Button> = {}): Button {
  return { type: 'button', text: plain(text, 75), action_id: actionId, value, ...extra };
}

export function actions(blockId: string, elements: Button[]): Block {
  return { type: 'actions', block_id: blockId, elements };
}
