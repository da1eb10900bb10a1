// `npm start`: install and build what is missing, then run the server in this process
// (so SIGTERM/SIGINT reach its graceful shutdown directly).
import { ensureReady } from "./ensure.mjs";

await ensureReady({ build: true });
await import("../dist/main.js");
