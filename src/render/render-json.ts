import type { Plan } from '../model.js';

/** The plan as its versioned JSON document (format_version 1); also the saved plan file. */
export function renderJson(plan: Plan): string {
  return `${JSON.stringify(plan, null, 2)}\n`;
}
