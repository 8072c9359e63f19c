/**
 * Text for Slack's mrkdwn, without infrastructure: escaping user text, date tokens, links.
 */
import { dateToken, escapeText, link, rangeTokens } from '../../src/slack/text.js';

const START = new Date('2026-12-01T10:00:00Z');
const END = new Date('2026-12-01T11:30:00Z');

describe('mrkdwn', () => {
  test('GIVEN user text with <!channel>, a forged link and & THEN only &, < and > are escaped', () => {
    expect(escapeText('Hi <!channel> & <https://evil|ok> *bold*')).toBe(
      'Hi &lt;!channel&gt; &amp; &lt;https://evil|ok&gt; *bold*',
    );
  });

  test('GIVEN a time THEN a date token with the short pretty date, the time and a UTC fallback', () => {
    expect(dateToken(START)).toBe(
      `<!date^${START.getTime() / 1000}^{date_short_pretty} at {time}|2026-12-01 10:00 UTC>`,
    );
    expect(rangeTokens(START, END)).toBe(
      `${dateToken(START)} – <!date^${END.getTime() / 1000}^{time}|2026-12-01 11:30 UTC>`,
    );
  });

  test('GIVEN a link label with markup THEN it is escaped and cannot close the link early', () => {
    expect(link('https://x.example/a', 'a|<b>')).toBe('<https://x.example/a|a¦&lt;b&gt;>');
  });
});
