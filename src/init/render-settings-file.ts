interface SchemaProperty {
  description?: string;
  properties?: Record<string, SchemaProperty>;
}

/**
 * `ctct-gitops.yaml` as `init` writes it: every setting of the settings schema, each with its
 * description as a comment and at its default; a setting without a default is left commented out.
 * Pure: rendered from the schema and the defaults, so a new setting appears here by itself.
 */
export function renderSettingsFile(schema: SchemaProperty, defaults: object, schemaPath: string): string {
  const lines = [
    `# yaml-language-server: $schema=${schemaPath}`,
    '# Settings of ctct-gitops (written by ctct-gitops init). Every value below is the default;',
    '# change what you need. Command-line flags beat this file. Credentials never go here: they come',
    '# from the environment (CTCT_API_KEY, CTCT_PARTNER_CLIENT_ID, CTCT_PARTNER_SECRET).',
  ];
  renderProperties(schema.properties ?? {}, defaults as Record<string, unknown>, '', lines);
  return `${lines.join('\n')}\n`;
}

function renderProperties(
  properties: Record<string, SchemaProperty>,
  defaults: Record<string, unknown>,
  indent: string,
  lines: string[],
): void {
  for (const [index, [key, property]] of Object.entries(properties).entries()) {
    if (index > 0 || indent === '') lines.push('');
    for (const line of wrap(property.description ?? '', 100 - indent.length - 2)) lines.push(`${indent}# ${line}`);
    const value = defaults[key];
    if (property.properties !== undefined) {
      lines.push(`${indent}${key}:`);
      renderProperties(property.properties, (value ?? {}) as Record<string, unknown>, `${indent}  `, lines);
    } else if (value === undefined) lines.push(`${indent}# ${key}:`);
    else lines.push(`${indent}${key}: ${JSON.stringify(value)}`);
  }
}

function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line !== '' && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line === '' ? word : `${line} ${word}`;
  }
  if (line !== '') lines.push(line);
  return lines;
}
