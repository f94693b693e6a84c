/** Whether something accepts TCP connections on a loopback port: for servers that log no "ready". */
import { connect } from "node:net";

export function portAnswers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: "127.0.0.1", port }, () => (socket.destroy(), resolve(true)));
    socket.on("error", () => resolve(false));
  });
}
