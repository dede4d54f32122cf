// Verifies webhook deliveries with the reference Standard Webhooks library.
// Reads [{secret, headers, body}] as JSON on stdin; writes, for each, "ok"
// or the library's error message, as a JSON array on stdout.
import { Webhook } from "standardwebhooks";

let input = "";
for await (const chunk of process.stdin) {
  input += chunk;
}
const verdicts = JSON.parse(input).map(({ secret, headers, body }) => {
  try {
    new Webhook(secret).verify(body, headers);
    return "ok";
  } catch (error) {
    return String(error.message ?? error);
  }
});
process.stdout.write(JSON.stringify(verdicts));
