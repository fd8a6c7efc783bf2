/**
 * Expected failures of the CLI. Anything thrown as a CliError is printed as one readable line (plus field
 * problems and hints) with exit code 1; everything else is a bug and says so.
 */

/** The RFC 9457 body the API answers errors with (src/domain/errors.ts), as far as the CLI relies on it. */
export interface Problem {
  type?: string;
  title: string;
  status?: number;
  detail: string;
  errors?: { field: string; message: string }[];
  [key: string]: unknown;
}

export interface CliErrorOptions {
  /** The problem to print to stdout with --json; a synthetic one is made from the message when absent. */
  problem?: Problem;
  /** Field problems, one line each under the message. */
  fields?: { field: string; message: string }[];
  /** What the user can do next, e.g. "run `comity login`". */
  hints?: string[];
}

export class CliError extends Error {
  constructor(
    message: string,
    readonly options: CliErrorOptions = {},
  ) {
    super(message);
  }

  /** The problem JSON for --json output: the API's own when there is one. */
  get problem(): Problem {
    return (
      this.options.problem ?? {
        title: 'The command failed',
        detail: this.message,
        ...(this.options.fields?.length ? { errors: this.options.fields } : {}),
      }
    );
  }

  /** The same error with another hint appended. */
  withHint(hint: string): CliError {
    return new CliError(this.message, { ...this.options, hints: [...(this.options.hints ?? []), hint] });
  }
}
