import { describe, expect, it } from 'vitest';
import { errorTally, settleWithLimit } from './launch';

describe('settleWithLimit', () => {
  it('never runs more than the limit at once and keeps every outcome in order', async () => {
    let running = 0;
    let peak = 0;
    const results = await settleWithLimit([1, 2, 3, 4, 5, 6, 7], 3, async (n) => {
      running++;
      peak = Math.max(peak, running);
      await new Promise((resolve) => setTimeout(resolve, 5));
      running--;
      if (n % 3 === 0) throw new Error(`no ${n}`);
      return n * 10;
    });
    expect(peak).toBe(3);
    expect(results.map((r) => (r.status === 'fulfilled' ? r.value : (r.reason as Error).message))).toEqual([
      10,
      20,
      'no 3',
      40,
      50,
      'no 6',
      70,
    ]);
  });

  it('handles an empty list and a limit above the item count', async () => {
    expect(await settleWithLimit([], 4, async () => 1)).toEqual([]);
    expect(await settleWithLimit(['a'], 10, async (s) => s)).toEqual([{ status: 'fulfilled', value: 'a' }]);
  });
});

describe('errorTally', () => {
  it('groups failures by message with ids and generated names folded', () => {
    const tally = errorTally([
      {
        status: 'rejected',
        reason: new Error('GET /api/domains/0f8fad5b-d9cb-469f-a165-70867728950e → 404'),
      },
      {
        status: 'rejected',
        reason: new Error('GET /api/domains/7c9e6679-7425-40de-944b-e07fc1f90ae7 → 404'),
      },
      { status: 'rejected', reason: new Error('domain load-storm-1-2 is error') },
      { status: 'fulfilled', value: 1 },
    ]);
    expect([...tally]).toEqual([
      ['GET /api/domains/:id → 404', 2],
      ['domain <name> is error', 1],
    ]);
  });
});
