import { ActiveRuns, MemoryRunLimiter } from '@baton/runnable-server';
import { createWorkflowRuns } from './runs.js';
import { parseWorkflowConfig } from '../test/config.js';

describe('createWorkflowRuns', () => {
  it('passes the limits, the write deadline and the resume windows from the configuration to the routes', () => {
    const config = parseWorkflowConfig({
      WORKFLOW_CLIENT_SECRET: 's'.repeat(32),
      MAX_RUNS_PER_USER: '3',
      MAX_RUNS_TOTAL: '9',
      SSE_WRITE_DEADLINE_MS: '1234',
      STREAM_RESUME_RETENTION_MS: '5000',
      STREAM_RESUME_GRACE_MS: '700',
      STREAM_RESUME_MAX_RUNS: '50',
      STREAM_RESUME_MAX_RUNS_PER_USER: '80',
    });
    const runs = createWorkflowRuns(config);
    expect(runs.limiter).toBeInstanceOf(MemoryRunLimiter);
    expect(runs.limiter).toMatchObject({ maxPerUser: 3, maxTotal: 9 });
    expect(runs.runs).toBeInstanceOf(ActiveRuns);
    expect(runs.routeOptions).toMatchObject({
      writeDeadlineMs: 1234,
      resume: { retentionMs: 5000, graceMs: 700, maxRuns: 50, maxRunsPerOwner: 50 },
    });
  });

  it('turns readiness off and refuses new runs from the first moment of a shutdown', () => {
    const runs = createWorkflowRuns(parseWorkflowConfig({ WORKFLOW_CLIENT_SECRET: 's'.repeat(32) }));
    expect(runs.ready()).toBe(true);
    runs.drain.begin();
    expect(runs.ready()).toBe(false);
    expect(runs.runs.draining).toBe(true);
  });
});
