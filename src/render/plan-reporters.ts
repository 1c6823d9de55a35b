import type { Plan } from '../model.js';
import { renderJson } from './render-json.js';
import { renderMarkdown } from './render-markdown.js';
import { renderText, type TextOptions } from './render-text.js';

/** Every plan output renders the same value; pick one with --format. */
export const PLAN_REPORTERS = {
  text: (plan: Plan, options: TextOptions) => renderText(plan, options),
  markdown: (plan: Plan) => renderMarkdown(plan),
  json: (plan: Plan) => renderJson(plan),
} as const;

export type PlanFormat = keyof typeof PLAN_REPORTERS;
