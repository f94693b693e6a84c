/** The real Docker daemon for tests, and the images they run, built locally (nothing is pulled). */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, copyFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Docker from "dockerode";

/** A tiny image: a static busybox and its applets, from Debian's busybox-static. */
export const TEST_IMAGE = "ubom-test/busybox:latest";

const APPLETS = ["sh", "echo", "cat", "sleep", "true", "false", "ls", "id", "head", "tr", "dd", "env", "wc", "printf", "tail", "yes", "mkdir", "touch"];

function docker(args: string[]): { status: number; out: string } {
  const run = Bun.spawnSync(["docker", ...args]);
  return { status: run.exitCode, out: run.stdout.toString() + run.stderr.toString() };
}

/** Fails loudly when no daemon answers; imports the test image when missing. */
export async function requireDocker(): Promise<Docker> {
  const client = new Docker();
  try {
    await client.ping();
  } catch (error) {
    throw new Error(
      `the Docker tests need a running Docker daemon (${(error as Error).message}). ` +
        "Install docker.io and busybox-static (Debian) and run `bun run test`, which starts dockerd; CI's .ci/run does both.",
    );
  }
  if (docker(["image", "inspect", TEST_IMAGE]).status !== 0) importTestImage();
  return client;
}

function importTestImage(): void {
  const busybox = ["/bin/busybox", "/usr/bin/busybox"].find((path) => existsSync(path));
  if (!busybox) throw new Error("the Docker tests need a static busybox to build their image: apt-get install -y busybox-static");
  const root = mkdtempSync(join(tmpdir(), "ubom-image-"));
  try {
    mkdirSync(join(root, "bin"));
    mkdirSync(join(root, "tmp"));
    copyFileSync(busybox, join(root, "bin/busybox"));
    for (const applet of APPLETS) symlinkSync("busybox", join(root, "bin", applet));
    const tar = join(root, "..", `${root.split("/").pop()}.tar`);
    const packed = Bun.spawnSync(["tar", "-C", root, "-cf", tar, "."]);
    if (packed.exitCode !== 0) throw new Error(`tar failed: ${packed.stderr}`);
    const imported = docker(["import", "-c", "ENV PATH=/bin", tar, TEST_IMAGE]);
    rmSync(tar, { force: true });
    if (imported.status !== 0) throw new Error(`docker import failed: ${imported.out}`);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

/** Containers carrying a label, e.g. `ubom.work_id=w1`, running or not. */
export function containersWithLabel(label: string): string[] {
  return docker(["ps", "-aq", "--filter", `label=${label}`]).out.split("\n").filter(Boolean);
}

/** Waits until `check` is true or `ms` pass; returns the last answer. */
export async function eventually(check: () => boolean, ms: number): Promise<boolean> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (check()) return true;
    await Bun.sleep(100);
  }
  return check();
}

export { docker as dockerCli };
