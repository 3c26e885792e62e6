// insights.js - the two report facts other pages show: the bottleneck stage
// in a sentence (dashboard, reports), from GET /reports/time-in-stage, which
// fails soft (a page never breaks because a report did not answer), and the
// mark of a stalled deal on the board (GET /board gives each card's stall).
import { get } from './api.js';
import { h } from './dom.js';
import { lang, num, t } from './i18n.js';

// days(n): a number of days as the current language writes it ('—' for null).
export const days = (n) => (n === null || n === undefined ? '—' : t('daysN', { n: num(n) }));

// bottleneckSentence(j): the sentence naming the bottleneck of a
// time-in-stage answer, as an element.
export function bottleneckSentence(j) {
  const b = j && j.bottleneck;
  return h('p', { class: 'bottleneck', 'data-testid': 'bottleneck' },
    h('span', { class: 'bn-icon', 'aria-hidden': 'true' }, '⚑'),
    b ? h('span', { class: 'bn-text' }, t('bottleneckIs', { stage: b.name, days: days(b.median_days) })) : h('span', { class: 'bn-text muted' }, t('noBottleneck')));
}

// bottleneckNote(filter): the sentence for the dashboard, or null.
export async function bottleneckNote(filter = {}) {
  try {
    return bottleneckSentence(await get('/reports/time-in-stage', { ...filter, lang }));
  } catch {
    return null;
  }
}

// stalledBadge(item): the mark on a board card.
export function stalledBadge(item) {
  return h('span', {
    class: 'stalled-badge', 'data-testid': 'stalled-badge',
    title: t('stalledTitle', { days: num(item.days), limit: num(item.stalled_days) }),
  }, `◷ ${t('stalledShort', { n: num(Math.floor(item.days)) })}`);
}
