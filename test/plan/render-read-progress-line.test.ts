import { describe, expect, it } from 'vitest';
import { renderReadProgressLine } from '../../src/render/render-read-progress-line.js';

describe('renderReadProgressLine', () => {
  it('shows list pages and plan reads done of to do, the rate and the time left', () => {
    // 5,000 accounts: 100 pages, then 1,200 plan reads; 40 pages in 10 s is 4 reads/s.
    expect(renderReadProgressLine({ pages: { done: 40, total: 100 }, plans: { done: 0, total: null } }, 10_000)).toBe(
      'reading live state: list 40/100 pages, plan reads once listed · 4.0 reads/s · about 15 s left',
    );
    expect(
      renderReadProgressLine({ pages: { done: 100, total: 100 }, plans: { done: 200, total: 1200 } }, 75_000),
    ).toBe('reading live state: list 100/100 pages, plans 200/1200 · 4.0 reads/s · about 4 min 10 s left');
    expect(
      renderReadProgressLine(
        { pages: { done: 2, total: 2 }, plans: { done: 10, total: 10 }, details: { done: 1, total: 4 } },
        3_250,
      ),
    ).toBe('reading live state: list 2/2 pages, plans 10/10, details 1/4 · 4.0 reads/s · about 1 s left');
    expect(
      renderReadProgressLine({ pages: { done: 1000, total: 1000 }, plans: { done: 0, total: 50_000 } }, 250_000),
    ).toBe('reading live state: list 1000/1000 pages, plans 0/50000 · 4.0 reads/s · about 3 h 28 min left');
  });

  it('leaves out the list when there is none, and the rate before a second has passed', () => {
    expect(renderReadProgressLine({ pages: { done: 0, total: 0 }, plans: { done: 1, total: 3 } }, 500)).toBe(
      'reading live state: plans 1/3',
    );
    expect(renderReadProgressLine({ pages: { done: 0, total: 0 }, plans: { done: 3, total: 3 } }, 2000)).toBe(
      'reading live state: plans 3/3 · 1.5 reads/s · done',
    );
  });
});
