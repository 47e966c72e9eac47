// Lighthouse for a page that only a form POST reaches (the finder's results): a user flow.
//
// Usage: node flow.mjs '{"url": …, "steps": [{"name": ["value", …]}, …], "out": "result.json"}'
//
// Opens `url` in Debian's Chromium (CHROME_PATH, default /usr/bin/chromium; never a downloaded browser),
// fills in each step's form and presses its submit button; the last submit is measured as a Lighthouse
// navigation (cold cache: storage reset, as the CLI does) with the CLI's defaults: mobile form factor and
// screen, simulated throttling, performance and accessibility only. The navigation's report (LHR) is
// written to `out`. With no steps, `url` itself is measured (a control against the CLI's figures).
import fs from 'node:fs';

import puppeteer from 'puppeteer-core';
import {startFlow} from 'lighthouse';

const spec = JSON.parse(process.argv[2]);
const flags = {
  onlyCategories: ['performance', 'accessibility'],
  formFactor: 'mobile',
  // Passive gathering (a flow's default) skips only the back/forward-cache test, which navigates away and back
  // after everything else is gathered: for a POST page that re-posts the form. It weighs nothing in the
  // performance and accessibility scores. And a cold load, as the CLI measures.
  usePassiveGathering: true,
  disableStorageReset: false,
};

async function fill(page, fields) {
  for (const [name, values] of Object.entries(fields)) {
    const controls = await page.$$(`[name="${name}"]`);
    if (!controls.length) throw new Error(`no form field named ${name} on ${page.url()}`);
    for (const control of controls) {
      const [type, value, tag] = await control.evaluate(el => [el.type, el.value, el.tagName]);
      if (type === 'checkbox' || type === 'radio') {
        const want = values.includes(value);
        const checked = await control.evaluate(el => el.checked);
        if (want !== checked) await control.evaluate(el => el.click());
      } else if (tag === 'SELECT') {
        await control.select(...values);
      } else if (type !== 'hidden') {
        await control.evaluate(el => { el.value = ''; });
        await control.type(values[0] ?? '');
      }
    }
  }
}

async function submitOf(page, fields) {
  // The submit button of the form holding the first answered field (or the page's only form).
  const name = Object.keys(fields)[0];
  const handle = await page.evaluateHandle(fieldName => {
    const field = fieldName ? document.querySelector(`[name="${fieldName}"]`) : null;
    const form = field ? field.form : document.querySelector('main form') || document.querySelector('form');
    return form.querySelector('button[type="submit"], button:not([type]), input[type="submit"]');
  }, name);
  const button = handle.asElement();
  if (!button) throw new Error(`no submit button on ${page.url()}`);
  return button;
}

const browser = await puppeteer.launch({
  executablePath: process.env.CHROME_PATH || '/usr/bin/chromium',
  headless: true, // puppeteer's "new" headless mode (--headless=new)
  args: ['--no-sandbox'],
});
try {
  const page = await browser.newPage();
  const flow = await startFlow(page, {flags});
  const steps = spec.steps || [];
  if (!steps.length) {
    await flow.navigate(spec.url);
  } else {
    await page.goto(spec.url, {waitUntil: 'load'});
    for (const step of steps.slice(0, -1)) {
      await fill(page, step);
      const button = await submitOf(page, step);
      await Promise.all([page.waitForNavigation({waitUntil: 'load'}), button.click()]);
    }
    const last = steps[steps.length - 1];
    await fill(page, last);
    await flow.navigate(async () => {
      const button = await submitOf(page, last);
      await button.evaluate(el => el.click());
    });
  }
  const result = await flow.createFlowResult();
  const lhr = result.steps[result.steps.length - 1].lhr;
  if (lhr.runtimeError) throw new Error(`Lighthouse: ${lhr.runtimeError.code} ${lhr.runtimeError.message}`);
  // Which page was measured (a POST leaves the URL unchanged): its title and first heading.
  lhr.benchMeasuredPage = await page.evaluate(() => ({
    title: document.title,
    h1: document.querySelector('h1')?.textContent.trim() ?? '',
  }));
  fs.writeFileSync(spec.out, JSON.stringify(lhr));
} finally {
  await browser.close();
}
