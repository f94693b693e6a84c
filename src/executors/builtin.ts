/** The executors compiled into the binary. Each new built-in is added here. */
import { DockerExecutor } from "./docker/executor.ts";
import { GrpcExecutor } from "./grpc/executor.ts";
import { ServerlessExecutor } from "./serverless/executor.ts";
import type { ManagedExecutor } from "./managed-executor.ts";

/** Fresh instances of every built-in executor. */
export function createBuiltinExecutors(): ManagedExecutor[] {
  return [new DockerExecutor(), new GrpcExecutor(), new ServerlessExecutor()];
}
