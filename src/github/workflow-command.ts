import { escapeControl } from '../render/escape-control.js';

/**
 * One GitHub workflow command line (`::error file=F,line=1::message`), its property values and message
 * escaped so that no value can end the command, start another or hide text: `%`, CR and LF encoded as
 * the runner decodes them, every other control character shown as an escape.
 * https://docs.github.com/en/actions/reference/workflow-commands-for-github-actions
 */
export function workflowCommand(
  command: string,
  properties: Record<string, string | number | undefined>,
  message: string,
): string {
  const props = Object.entries(properties)
    .filter((entry): entry is [string, string | number] => entry[1] !== undefined)
    .map(([name, value]) => `${name}=${escapeProperty(String(value))}`)
    .join(',');
  return `::${command}${props ? ` ${props}` : ''}::${escapeData(message)}\n`;
}

function escapeData(text: string): string {
  return escapeControl(text.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A'));
}

function escapeProperty(text: string): string {
  return escapeData(text).replace(/:/g, '%3A').replace(/,/g, '%2C');
}
