// The plugins generate their API types from plugin-app/api/openapi.json; it must be the server's document.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { liveOpenApiText, OPENAPI_COPY } from '../../plugin-app/scripts/openapi-doc.mjs';

describe('plugin-app/api/openapi.json', () => {
  it('is the document the backend serves at /api/openapi.json (refresh with npm run api:sync)', async () => {
    const live = await liveOpenApiText();
    expect(readFileSync(OPENAPI_COPY, 'utf8') === live, 'stale copy: run npm run api:sync').toBe(true);
  });
});
