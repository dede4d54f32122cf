// Subscribes with the reference graphql-ws client and prints what happens,
// one JSON object per line: {"on":"connected"}, {"on":"next","payload":…},
// {"on":"closed","code":…,"reason":…}, {"on":"error","message":…}.
// Usage: node subscribe.mjs <ws url> <query> <variables JSON> <authorization or ""> <events to wait for>
import { createClient } from "graphql-ws";
import WebSocket from "ws";

const [url, query, variables, authorization, wanted] = process.argv.slice(2);
const print = (line) => process.stdout.write(JSON.stringify(line) + "\n");

const client = createClient({
  url,
  webSocketImpl: WebSocket,
  lazy: false,
  retryAttempts: 0,
  // Failures of the connection are reported through `on.closed` above.
  onNonLazyError: () => {},
  connectionParams: authorization ? { authorization } : {},
  on: {
    connected: () => print({ on: "connected" }),
    closed: (event) => print({ on: "closed", code: event.code, reason: event.reason }),
  },
});

let seen = 0;
const finish = (code) => {
  client.dispose();
  setTimeout(() => process.exit(code), 50);
};
client.subscribe(
  { query, variables: JSON.parse(variables) },
  {
    next: (payload) => {
      print({ on: "next", payload });
      seen += 1;
      if (seen >= Number(wanted)) finish(0);
    },
    error: (error) => {
      print({ on: "error", message: String(error?.reason ?? error?.message ?? error), code: error?.code });
      finish(0);
    },
    complete: () => {
      print({ on: "complete" });
      finish(0);
    },
  },
);
setTimeout(() => {
  print({ on: "timeout" });
  finish(1);
}, 30000);
