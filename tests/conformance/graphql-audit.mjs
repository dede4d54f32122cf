// The GraphQL over HTTP specification's server audit (npm graphql-http),
// run against a Masthead server: `node graphql-audit.mjs URL`.
// Prints every audit and exits 1 unless all of them are ok: a MUST that
// fails is an error, a SHOULD a warning, a MAY a notice, and all count.
import { auditServer } from 'graphql-http';

const url = process.argv[2];
if (!url) {
  console.error('usage: node graphql-audit.mjs http://127.0.0.1:PORT/graphql');
  process.exit(2);
}

const results = await auditServer({ url });
const counts = { ok: 0, error: 0, warn: 0, notice: 0 };
for (const result of results) {
  counts[result.status] += 1;
  if (result.status === 'ok') {
    console.log(`ok      ${result.id} ${result.name}`);
  } else {
    const body = await result.response.text().catch(() => '');
    console.log(`${result.status.padEnd(7)} ${result.id} ${result.name}`);
    console.log(`        ${result.reason}`);
    console.log(`        status ${result.response.status}, ${result.response.headers.get('content-type')}: ${body.slice(0, 300)}`);
  }
}
console.log(
  `graphql-http audit: ${counts.ok} ok, ${counts.error} errors, ${counts.warn} warnings, ${counts.notice} notices`,
);
process.exit(counts.error + counts.warn + counts.notice === 0 ? 0 : 1);
