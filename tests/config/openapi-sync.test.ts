// The plugins generate their API types from plugin-app/api/openapi.json; it must describe what the server
// serves (compared as JSON, so a mere reordering of routes in main.ts does not count as a change).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { liveOpenApiText, OPENAPI_COPY } from '../../plugin-app/scripts/openapi-doc.mjs';

describe('plugin-app/api/openapi.json', () => {
  it('is the document the backend serves at /api/openapi.json (refresh with npm run api:sync)', async () => {
    const live = JSON.parse(await liveOpenApiText());
    const copy = JSON.parse(readFileSync(OPENAPI_COPY, 'utf8'));
    expect(Object.keys(copy.paths).sort(), 'stale copy: run npm run api:sync').toEqual(Object.keys(live.paths).sort());
    expect(copy, 'stale copy: run npm run api:sync').toEqual(live);
  });
});
