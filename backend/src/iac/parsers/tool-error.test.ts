import { describe, expect, it } from 'vitest';
import { toolFailure } from './tool-error.js';

describe('toolFailure', () => {
  it('skips warnings and unwraps the klog line kubectl kustomize fails with', () => {
    const stderr =
      "# Warning: 'bases' is deprecated. Please use 'resources' instead.\n" +
      'E1207 15:12:50.511611    3225 run.go:72] "command failed" err="accumulating resources: unable to find one of \'kustomization.yaml\' in directory \'/x/base\'"\n';
    expect(toolFailure(stderr, 'exit 1')).toBe("accumulating resources: unable to find one of 'kustomization.yaml' in directory '/x/base'");
  });

  it('keeps helm-style "Error:" lines after warnings, and falls back when stderr is empty', () => {
    expect(toolFailure('walk.go:74: found symbolic link in path\nWARNING: kubeconfig is group-readable\nError: template: x.yaml:3: nil pointer\n', 'exit 1')).toBe('template: x.yaml:3: nil pointer');
    expect(toolFailure('', 'Command failed: kubectl kustomize /x')).toBe('Command failed: kubectl kustomize /x');
  });
});
