// retention's logic: plan each host's images with the pure GFS planner and carry the plan out. It is
// the adapter lambdas/adapters/retention.ts, which the CLI's `retention --apply` runs too, so the
// Lambda and the operator delete in one order (the image and its sidecars first, the record last).
export { applyRetention, RetentionDeleteError, type RetentionDeps } from '../adapters/retention.js';
