/** Where the e2e webServer keeps its snapshot of web/dist (relative to the repository root). */
export const E2E_WEB = '.tmp/e2e-web';
