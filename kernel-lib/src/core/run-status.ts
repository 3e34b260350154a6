import { z } from 'zod';

/** Where a run stands: still going, finished, failed, or stopped part-way and resumable. */
export const runStatusSchema = z.enum(['running', 'completed', 'failed', 'interrupted']);
/** Where a run stands; stored in the run log and shown in every run's payload. */
export type RunStatus = z.infer<typeof runStatusSchema>;
