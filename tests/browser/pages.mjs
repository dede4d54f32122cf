// Opens Masthead's HTML pages in Debian's headless Chromium, under their
// Content-Security-Policy: Swagger UI (/docs/) must list the operations and
// run one ("Try it out"), GraphiQL (/graphql) must run a query; neither may
// raise a policy violation, a script error or a console error.
//
//   node pages.mjs http://127.0.0.1:PORT [screenshot-folder]
import puppeteer from 'puppeteer-core';

const [base, shots] = process.argv.slice(2);
if (!base) {
  console.error('usage: node pages.mjs http://127.0.0.1:PORT [screenshot-folder]');
  process.exit(2);
}

const browser = await puppeteer.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
});
const problems = [];

async function visit(path, name, check) {
  const page = await browser.newPage();
  await page.setViewport({ width: 1280, height: 900 });
  page.on('console', (message) => {
    // A failed load is reported below with its address.
    if (message.type() === 'error' && !message.text().startsWith('Failed to load resource')) {
      problems.push(`${path}: console error: ${message.text()}`);
    }
  });
  page.on('response', (answer) => {
    if (answer.status() >= 400) problems.push(`${path}: ${answer.status()} for ${answer.url()}`);
  });
  page.on('pageerror', (error) => problems.push(`${path}: script error: ${error.message}`));
  await page.evaluateOnNewDocument(() => {
    window.__violations = [];
    document.addEventListener('securitypolicyviolation', (event) => {
      window.__violations.push(`${event.effectiveDirective} blocked ${event.blockedURI || 'inline'}`);
    });
  });
  const response = await page.goto(base + path, { waitUntil: 'networkidle0' });
  if (!response.headers()['content-security-policy']) {
    problems.push(`${path}: no Content-Security-Policy`);
  }
  try {
    await check(page);
  } catch (error) {
    problems.push(`${path}: ${error.message}`);
  }
  for (const violation of await page.evaluate(() => window.__violations)) {
    problems.push(`${path}: policy violation: ${violation}`);
  }
  if (shots) await page.screenshot({ path: `${shots}/${name}.png` });
  await page.close();
}

await visit('/docs/', 'swagger-ui', async (page) => {
  await page.waitForSelector('.opblock', { timeout: 20000 });
  const operations = await page.$$eval('.opblock', (blocks) => blocks.length);
  console.log(`Swagger UI lists ${operations} operations`);
  if (operations < 50) throw new Error(`only ${operations} operations listed`);
  // Run GET /healthz from the page: the request goes out under connect-src.
  await page.click('#operations-operations-healthz .opblock-summary');
  await page.waitForSelector('#operations-operations-healthz .try-out__btn');
  await page.click('#operations-operations-healthz .try-out__btn');
  await page.click('#operations-operations-healthz .execute');
  await page.waitForFunction(
    () => document.querySelector('#operations-operations-healthz .live-responses-table .response .response-col_status')
      ?.textContent.includes('200'),
    { timeout: 20000 },
  );
  console.log('Swagger UI ran GET /healthz: 200');
});

await visit('/graphql', 'graphiql', async (page) => {
  await page.waitForSelector('.graphiql-container .CodeMirror', { timeout: 20000 });
  await page.evaluate(() => {
    document.querySelector('.graphiql-query-editor .CodeMirror').CodeMirror.setValue('{ __typename }');
  });
  await page.click('.graphiql-execute-button');
  await page.waitForFunction(
    () => document.querySelector('.graphiql-response')?.textContent.includes('"__typename": "Query"'),
    { timeout: 20000 },
  );
  console.log('GraphiQL ran { __typename }: Query');
});

await browser.close();
for (const problem of problems) console.log(problem);
console.log(`browser pages: ${problems.length} problems`);
process.exit(problems.length === 0 ? 0 : 1);
