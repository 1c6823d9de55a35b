/** ctct-gitops as a library: the same functions the CLI calls, each taking a working directory. */
export { runValidate, renderValidateResult } from './commands/run-validate.js';
export { runPlan, readWorkspace, computeWorkspacePlan } from './commands/run-plan.js';
export { runApply } from './commands/run-apply.js';
export { runImport } from './commands/run-import.js';
export { computePlan, needsPlanRead } from './plan/compute-plan.js';
export { fetchLiveState } from './plan/fetch-live-state.js';
export { readAccounts } from './accounts/read-accounts.js';
export { readSettings } from './settings/read-settings.js';
export { PLAN_REPORTERS } from './render/plan-reporters.js';
export { CtctClient, readCtctClientOptions } from './ctct/ctct-client.js';
export { CtctApiError, CreateOutcomeUnknownError, QuotaExceededError } from './ctct/ctct-api-error.js';
export { startSimulator } from './simulator/simulator.js';
export { ExitCode, CtctGitopsError, InvalidInputError, RefusedError, OperationalError } from './errors.js';
export type * from './model.js';
export type { Settings } from './settings/settings.js';
export type { ApplyReport, Outcome } from './apply/apply-plan.js';
