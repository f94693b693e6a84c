/** One test per conformance check, so a failure names the check. */
import { describe, expect, test } from "bun:test";
import { CONFORMANCE_CHECKS, type CheckOutcome } from "../../src/conformance/index.ts";

/** Runs the suite once and asserts that every check ran and passed: a skip means a missing example. */
export function describeConformance(type: string, runSuite: () => Promise<CheckOutcome[]>): void {
  describe(`conformance: ${type}`, async () => {
    const outcomes = await runSuite();
    for (const name of CONFORMANCE_CHECKS) {
      test(name, () => {
        expect(outcomes.find((outcome) => outcome.name === name)).toEqual({ name, status: "passed" });
      });
    }
  });
}
