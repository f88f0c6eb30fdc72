export { LeakJudge, judgeTrace, stackId } from './LeakJudge';
export type {
  StackEvidence,
  StackJudgement,
  StackView,
  TraceJudgement,
} from './LeakJudge';
export {
  DEFAULT_VERDICT_CONFIG,
  minTraceSec,
  resolveConfig,
  tooShortForVerdict,
} from './config';
export type { VerdictConfig } from './config';
export { theilSenSlope, median } from './theilSen';
export { mannKendall } from './mannKendall';
export type { MannKendallResult } from './mannKendall';
export { nonDecreasingFraction } from './monotonicity';
