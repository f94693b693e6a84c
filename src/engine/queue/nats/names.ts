/**
 * Every name ubom uses in NATS, in one place: subjects, streams, the results bucket and
 * consumers, all under the configured prefix.
 */

const TOKEN_SAFE = /^[A-Za-z0-9_-]+$/;

/**
 * A work id or type as one subject token and KV key. Ids may hold '.' and ':', which split
 * subjects or are refused in keys; those are base64url-encoded behind '=', a character no
 * id or type starts with, so the mapping is one-to-one.
 */
export function tokenOf(text: string): string {
  return TOKEN_SAFE.test(text) ? text : `=${Buffer.from(text).toString("base64url")}`;
}

export class NatsNames {
  constructor(readonly prefix: string) {}

  get workStream(): string {
    return `${this.prefix.toUpperCase()}_WORKS`;
  }

  get deadLetterStream(): string {
    return `${this.prefix.toUpperCase()}_DEAD_LETTERS`;
  }

  get resultsBucket(): string {
    return `${this.prefix}_works`;
  }

  /** A submitted work: its type's subject, then its id, so one work's message can be looked up. */
  workSubject(type: string, id: string): string {
    return `${this.prefix}.work.${tokenOf(type)}.${tokenOf(id)}`;
  }

  /** What the consumer of one type takes. */
  workSubjectsOfType(type: string): string {
    return `${this.prefix}.work.${tokenOf(type)}.*`;
  }

  get allWorkSubjects(): string {
    return `${this.prefix}.work.>`;
  }

  deadLetterSubject(type: string): string {
    return `${this.prefix}.dead.${tokenOf(type)}`;
  }

  get allDeadLetterSubjects(): string {
    return `${this.prefix}.dead.>`;
  }

  /** The durable consumer every worker that runs `type` shares. */
  consumer(type: string): string {
    return `${this.prefix}_work_${tokenOf(type)}`;
  }

  /** Cancel requests, obeyed by the worker running the work. */
  cancelSubject(id: string): string {
    return `${this.prefix}.cancel.${tokenOf(id)}`;
  }

  get allCancelSubjects(): string {
    return `${this.prefix}.cancel.*`;
  }

  /** Live log lines of a running work, and the end of its attempt. */
  logSubject(id: string): string {
    return `${this.prefix}.logs.${tokenOf(id)}`;
  }

  /** Requests for the lines a work logged so far, answered by the worker running it. */
  logTailSubject(id: string): string {
    return `${this.prefix}.logtail.${tokenOf(id)}`;
  }

  get allLogTailSubjects(): string {
    return `${this.prefix}.logtail.*`;
  }

  /** The id behind the last token of a per-work subject. */
  idOfSubject(subject: string): string {
    const token = subject.slice(subject.lastIndexOf(".") + 1);
    return token.startsWith("=") ? Buffer.from(token.slice(1), "base64url").toString() : token;
  }
}
