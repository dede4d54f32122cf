// Drives the example admin app (examples/admin, built and served at
// /admin/) in Debian's headless Chromium, as an editor would: sign in,
// write an article in French, submit, approve, publish, then edit the
// published article and republish. After each step that readers should
// (or should not) notice, the public API is asked. Prints one line per
// step; a screenshot of the editor goes to the screenshot folder.
//
//   node admin.mjs http://127.0.0.1:PORT EMAIL PASSWORD AUTHOR_NAME screenshot-folder
import puppeteer from 'puppeteer-core';

const [base, email, password, authorName, shots] = process.argv.slice(2);
if (!shots) {
  console.error('usage: node admin.mjs http://127.0.0.1:PORT EMAIL PASSWORD AUTHOR_NAME screenshot-folder');
  process.exit(2);
}
const TITLE = 'L’été où Zoë a créé « Ça Va »';
const NEW_TITLE = 'L’été où Zoë a tout changé';
const BODY = '« Bonjour », dit-elle.\n\nLe **festival** commence à l’aube.';

const browser = await puppeteer.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--lang=fr-FR'],
});
const problems = [];
const page = await browser.newPage();
// Tall enough that the notifications at the bottom never cover the editor.
await page.setViewport({ width: 1366, height: 2000 });
page.on('pageerror', (error) => problems.push(`script error: ${error.message}`));
page.on('response', (answer) => {
  if (answer.status() >= 400) problems.push(`${answer.status()} for ${answer.url()}`);
});
page.on('console', (message) => {
  if (message.type() === 'error' && !message.text().startsWith('Failed to load resource')) {
    problems.push(`console error: ${message.text()}`);
  }
});
await page.evaluateOnNewDocument(() => {
  window.__violations = [];
  document.addEventListener('securitypolicyviolation', (event) => {
    window.__violations.push(`${event.effectiveDirective} blocked ${event.blockedURI || 'inline'}`);
  });
});

/** What the public API answers for the article (no credentials). */
async function publicTitle(slug) {
  const response = await fetch(`${base}/api/v1/articles/${slug}`);
  if (response.status !== 200) return `(${response.status})`;
  return (await response.json()).title;
}

const xpathButton = (label) => `::-p-xpath(//button[normalize-space(.)=${JSON.stringify(label)}])`;

async function click(selector) {
  const element = await page.waitForSelector(selector, { visible: true, timeout: 20000 });
  await element.click();
}

async function type(selector, text) {
  const element = await page.waitForSelector(selector, { visible: true, timeout: 20000 });
  await element.click({ clickCount: 3 });
  await element.type(text);
}

/** Takes a workflow action by its button, and waits for the state it leads to. */
async function act(action, state) {
  await click(`button[data-action="${action}"]`);
  await page.waitForSelector(`[data-state="${state}"]`, { timeout: 20000 });
  console.log(`admin: ${action} -> ${state}`);
}

try {
  // Sign in.
  await page.goto(`${base}/admin/`, { waitUntil: 'networkidle0' });
  await type('input[name="username"]', email);
  await type('input[name="password"]', password);
  await click('button[type="submit"]');
  await page.waitForFunction(() => location.hash.startsWith('#/articles') || location.hash === '#/', {
    timeout: 20000,
  });
  console.log('admin: signed in');

  // A new article in French, credited to the author.
  await page.goto(`${base}/admin/#/articles/create`, { waitUntil: 'networkidle0' });
  await type('input[name="title"]', TITLE);
  await type('input[name="locale"]', 'fr');
  await type('textarea[name="body"]', BODY);
  const authors = await page.waitForSelector(
    `::-p-xpath(//label[starts-with(normalize-space(.), "Authors")]/..//input)`,
    { visible: true },
  );
  await authors.click();
  await authors.type(authorName.slice(0, 4));
  await click(`::-p-xpath(//li[@role="option"][contains(., ${JSON.stringify(authorName)})])`);
  await click('button[type="submit"]');
  await page.waitForSelector('[data-state="draft"]', { timeout: 20000 });
  const id = await page.evaluate(() => decodeURIComponent(location.hash.split('/')[2]));
  console.log(`admin: created ${id} as draft`);
  console.log(`public before publishing: ${await publicTitle(id)}`);

  await act('submit', 'in_review');
  await act('approve', 'approved');
  await act('publish', 'published');
  console.log(`public after publishing: ${await publicTitle(id)}`);

  // Edit the published article: readers keep the published version.
  await type('input[name="title"]', NEW_TITLE);
  await click(xpathButton('Save'));
  await page.waitForSelector('[data-state="draft"]', { timeout: 20000 });
  await page.waitForFunction(
    (title) => document.querySelector('input[name="title"]')?.value === title,
    { timeout: 20000 },
    NEW_TITLE,
  );
  console.log('admin: edited the published article');
  console.log(`public after the edit: ${await publicTitle(id)}`);
  await page.screenshot({ path: `${shots}/admin-editor.png`, fullPage: true });

  await act('publish', 'published');
  console.log(`public after republishing: ${await publicTitle(id)}`);

  // The revision history with a diff, and a preview link.
  await click(xpathButton('Revision history'));
  await page.waitForSelector('.revisions li', { timeout: 20000 });
  await click('.revisions li:last-child button, .revisions li button');
  await page.waitForSelector('table.diff', { timeout: 20000 });
  const diff = await page.$eval('table.diff', (table) => table.innerText);
  console.log(`admin: diff shows ${diff.includes(NEW_TITLE) ? 'the new title' : diff}`);
  await click(xpathButton('Preview link'));
  const link = await page.waitForSelector('.preview-link a', { timeout: 20000 });
  const href = await link.evaluate((a) => a.getAttribute('href'));
  const shared = await (await fetch(base + href)).json();
  console.log(`preview link opens: ${shared.title}`);

  for (const violation of await page.evaluate(() => window.__violations)) {
    problems.push(`policy violation: ${violation}`);
  }
} catch (error) {
  problems.push(`${error.message}`);
  await page.screenshot({ path: `${shots}/admin-failure.png`, fullPage: true }).catch(() => {});
}
await browser.close();
for (const problem of problems) console.log(`problem: ${problem}`);
console.log(`admin app: ${problems.length} problems`);
process.exit(problems.length === 0 ? 0 : 1);
