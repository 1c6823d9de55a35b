/** What completion knows of the CLI: each command, its options, and the values an option takes. */
export interface CompletionSpec {
  program: string;
  commands: { name: string; options: { flag: string; choices?: readonly string[] }[]; arguments?: readonly string[] }[];
}

export type Shell = 'bash' | 'zsh' | 'fish';
export const SHELLS: readonly Shell[] = ['bash', 'zsh', 'fish'];

/** A completion script for `shell`; pure, so the same CLI always prints the same script. */
export function renderCompletion(spec: CompletionSpec, shell: Shell): string {
  if (shell === 'fish') return renderFish(spec);
  const bash = renderBash(spec);
  // zsh runs the bash function through bashcompinit.
  return shell === 'zsh' ? `#compdef ${spec.program}\nautoload -U +X bashcompinit && bashcompinit\n${bash}` : bash;
}

function renderBash(spec: CompletionSpec): string {
  const fn = `_${spec.program.replace(/[^A-Za-z0-9]/g, '_')}`;
  const lines = [
    `# ${spec.program} completion; load it with: source <(${spec.program} completion bash)`,
    `${fn}() {`,
    '  local cur prev command',
    '  cur="${COMP_WORDS[COMP_CWORD]}"',
    '  prev="${COMP_WORDS[COMP_CWORD-1]}"',
    '  command="${COMP_WORDS[1]}"',
    '  if [ "$COMP_CWORD" -eq 1 ]; then',
    `    COMPREPLY=($(compgen -W "${spec.commands.map((c) => c.name).join(' ')}" -- "$cur"))`,
    '    return',
    '  fi',
    '  case "$command:$prev" in',
  ];
  for (const command of spec.commands) {
    for (const option of command.options) {
      if (option.choices)
        lines.push(
          `    ${command.name}:${option.flag}) COMPREPLY=($(compgen ` +
            `-W "${option.choices.join(' ')}" -- "$cur")); return ;;`,
        );
    }
  }
  lines.push('  esac', '  case "$command" in');
  for (const command of spec.commands) {
    lines.push(
      `    ${command.name}) COMPREPLY=($(compgen -W ` +
        `"${[...(command.arguments ?? []), ...command.options.map((o) => o.flag)].join(' ')}" -- "$cur")) ;;`,
    );
  }
  lines.push(
    '  esac',
    '  if [[ "$cur" != -* ]]; then COMPREPLY+=($(compgen -f -- "$cur")); fi',
    '}',
    `complete -o filenames -F ${fn} ${spec.program}`,
    '',
  );
  return lines.join('\n');
}

function renderFish(spec: CompletionSpec): string {
  const p = spec.program;
  const names = spec.commands.map((c) => c.name).join(' ');
  const lines = [
    `# ${p} completion; load it with: ${p} completion fish | source`,
    `complete -c ${p} -n "not __fish_seen_subcommand_from ${names}" -f -a "${names}"`,
  ];
  for (const command of spec.commands) {
    if (command.arguments)
      lines.push(
        `complete -c ${p} -n "__fish_seen_subcommand_from ${command.name}" -f -a "${command.arguments.join(' ')}"`,
      );
    for (const option of command.options) {
      const values = option.choices ? ` -x -a "${option.choices.join(' ')}"` : '';
      lines.push(
        `complete -c ${p} -n "__fish_seen_subcommand_from ${command.name}" ` +
          `-l ${option.flag.replace(/^--/, '')}${values}`,
      );
    }
  }
  return `${lines.join('\n')}\n`;
}
