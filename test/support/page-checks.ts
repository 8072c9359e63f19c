/**
 * Checks the web pages' browser tests share: how a page writes its moments, whether every action
 * is reached by Tab and visibly focused, and which requests a page load answered 404.
 */
import type { BrowserContext, Page } from 'playwright-core';

// The little of the DOM these checks use: the project compiles without the DOM types.
interface DomElement {
  tagName: string;
  id: string;
  textContent: string;
  parentElement: DomElement;
  closest(selector: string): DomElement | null;
  getAttribute(name: string): string | null;
  blur(): void;
}
interface DomWindow {
  document: {
    body: DomElement;
    activeElement: DomElement | null;
    createTreeWalker(root: DomElement, show: number): { nextNode(): DomElement | null };
    querySelectorAll(selector: string): Iterable<DomElement>;
  };
  getComputedStyle(element: DomElement): {
    outlineStyle: string;
    outlineWidth: string;
    boxShadow: string;
    visibility: string;
    display: string;
  };
}

/** Every moment's text on the page (its <time>s), and any clock-like text outside a <time>. */
export async function momentsOf(page: Page): Promise<{ times: string[]; loose: string[] }> {
  return page.evaluate(() => {
    const doc = (globalThis as unknown as DomWindow).document;
    const walker = doc.createTreeWalker(doc.body, 4 /* NodeFilter.SHOW_TEXT */);
    const loose: string[] = [];
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const parent = node.parentElement;
      if (parent.closest('time, script, [hidden]')) continue;
      if (/\d:\d\d/.test(node.textContent)) loose.push(node.textContent.trim());
    }
    const times = [...doc.querySelectorAll('time')]
      .filter((time) => !time.closest('[hidden]'))
      .map((time) => time.textContent);
    return { times, loose };
  });
}

export interface Focused {
  what: string;
  /** The focus indicator as computed: outline (style width) or box-shadow; '' when there is none. */
  indicator: string;
}

/**
 * Presses Tab until focus comes back round, recording each focused element and its focus
 * indicator; also returns every visible link, button and field, to compare with what was reached.
 */
export async function tabThrough(page: Page, most = 60): Promise<{ reached: Focused[]; actions: string[] }> {
  await page.evaluate(() => (globalThis as unknown as DomWindow).document.activeElement?.blur());
  const describe = () =>
    page.evaluate(() => {
      const { document, getComputedStyle } = globalThis as unknown as DomWindow;
      const element = document.activeElement;
      if (!element || element === document.body) return undefined;
      const style = getComputedStyle(element);
      const outline =
        style.outlineStyle !== 'none' && Number.parseFloat(style.outlineWidth) > 0
          ? `outline ${style.outlineStyle} ${style.outlineWidth}`
          : '';
      const shadow = style.boxShadow !== 'none' ? `box-shadow ${style.boxShadow}` : '';
      const name = (element.getAttribute('aria-label') || element.textContent || element.id || '').trim().slice(0, 40);
      return { what: `${element.tagName.toLowerCase()} "${name}"`, indicator: outline || shadow };
    });
  const reached: Focused[] = [];
  for (let press = 0; press < most; press++) {
    await page.keyboard.press('Tab');
    const focused = await describe();
    if (!focused) break;
    if (reached.length > 0 && reached[0]!.what === focused.what) break;
    reached.push(focused);
  }
  const actions = await page.evaluate(() => {
    const { document, getComputedStyle } = globalThis as unknown as DomWindow;
    return [...document.querySelectorAll('a[href], button, input:not([type="hidden"]), select, textarea, summary')]
      .filter((element) => {
        if (element.closest('[hidden]') || element.closest('details:not([open]) > :not(summary)')) return false;
        const style = getComputedStyle(element);
        // The skip link is off screen until focused, yet reachable.
        return style.visibility !== 'hidden' && style.display !== 'none';
      })
      .map((element) => {
        const name = (element.getAttribute('aria-label') || element.textContent || element.id || '')
          .trim()
          .slice(0, 40);
        return `${element.tagName.toLowerCase()} "${name}"`;
      });
  });
  return { reached, actions };
}

/** Records the URL of every response answered 404 in the context. */
export function record404s(context: BrowserContext, into: string[]): void {
  context.on('response', (response) => {
    if (response.status() === 404) into.push(response.url());
  });
}
