// How long the current invocation may still work: its remaining time less a safety margin that
// leaves room to record the outcome and answer.
import type { Context } from 'aws-lambda';

export const SAFETY_MARGIN_MS = 500;

/** Epoch ms by which work must be done, or undefined when the context cannot tell. */
export const deadlineOf = (context: Partial<Context> | undefined): number | undefined => {
  const remaining = context?.getRemainingTimeInMillis?.();
  return typeof remaining === 'number' && Number.isFinite(remaining)
    ? Date.now() + remaining - SAFETY_MARGIN_MS
    : undefined;
};
