// Typed errors. Library code throws these; only build/cli.ts prints them and exits.

export abstract class OkomeError extends Error {
  abstract readonly exitCode: number;
  /** Text printed to the user, already complete (no stack trace needed). */
  abstract render(): string;
}

/** The fleet file is invalid. Exit 2, nothing built. */
export class ConfigError extends OkomeError {
  readonly exitCode = 2;
  constructor(readonly file: string, readonly problems: readonly string[]) {
    super(`${file} has ${problems.length} problem${problems.length === 1 ? '' : 's'}`);
    this.name = 'ConfigError';
  }
  render(): string {
    return [`${this.message}:`, ...this.problems.map((p) => `  ! ${p}`)].join('\n');
  }
}

/** Bad command-line usage. Exit 2. */
export class UsageError extends OkomeError {
  readonly exitCode = 2;
  constructor(message: string) { super(message); this.name = 'UsageError'; }
  render(): string { return `usage: ${this.message}`; }
}

export interface MissingTool { tool: string; why: string; package: string }

/** Host tools or binfmt are missing and could not be installed. Exit 3. */
export class ToolMissingError extends OkomeError {
  readonly exitCode = 3;
  constructor(readonly missing: readonly MissingTool[], readonly fix: string, readonly other: readonly string[] = []) {
    super(`preflight found ${missing.length + other.length} problem(s)`);
    this.name = 'ToolMissingError';
  }
  render(): string {
    const lines = [`${this.message}:`];
    for (const m of this.missing) lines.push(`  ! ${m.tool} is missing (needed for ${m.why}; Debian package ${m.package})`);
    for (const o of this.other) lines.push(`  ! ${o}`);
    if (this.fix) lines.push(`fix: ${this.fix}`);
    return lines.join('\n');
  }
}

/** A step's tool failed. Exit 1. */
export class StepFailedError extends OkomeError {
  readonly exitCode = 1;
  constructor(
    readonly step: string,
    readonly command: string,
    readonly status: string,
    readonly tail: string,
    readonly logPath: string | undefined,
  ) {
    super(`step ${step} failed: ${command} ${status}`);
    this.name = 'StepFailedError';
  }
  render(): string {
    const lines = [`step "${this.step}" failed`, `  command: ${this.command}`, `  status:  ${this.status}`];
    if (this.logPath) lines.push(`  log:     ${this.logPath}`);
    if (this.tail.trim()) lines.push('  last lines:', ...this.tail.trimEnd().split('\n').map((l) => `    ${l}`));
    return lines.join('\n');
  }
}

/** The user interrupted (Ctrl-C / SIGTERM). Exit 130. */
export class CancelledError extends OkomeError {
  readonly exitCode = 130;
  constructor(readonly step: string) { super(`cancelled during step ${step}`); this.name = 'CancelledError'; }
  render(): string { return `${this.message}; temporary files removed, previous output untouched`; }
}

/** Something the user can act on that is not one of the above (disk full, bad image file...). Exit 1. */
export class UserFacingError extends OkomeError {
  readonly exitCode = 1;
  constructor(message: string, readonly hint?: string) { super(message); this.name = 'UserFacingError'; }
  render(): string { return this.hint ? `${this.message}\nfix: ${this.hint}` : this.message; }
}

/** A bug in okome-image. Exit 70. */
export class InternalError extends OkomeError {
  readonly exitCode = 70;
  constructor(message: string) { super(message); this.name = 'InternalError'; }
  render(): string { return `internal error (a bug in okome-image): ${this.message}`; }
}
