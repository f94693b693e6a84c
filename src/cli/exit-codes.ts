/** The binary's exit codes, documented in the README. */
export const ExitCode = {
  /** The work succeeded, or the command did what was asked. */
  OK: 0,
  /** The work failed, a check failed, or a plugin is unhealthy. */
  FAILED: 1,
  /** Bad usage or bad input: unknown option, unreadable or invalid work, unknown type. */
  USAGE: 2,
  /** The work timed out. */
  TIMED_OUT: 3,
  /** The work was cancelled (SIGINT or SIGTERM). */
  CANCELLED: 4,
  /** ubom itself failed unexpectedly. */
  INTERNAL: 70,
} as const;
