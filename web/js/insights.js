// insights.js - the two report facts other pages show: the bottleneck stage
// in a sentence (dashboard, reports) and which deals are stalled (board).
// Both come from the report API (GET /reports/time-in-stage, /reports/stalled)
// and fail soft: a page never breaks because a report did not answer.
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

// stalledQuery(filter): the query of the stalled report a page with this filter reads.
export const stalledQuery = (filter = {}) => ({ owner: filter.owner, limit: 500, lang });

// stalledMap(filter): deal id -> the stalled report's item ({days, stalled_days, since, ...}).
export async function stalledMap(filter = {}) {
  try {
    const j = await get('/reports/stalled', stalledQuery(filter));
    return new Map(j.items.map((x) => [x.deal_id, x]));
  } catch {
    return new Map();
  }
}

// stalledBadge(item): the mark on a board card.
export function stalledBadge(item) {
  return h('span', {
    class: 'stalled-badge', 'data-testid': 'stalled-badge',
    title: t('stalledTitle', { days: num(item.days), limit: num(item.stalled_days) }),
  }, `◷ ${t('stalledShort', { n: num(Math.floor(item.days)) })}`);
}
