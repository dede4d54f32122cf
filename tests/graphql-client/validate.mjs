#!/usr/bin/env node
// Validates every ```graphql block of a Markdown file against the schema a
// running Masthead server reports through introspection, with graphql-js,
// the reference GraphQL implementation.
//
// Usage: node validate.mjs http://127.0.0.1:PORT ../../docs/graphql.md

import { readFileSync } from "node:fs";
import { buildClientSchema, getIntrospectionQuery, parse, validate } from "graphql";

const [base, markdownPath] = process.argv.slice(2);
if (!base || !markdownPath) {
  console.error("usage: node validate.mjs http://127.0.0.1:PORT path/to/graphql.md");
  process.exit(2);
}

const response = await fetch(`${base.replace(/\/+$/, "")}/graphql`, {
  method: "POST",
  headers: { "content-type": "application/json" },
  body: JSON.stringify({ query: getIntrospectionQuery() }),
});
const introspection = await response.json();
if (!response.ok || introspection.errors) {
  console.error("introspection failed:", response.status, JSON.stringify(introspection.errors ?? introspection));
  process.exit(1);
}
const schema = buildClientSchema(introspection.data);

const markdown = readFileSync(markdownPath, "utf8");
const blocks = [...markdown.matchAll(/```graphql\n([\s\S]*?)```/g)].map((m) => m[1]);
if (blocks.length === 0) {
  console.error(`no graphql blocks in ${markdownPath}`);
  process.exit(1);
}

let failed = 0;
for (const [i, source] of blocks.entries()) {
  const name = source.match(/^\s*(query|mutation|subscription)\s+(\w+)/)?.[2] ?? `block ${i + 1}`;
  let errors;
  try {
    errors = validate(schema, parse(source));
  } catch (e) {
    errors = [e];
  }
  if (errors.length === 0) {
    console.log(`ok   ${name}`);
  } else {
    failed += 1;
    console.log(`FAIL ${name}`);
    for (const error of errors) console.log(`     ${error.message}`);
  }
}
console.log(`documents: ${blocks.length - failed} valid, ${failed} invalid`);
process.exit(failed === 0 ? 0 : 1);
