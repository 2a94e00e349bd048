// docs.mjs URL TOKEN ZONE: opens zoneapi's /docs in headless Chromium (the
// machine's, /usr/bin/chromium, driven by playwright-core) with every host
// but the server's unresolvable, gives the token to "Authorize", runs
// getZone through "Try it out", and prints what it saw as one JSON object
// for test/docs_test.go: the operations on the page, the answer, and every
// URL the page asked for.
import { chromium } from "playwright-core";

const [url, token, zone] = process.argv.slice(2);
const origin = new URL(url).origin;
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
  args: [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    // The network otherwise unreachable: no name resolves but the server's.
    `--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE ${new URL(url).hostname}`,
  ],
});
const out = { requests: [], failed: [], console: [] };
try {
  const page = await browser.newPage();
  page.on("request", (r) => out.requests.push(r.url()));
  page.on("requestfailed", (r) => out.failed.push(r.url()));
  page.on("console", (m) => { if (m.type() === "error") out.console.push(m.text()); });
  await page.goto(url, { waitUntil: "networkidle" });
  await page.waitForSelector(".opblock-summary-operation-id", { timeout: 20000 });
  out.title = await page.title();
  out.operations = await page.$$eval(".opblock-summary-operation-id", (els) => els.map((e) => e.textContent.trim()));
  out.servers = await page.$$eval(".servers select option", (els) => els.map((e) => e.value));

  // Authorize with the token (bearerAuth).
  await page.click("button.authorize");
  const dialog = page.locator(".auth-container").filter({ hasText: "bearerAuth" });
  await dialog.locator("input").first().fill(token);
  await dialog.locator("button.authorize").click();
  await page.click("button.close-modal");

  // getZone: Try it out, the zone, Execute.
  const op = page.locator("#operations-zones-getZone");
  await op.locator(".opblock-summary").click();
  await op.locator("button.try-out__btn").click();
  await op.locator('tr[data-param-name="zoneName"] input').fill(zone);
  const answer = page.waitForResponse((r) => r.url().includes(`/v1/zones/${zone}`));
  await op.locator("button.execute").click();
  const resp = await answer;
  out.tryIt = { url: resp.url(), status: resp.status(), authorization: (await resp.request().allHeaders())["authorization"] ?? null, body: await resp.text() };
  if (process.env.SCREENSHOT) await page.screenshot({ path: process.env.SCREENSHOT, fullPage: true });
} finally {
  await browser.close();
}
out.outside = out.requests.filter((u) => !u.startsWith(origin) && !u.startsWith("data:"));
console.log(JSON.stringify(out));
