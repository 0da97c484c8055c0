import { describe, expect, it } from 'vitest';
import type { PatchError } from './patch.js';
import { applyPatch } from './patch.js';

const dep = {
  metadata: { name: 'x', labels: { app: 'x' } },
  spec: { replicas: 2, template: { spec: { containers: [{ name: 'server', image: 'a:1', env: [{ name: 'A', value: '1' }] }, { name: 'sidecar', image: 's:1' }] } } },
};

describe('PATCH dialects', () => {
  it('strategic merge merges containers and env by name', () => {
    const out = applyPatch('application/strategic-merge-patch+json', dep, {
      spec: { template: { spec: { containers: [{ name: 'server', image: 'a:2', env: [{ name: 'B', value: '2' }] }] } } },
    }) as typeof dep;
    expect(out.spec.template.spec.containers.map((c) => c.image)).toEqual(['a:2', 's:1']);
    expect(out.spec.template.spec.containers[0]?.env).toEqual([{ name: 'A', value: '1' }, { name: 'B', value: '2' }]);
    const removed = applyPatch('application/strategic-merge-patch+json', dep, { spec: { template: { spec: { containers: [{ name: 'sidecar', $patch: 'delete' }] } } } }) as typeof dep;
    expect(removed.spec.template.spec.containers.map((c) => c.name)).toEqual(['server']);
  });

  it('merge patch replaces lists and deletes with null', () => {
    const out = applyPatch('application/merge-patch+json', dep, { metadata: { labels: null }, spec: { template: { spec: { containers: [{ name: 'only', image: 'o:1' }] } } } }) as typeof dep;
    expect(out.metadata).toEqual({ name: 'x' });
    expect(out.spec.template.spec.containers).toEqual([{ name: 'only', image: 'o:1' }]);
  });

  it('JSON patch applies in order, `test` guards, and bad documents are 400', () => {
    const out = applyPatch('application/json-patch+json', dep, [
      { op: 'test', path: '/spec/replicas', value: 2 },
      { op: 'replace', path: '/spec/replicas', value: 5 },
      { op: 'add', path: '/metadata/labels/tier', value: 'web' },
      { op: 'remove', path: '/spec/template/spec/containers/1' },
    ]) as typeof dep;
    expect(out.spec.replicas).toBe(5);
    expect(out.metadata.labels).toEqual({ app: 'x', tier: 'web' });
    expect(out.spec.template.spec.containers).toHaveLength(1);
    expect(dep.spec.replicas).toBe(2);
    const status = (fn: () => unknown) => {
      try {
        fn();
      } catch (err) {
        return (err as PatchError).status;
      }
      return 0;
    };
    expect(status(() => applyPatch('application/json-patch+json', dep, [{ op: 'test', path: '/spec/replicas', value: 3 }]))).toBe(422);
    expect(status(() => applyPatch('application/json-patch+json', dep, { op: 'add' }))).toBe(400);
    expect(status(() => applyPatch('application/json-patch+json', dep, [{ op: 'replace', path: 'spec' , value: 1 }]))).toBe(400);
    expect(status(() => applyPatch('application/json-patch+json', dep, [{ op: 'remove', path: '/nope/x' }]))).toBe(422);
    expect(status(() => applyPatch('application/merge-patch+json', dep, [1, 2]))).toBe(400);
    expect(status(() => applyPatch('application/apply-patch+yaml', dep, {}))).toBe(415);
  });
});
