// reports-fixture.mjs - the hand-computed fixture of tests/api/reports.test.mjs
// (same deals, history and stalled settings; see the figures there), as a
// startServer init function for the browser tests of the reports pages.
// "Now" is fixed by the server's LITECRM_TODAY=2026-03-31 (TODAY_ENV).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { DEMO_PASSWORD, show, sqlExec } from '../api/helpers.mjs';

export const TODAY_ENV = { LITECRM_TODAY: '2026-03-31' };

export const HISTORY = `deal_id,company,deal,stage,changed_at,by,amount
1,,,prospecting,2026-01-01,amy,
1,,,qualification,2026-01-05,amy,
1,,,needs_analysis,2026-01-11,amy,
1,,,value_proposition,2026-01-21,amy,
1,,,closed_won,2026-02-10T00:00:00Z,amy,
,Bolt,Beta,prospecting,2026-01-10,amy,
,Bolt,Beta,needs_analysis,2026-01-20,amy,
,Bolt,Beta,closed_lost,2026-02-09,amy,
3,,,prospecting,2026-02-01,ben,2500
3,,,qualification,2026-02-11,ben,
3,,,prospecting,2026-02-16,ben,
3,,,qualification,2026-02-21,ben,
3,,,needs_analysis,2026-03-01,ben,3000
4,,,prospecting,2026-01-15,ben,
4,,,closed_lost,2026-01-25,ben,
4,,,qualification,2026-03-01,ben,
5,,,prospecting,2026-03-11,amy,
6,,,prospecting,2026-02-01,ben,
6,,,value_proposition,2026-02-11,ben,
6,,,closed_won,2026-03-21,ben,
`;

export const DEALS = [
  ['Acme', 'Alpha', 'amy', '1000', 'closed_won', '2026-02-15'],
  ['Bolt', 'Beta', 'amy', '2000', 'closed_lost', '2026-02-28'],
  ['Cask', 'Gamma', 'ben', '3000', 'needs_analysis', '2026-04-30'],
  ['Dune', 'Delta', 'ben', '4000', 'qualification', '2026-05-15'],
  ['Edge', 'Echo', 'amy', '500', 'prospecting', ''],
  ['Acme', 'Fox', 'ben', '1500', 'closed_won', '2026-03-20'],
];

async function ok(ctx, args) {
  const r = await ctx.cli(args);
  assert.equal(r.code, 0, `litecrm ${args.join(' ')}: ${show(r)}`);
  return r;
}

export async function setUpReportsFixture(ctx) {
  await ok(ctx, ['init', '--workspace', 'acme', '--currency', 'TWD', '--language', 'en', '--admin', 'admin', '--password', DEMO_PASSWORD]);
  await ok(ctx, ['user', 'add', 'amy', '--password', DEMO_PASSWORD, '--name', 'Amy Lin']);
  await ok(ctx, ['user', 'add', 'ben', '--password', DEMO_PASSWORD, '--name', 'Ben Chen']);
  for (const [company, name, owner, amount, stage, close] of DEALS) {
    const a = ['deal', 'add', '--company', company, '--name', name, '--owner', owner, '--amount', amount, '--stage', stage];
    if (close) a.push('--close-date', close);
    await ok(ctx, a);
  }
  const file = path.join(ctx.dir, 'history.csv');
  fs.writeFileSync(file, HISTORY);
  await ok(ctx, ['import', 'history', file]);
  const q = sqlExec(ctx.db, 'DELETE FROM stage_history WHERE deal_id = 5;');
  assert.equal(q.status, 0, `sqlite3: ${q.stderr}`);
  await ok(ctx, ['stage', 'set', 'needs_analysis', '--stalled-days', '40']);
  await ok(ctx, ['stage', 'set', 'qualification', '--stalled-days', '30']);
}
